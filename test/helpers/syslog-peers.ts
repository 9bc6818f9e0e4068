/**
 * What the tests with real syslog forwarders (rsyslog, syslog-ng) share: an
 * oxd with a syslog port, unique tokens to tell the messages apart, and
 * waiting for exactly the messages sent, each found once in oxd's files.
 */
import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import { eventsOfType } from './oxd-events';
import { Oxd, startOxd } from './oxd-process';

/**
 * The time zone every process of these tests runs in: +05:30 all year, so a
 * timestamp read in the wrong zone, or with its offset dropped, is hours off.
 */
export const SYSLOG_ENV = { TZ: 'Asia/Kolkata' };

/** oxd with a syslog port on 127.0.0.1 (TCP and UDP), in SYSLOG_ENV's zone; stopped at teardown. */
export async function syslogOxd(t: ExecutionContext): Promise<{ oxd: Oxd; port: string }> {
  const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0'], env: SYSLOG_ENV });
  t.teardown(async () => {
    await oxd.stop();
  });
  const port = (await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1];
  return { oxd, port };
}

/** A message a test sends with logger, and the fields it should arrive with. */
export interface Sent {
  /** logger's arguments but the socket and the message. */
  args: string[];
  message: string;
  facility: [number, string];
  severity: [number, string];
  app_name: string;
  procid: string | null;
  msgid: string | null;
  structured_data: Record<string, Record<string, string | string[]>> | null;
}

/**
 * Six messages as local programs log them (RFC 3164, `TAG[PID]: MSG`, no
 * hostname), of different facilities and severities, one without a pid, one
 * with brackets and colons in its text, one in UTF-8; `tokens[i]` ends the i-th.
 */
export function localMessages(tokens: string[]): Sent[] {
  const m = (args: string[], message: string, facility: Sent['facility'], severity: Sent['severity'], app_name: string, procid: string | null): Sent => ({ args, message, facility, severity, app_name, procid, msgid: null, structured_data: null });
  return [
    m(['-t', 'shop', '--id=4242', '-p', 'local3.warning'], `order placed ${tokens[0]}`, [19, 'local3'], [4, 'warning'], 'shop', '4242'),
    m(['-t', 'CRON', '--id=17', '-p', 'cron.info'], `(root) CMD (run-parts) ${tokens[1]}`, [9, 'cron'], [6, 'info'], 'CRON', '17'),
    m(['-t', 'sshd', '--id=901', '-p', 'authpriv.notice'], `Accepted publickey for deploy ${tokens[2]}`, [10, 'authpriv'], [5, 'notice'], 'sshd', '901'),
    m(['-t', 'app.worker', '-p', 'local7.debug'], `no pid, a dotted tag ${tokens[3]}`, [23, 'local7'], [7, 'debug'], 'app.worker', null),
    m(['-t', 'disk', '--id=3', '-p', 'mail.err'], `[sda]: 90% full: Grüße ${tokens[4]}`, [2, 'mail'], [3, 'err'], 'disk', '3'),
    m(['-t', 'panic', '--id=1', '-p', 'user.emerg'], `the sky fell ${tokens[5]}`, [1, 'user'], [0, 'emerg'], 'panic', '1'),
  ];
}

/**
 * Three RFC 5424 messages (logger --rfc5424): structured data with escapes,
 * two elements and a repeated parameter, none at all; `tokens[i]` ends the
 * i-th. `notq` leaves out the timeQuality element, whose isSynced depends on
 * this machine's clock discipline.
 */
export function rfc5424Messages(tokens: string[]): Sent[] {
  const rfc5424 = '--rfc5424=notq';
  return [
    {
      args: [rfc5424, '--sd-id', 'order@32473', '--sd-param', 'id="42"', '--sd-param', 'note="say \\"hi\\" \\] back\\\\slash"', '--msgid', 'ORD', '-t', 'shop', '--id=77', '-p', 'local3.err'],
      message: `order failed: Grüße ${tokens[0]}`,
      facility: [19, 'local3'],
      severity: [3, 'err'],
      app_name: 'shop',
      procid: '77',
      msgid: 'ORD',
      structured_data: { 'order@32473': { id: '42', note: 'say "hi" ] back\\slash' } },
    },
    {
      args: [rfc5424, '--sd-id', 'a@1', '--sd-param', 'x="1"', '--sd-param', 'x="2"', '--sd-id', 'b@2', '--sd-param', 'y=""', '-t', 'multi', '-p', 'daemon.info'],
      message: `two elements ${tokens[1]}`,
      facility: [3, 'daemon'],
      severity: [6, 'info'],
      app_name: 'multi',
      procid: null,
      msgid: null,
      structured_data: { 'a@1': { x: ['1', '2'] }, 'b@2': { y: '' } },
    },
    {
      args: [rfc5424, '-t', 'plain', '--id=5', '-p', 'news.crit'],
      message: `no structured data ${tokens[2]}`,
      facility: [7, 'news'],
      severity: [2, 'crit'],
      app_name: 'plain',
      procid: '5',
      msgid: null,
      structured_data: null,
    },
  ];
}

/** The body oxd should store for `s` as it arrived from a forwarder (`over` the fields that changed on the way). */
export function expectedBody(s: Sent, over: Record<string, unknown>): Record<string, unknown> {
  return {
    facility: s.facility[0],
    severity: s.severity[0],
    facility_name: s.facility[1],
    severity_name: s.severity[1],
    app_name: s.app_name,
    procid: s.procid,
    msgid: s.msgid,
    structured_data: s.structured_data,
    message: s.message,
    peer: '127.0.0.1',
    ...over,
  };
}

/** `n` tokens no other message of the run carries. */
export function sentTokens(n: number): string[] {
  const run = randomBytes(4).toString('hex');
  return Array.from({ length: n }, (_, i) => `tok-${run}-${i}`);
}

/**
 * Waits until oxd has received and written as many syslog messages as there
 * are `tokens`, stops the forwarder (`stop` resolves once it has exited, its
 * queues flushed), waits until oxd has seen its TCP connections close, and
 * then requires exactly that many messages: none lost, none twice. Returns
 * the event carrying each token, in the order of `tokens`; fails when a token
 * is in no message's text or in more than one.
 */
export async function waitForSyslog(t: ExecutionContext, oxd: Oxd, tokens: string[], stop: () => Promise<unknown>): Promise<any[]> {
  const n = tokens.length;
  await oxd.waitForStatus((s) => s.syslog.messages >= n && (s.events.syslog?.written ?? 0) >= n);
  await stop();
  // What the forwarder sent before it closed its connections is in by now (oxd reads a connection to its end).
  const last = await oxd.waitForStatus((s) => s.syslog.tcp_connections === 0 && s.events.syslog?.written === s.syslog.messages);
  t.is(last.syslog.messages, n, `${n} messages sent, ${last.syslog.messages} received`);
  const events = eventsOfType(oxd, 'syslog');
  t.is(events.length, n, `${n} messages sent, ${events.length} events in the files`);
  return tokens.map((token) => {
    const carrying = events.filter((e) => typeof e.body?.message === 'string' && e.body.message.includes(token));
    if (carrying.length !== 1) throw new Error(`${token} is in ${carrying.length} events, not one: ${JSON.stringify(events.map((e) => e.body))}`);
    return carrying[0];
  });
}

/**
 * Asserts that the event time `end` (seconds) falls between `fromMs` and
 * `untilMs`, allowing for a stamp cut to `resolution` seconds.
 */
export function expectTime(t: ExecutionContext, end: number, fromMs: number, untilMs: number, resolution: number): void {
  t.true(end > fromMs / 1000 - resolution && end <= untilMs / 1000, `event time ${new Date(end * 1000).toISOString()} should be between ${new Date(fromMs).toISOString()} and ${new Date(untilMs).toISOString()}`);
}

/** The event around the body: type syslog, the message's host, oxd's pid, a new id, one instant for start and end. */
export function expectEnvelope(t: ExecutionContext, e: any, oxd: Oxd, host: string): void {
  t.deepEqual({ type: e.type, host: e.host, pid: e.pid, start: e.start, id: /^[0-9a-f]{32}$/.test(e.id) }, { type: 'syslog', host, pid: oxd.pid, start: e.end, id: true });
}

/**
 * Asserts the events of messages a forwarder sent in the traditional format
 * (`<PRI>Mmm dd hh:mm:ss HOST TAG...`): whole seconds in the forwarder's zone
 * and no year, so each time falls between `fromMs` and `untilMs` to the
 * second; the host it wrote; every field that was sent but msgid and
 * structured data, which the format does not carry. `expected[i]` is the
 * message and the host of `events[i]`.
 */
export function expectTraditional(t: ExecutionContext, oxd: Oxd, events: any[], expected: ReadonlyArray<readonly [Sent, string]>, fromMs: number, untilMs: number): void {
  for (const [i, [s, host]] of expected.entries()) {
    const e = events[i];
    expectTime(t, e.end, fromMs, untilMs, 1);
    t.true(Number.isInteger(e.end), `whole seconds: ${e.end}`);
    expectEnvelope(t, e, oxd, host);
    const want = expectedBody(s, { timestamp: new Date(e.end * 1000).toISOString(), hostname: host, msgid: null, structured_data: null, format: 'rfc3164' });
    t.deepEqual(e.body, want, s.message);
  }
}

/**
 * Asserts oxd's syslog counters once one forwarder has sent `n` messages in
 * `format` over `transport`: all of them counted, none truncated, and over
 * TCP a single connection.
 */
export async function expectForwarded(t: ExecutionContext, oxd: Oxd, transport: 'tcp' | 'udp', n: number, format: 'rfc3164' | 'rfc5424'): Promise<void> {
  const status = (await oxd.control.request({ cmd: 'STATUS' })).syslog;
  t.like(status, { messages: n, truncated: 0, formats: { [format]: n } });
  t.like(status, transport === 'tcp' ? { tcp_messages: n, udp_messages: 0, tcp_accepted: 1 } : { tcp_messages: 0, udp_messages: n, tcp_accepted: 0 });
}

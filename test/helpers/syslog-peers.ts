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

/**
 * Debian's rsyslog as the forwarder in front of oxd's syslog source, as the
 * Frozone document sets it up (`*.* @@loghost:5514`): util-linux logger
 * writes to rsyslog's local socket, rsyslog forwards to oxd, and every field
 * of every event in oxd's files is checked against what was sent.
 *
 * - the document's traditional forwarding over TCP (RSYSLOG_TraditionalForwardFormat,
 *   a line per message): `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG\n`;
 * - RFC 5424 (RSYSLOG_SyslogProtocol23Format), octet-counted, with the
 *   structured data and msgid logger wrote;
 * - traditional forwarding over UDP, a message per datagram.
 *
 * Every process runs in the time zone Asia/Kolkata (+05:30): a timestamp
 * read in the wrong zone, or with its offset lost, lands hours away from
 * when the message was sent. Each message carries a unique token; a test
 * waits for exactly as many messages as it sent, stops rsyslog (which flushes
 * its queues), and finds each token exactly once.
 */
import * as os from 'node:os';
import test from 'ava';
import { logger } from '../helpers/logger';
import { startRsyslog } from '../helpers/rsyslog';
import { expectEnvelope, expectTime, sentTokens, SYSLOG_ENV, syslogOxd, waitForSyslog } from '../helpers/syslog-peers';

/** The name rsyslog gives the messages it reads from its local socket (they carry none). */
const RELAY = 'rsyslog-relay';

interface Sent {
  args: string[];
  message: string;
  facility: [number, string];
  severity: [number, string];
  app_name: string;
  procid: string | null;
}

/** RFC 3164 messages from local programs as logger writes them to the socket: TAG[PID]: MSG. */
function localMessages(tokens: string[]): Sent[] {
  return [
    { args: ['-t', 'shop', '--id=4242', '-p', 'local3.warning'], message: `order placed ${tokens[0]}`, facility: [19, 'local3'], severity: [4, 'warning'], app_name: 'shop', procid: '4242' },
    { args: ['-t', 'CRON', '--id=17', '-p', 'cron.info'], message: `(root) CMD (run-parts) ${tokens[1]}`, facility: [9, 'cron'], severity: [6, 'info'], app_name: 'CRON', procid: '17' },
    { args: ['-t', 'sshd', '--id=901', '-p', 'authpriv.notice'], message: `Accepted publickey for deploy ${tokens[2]}`, facility: [10, 'authpriv'], severity: [5, 'notice'], app_name: 'sshd', procid: '901' },
    { args: ['-t', 'app.worker', '-p', 'local7.debug'], message: `no pid, a dotted tag ${tokens[3]}`, facility: [23, 'local7'], severity: [7, 'debug'], app_name: 'app.worker', procid: null },
    { args: ['-t', 'disk', '--id=3', '-p', 'mail.err'], message: `[sda]: 90% full: Grüße ${tokens[4]}`, facility: [2, 'mail'], severity: [3, 'err'], app_name: 'disk', procid: '3' },
    { args: ['-t', 'panic', '--id=1', '-p', 'user.emerg'], message: `the sky fell ${tokens[5]}`, facility: [1, 'user'], severity: [0, 'emerg'], app_name: 'panic', procid: '1' },
  ];
}

/** The body oxd stores for one of `localMessages` that rsyslog forwarded in its traditional format. */
function traditionalBody(s: Sent, timestamp: string): Record<string, unknown> {
  return {
    facility: s.facility[0],
    severity: s.severity[0],
    facility_name: s.facility[1],
    severity_name: s.severity[1],
    timestamp,
    hostname: RELAY,
    app_name: s.app_name,
    procid: s.procid,
    msgid: null,
    structured_data: null,
    message: s.message,
    format: 'rfc3164',
    peer: '127.0.0.1',
  };
}

for (const transport of ['tcp', 'udp'] as const) {
  const rule = transport === 'tcp' ? '@@' : '@';
  test(`rsyslog's traditional forwarding over ${transport.toUpperCase()} (*.* ${rule}host:port): every message once, every field`, async (t) => {
    const { oxd, port } = await syslogOxd(t);
    const rsyslog = await startRsyslog(t, { hostname: RELAY, env: SYSLOG_ENV, rules: `*.* ${rule}127.0.0.1:${port}` });
    const tokens = sentTokens(6);
    const sent = localMessages(tokens);
    const from = Date.now();
    for (const s of sent) await logger(['-u', rsyslog.socket, ...s.args, s.message], SYSLOG_ENV);
    const events = await waitForSyslog(t, oxd, tokens, () => rsyslog.stop());
    const until = Date.now();
    for (const [i, s] of sent.entries()) {
      const e = events[i];
      // The traditional format has whole seconds in the forwarder's zone and no year.
      expectTime(t, e.end, from, until, 1);
      t.true(Number.isInteger(e.end), `whole seconds: ${e.end}`);
      expectEnvelope(t, e, oxd, RELAY);
      t.deepEqual(e.body, traditionalBody(s, new Date(e.end * 1000).toISOString()), s.message);
    }
    const status = (await oxd.control.request({ cmd: 'STATUS' })).syslog;
    t.like(status, { messages: 6, truncated: 0, formats: { rfc3164: 6 } });
    if (transport === 'tcp') t.like(status, { tcp_messages: 6, udp_messages: 0, tcp_accepted: 1 });
    else t.like(status, { tcp_messages: 0, udp_messages: 6, tcp_accepted: 0 });
    t.is(rsyslog.internalLog().match(/error|suspended/gi), null, rsyslog.internalLog());
  });
}

test('rsyslog forwarding RFC 5424, octet-counted: structured data, msgid and the exact time pass through', async (t) => {
  const { oxd, port } = await syslogOxd(t);
  const rsyslog = await startRsyslog(t, {
    hostname: RELAY,
    env: SYSLOG_ENV,
    rules: `*.* action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted")`,
  });
  const tokens = sentTokens(4);
  // notq: no timeQuality element, whose isSynced depends on this machine's clock discipline.
  const rfc5424 = ['-u', rsyslog.socket, '--rfc5424=notq'];
  const from = Date.now();
  await logger([...rfc5424, '--sd-id', 'order@32473', '--sd-param', 'id="42"', '--sd-param', 'note="say \\"hi\\" \\] back\\\\slash"', '--msgid', 'ORD', '-t', 'shop', '--id=77', '-p', 'local3.err', `order failed: Grüße ${tokens[0]}`], SYSLOG_ENV);
  await logger([...rfc5424, '--sd-id', 'a@1', '--sd-param', 'x="1"', '--sd-param', 'x="2"', '--sd-id', 'b@2', '--sd-param', 'y=""', '-t', 'multi', '-p', 'daemon.info', `two elements ${tokens[1]}`], SYSLOG_ENV);
  await logger([...rfc5424, '-t', 'plain', '--id=5', '-p', 'news.crit', `no structured data ${tokens[2]}`], SYSLOG_ENV);
  // An RFC 3164 message: rsyslog's template writes its MSG with the space that followed "TAG[PID]:".
  await logger(['-u', rsyslog.socket, '-t', 'old', '--id=6', '-p', 'lpr.alert', `from the old format ${tokens[3]}`], SYSLOG_ENV);
  const events = await waitForSyslog(t, oxd, tokens, () => rsyslog.stop());
  const until = Date.now();
  const expected = [
    { facility: 19, severity: 3, facility_name: 'local3', severity_name: 'err', hostname: os.hostname(), app_name: 'shop', procid: '77', msgid: 'ORD', structured_data: { 'order@32473': { id: '42', note: 'say "hi" ] back\\slash' } }, message: `order failed: Grüße ${tokens[0]}` },
    { facility: 3, severity: 6, facility_name: 'daemon', severity_name: 'info', hostname: os.hostname(), app_name: 'multi', procid: null, msgid: null, structured_data: { 'a@1': { x: ['1', '2'] }, 'b@2': { y: '' } }, message: `two elements ${tokens[1]}` },
    { facility: 7, severity: 2, facility_name: 'news', severity_name: 'crit', hostname: os.hostname(), app_name: 'plain', procid: '5', msgid: null, structured_data: null, message: `no structured data ${tokens[2]}` },
    { facility: 6, severity: 1, facility_name: 'lpr', severity_name: 'alert', hostname: RELAY, app_name: 'old', procid: '6', msgid: null, structured_data: null, message: ` from the old format ${tokens[3]}` },
  ];
  for (const [i, want] of expected.entries()) {
    const e = events[i];
    // rsyslog stamps what it reads from its local socket with the time it read it, to the microsecond, in its zone.
    t.regex(e.body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+05:30$/);
    t.true(Math.abs(Date.parse(e.body.timestamp) / 1000 - e.end) < 0.001, `${e.body.timestamp} is ${e.end}`);
    expectTime(t, e.end, from, until, 0.001);
    expectEnvelope(t, e, oxd, want.hostname);
    t.deepEqual(e.body, { ...want, timestamp: e.body.timestamp, format: 'rfc5424', peer: '127.0.0.1' }, want.message);
  }
  const status = (await oxd.control.request({ cmd: 'STATUS' })).syslog;
  t.like(status, { messages: 4, tcp_messages: 4, udp_messages: 0, tcp_accepted: 1, truncated: 0, formats: { rfc5424: 4 } });
});

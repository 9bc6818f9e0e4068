/**
 * Debian's rsyslog as the forwarder in front of oxd's syslog source, as the
 * Frozone document sets it up (`*.* @@loghost:5514`): util-linux logger
 * writes to rsyslog's local socket, rsyslog forwards to oxd, and every field
 * of every event in oxd's files is checked against what was sent.
 *
 * - the document's traditional forwarding over TCP (RSYSLOG_TraditionalForwardFormat,
 *   a line per message): `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG\n`, or for a
 *   message that came in as RFC 5424 `HOST APP[PROCID] MSG`, without the colon;
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
import { expectedBody, expectEnvelope, expectForwarded, expectTime, expectTraditional, localMessages, rfc5424Messages, sentTokens, SYSLOG_ENV, syslogOxd, waitForSyslog } from '../helpers/syslog-peers';

/** The name rsyslog gives the messages it reads from its local socket (they carry none). */
const RELAY = 'rsyslog-relay';

for (const transport of ['tcp', 'udp'] as const) {
  const rule = transport === 'tcp' ? '@@' : '@';
  test(`rsyslog's traditional forwarding over ${transport.toUpperCase()} (*.* ${rule}host:port): every message once, every field`, async (t) => {
    const { oxd, port } = await syslogOxd(t);
    const rsyslog = await startRsyslog(t, { hostname: RELAY, env: SYSLOG_ENV, rules: `*.* ${rule}127.0.0.1:${port}` });
    const tokens = sentTokens(9);
    const local = localMessages(tokens.slice(0, 6));
    const rfc5424 = rfc5424Messages(tokens.slice(6));
    const from = Date.now();
    for (const s of [...local, ...rfc5424]) await logger(['-u', rsyslog.socket, ...s.args, s.message], SYSLOG_ENV);
    const events = await waitForSyslog(t, oxd, tokens, () => rsyslog.stop());
    const until = Date.now();
    // Local messages carry no hostname: rsyslog writes its own. RFC 5424 ones keep logger's, and go
    // out as `HOST APP[PROCID] MSG` (no colon after the tag), without their msgid and structured data.
    expectTraditional(t, oxd, events, [...local.map((s) => [s, RELAY] as const), ...rfc5424.map((s) => [s, os.hostname()] as const)], from, until);
    await expectForwarded(t, oxd, transport, 9, 'rfc3164');
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
  const sent = rfc5424Messages(tokens);
  // An RFC 3164 message too: rsyslog's template writes its MSG with the space that followed "TAG[PID]:".
  const [old] = localMessages(tokens.slice(3));
  const from = Date.now();
  for (const s of [...sent, old]) await logger(['-u', rsyslog.socket, ...s.args, s.message], SYSLOG_ENV);
  const events = await waitForSyslog(t, oxd, tokens, () => rsyslog.stop());
  const until = Date.now();
  const expected = [
    // logger writes this machine's name into RFC 5424 messages; rsyslog keeps it.
    ...sent.map((s) => expectedBody(s, { hostname: os.hostname() })),
    expectedBody(old, { hostname: RELAY, message: ` ${old.message}` }),
  ];
  for (const [i, want] of expected.entries()) {
    const e = events[i];
    // rsyslog stamps what it reads from its local socket with the time it read it, to the microsecond, in its zone.
    t.regex(e.body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+05:30$/);
    t.true(Math.abs(Date.parse(e.body.timestamp) / 1000 - e.end) < 0.001, `${e.body.timestamp} is ${e.end}`);
    expectTime(t, e.end, from, until, 0.001);
    expectEnvelope(t, e, oxd, want.hostname as string);
    t.deepEqual(e.body, { ...want, timestamp: e.body.timestamp, format: 'rfc5424' }, want.message as string);
  }
  await expectForwarded(t, oxd, 'tcp', 4, 'rfc5424');
});

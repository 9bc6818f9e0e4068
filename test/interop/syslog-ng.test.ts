/**
 * Debian's syslog-ng (3.38, unpacked by make setup: it cannot be installed
 * beside rsyslog) as the forwarder in front of oxd's syslog port: util-linux
 * logger writes RFC 3164 and RFC 5424 messages to its local sockets, syslog-ng
 * forwards them, and every field of every event in oxd's files is checked.
 *
 * - network(... transport("tcp")), and "udp": the traditional format,
 *   `<PRI>Mmm dd hh:mm:ss HOST PROGRAM[PID]: MSG\n` (a datagram each over
 *   UDP), whatever format the message came in: msgid and structured data
 *   are not in it;
 * - syslog(... transport("tcp")): RFC 5424, octet-counted (the LF syslog-ng
 *   ends each message with inside the count), its own `[meta sequenceId="n"]`
 *   element after the message's structured data, seconds without fraction,
 *   one value per structured data parameter.
 *
 * As with rsyslog (syslog-rsyslog.test.ts), every process runs at +05:30 and
 * each message is found exactly once by its token.
 */
import * as os from 'node:os';
import test, { ExecutionContext } from 'ava';
import { logger } from '../helpers/logger';
import { startSyslogNg } from '../helpers/syslog-ng';
import { expectedBody, expectEnvelope, expectForwarded, expectTime, expectTraditional, localMessages, rfc5424Messages, Sent, sentTokens, SYSLOG_ENV, syslogOxd, waitForSyslog } from '../helpers/syslog-peers';

/** syslog-ng names messages from its local sockets after this machine, without the domain (use_fqdn(no)). */
const HOST = os.hostname().split('.')[0];

/**
 * oxd, and syslog-ng forwarding to it through `destination(port)`: six local
 * RFC 3164 messages and three RFC 5424 ones sent, each to its socket, and the
 * event of each once syslog-ng has stopped; `from` and `until` bracket it all.
 */
async function throughSyslogNg(t: ExecutionContext, destination: (port: string) => string) {
  const { oxd, port } = await syslogOxd(t);
  const ng = await startSyslogNg(t, { env: SYSLOG_ENV, destination: destination(port) });
  const tokens = sentTokens(9);
  const local = localMessages(tokens.slice(0, 6));
  const rfc5424 = rfc5424Messages(tokens.slice(6, 9));
  const from = Date.now();
  for (const s of local) await logger(['-u', ng.socket, ...s.args, s.message], SYSLOG_ENV);
  for (const s of rfc5424) await logger(['-u', ng.socket5424, ...s.args, s.message], SYSLOG_ENV);
  const events = await waitForSyslog(t, oxd, tokens, () => ng.stop());
  return { oxd, sent: [...local, ...rfc5424], events, from, until: Date.now() };
}

/**
 * syslog-ng keeps structured data as name-value pairs (.SDATA.id.name), one
 * value per name: of a repeated parameter, `[a@1 x="1" x="2"]`, it forwards
 * the last, `[a@1 x="2"]`.
 */
function lastValues(sd: Sent['structured_data']): Sent['structured_data'] {
  if (sd === null) return null;
  return Object.fromEntries(Object.entries(sd).map(([id, params]) => [id, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[v.length - 1] : v]))]));
}

for (const transport of ['tcp', 'udp'] as const) {
  test(`syslog-ng network(transport("${transport}")), the traditional format: every message once, every field`, async (t) => {
    const { oxd, sent, events, from, until } = await throughSyslogNg(t, (port) => `network("127.0.0.1" port(${port}) transport("${transport}"))`);
    // Whole seconds even for the messages that came with microseconds.
    expectTraditional(t, oxd, events, sent.map((s) => [s, HOST] as const), from, until);
    await expectForwarded(t, oxd, transport, 9, 'rfc3164');
  });
}

test('syslog-ng syslog(transport("tcp")), RFC 5424 octet-counted: structured data and msgid pass through, with its sequence ids', async (t) => {
  const { oxd, sent, events, from, until } = await throughSyslogNg(t, (port) => `syslog("127.0.0.1" port(${port}) transport("tcp"))`);
  const sequence: string[] = [];
  for (const [i, s] of sent.entries()) {
    const e = events[i];
    t.regex(e.body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);
    t.is(Date.parse(e.body.timestamp) / 1000, e.end, e.body.timestamp);
    expectTime(t, e.end, from, until, 1);
    expectEnvelope(t, e, oxd, HOST);
    const meta = e.body.structured_data?.meta;
    sequence.push(meta?.sequenceId);
    const want = expectedBody(s, { timestamp: e.body.timestamp, hostname: HOST, structured_data: { ...lastValues(s.structured_data), meta }, format: 'rfc5424' });
    t.deepEqual(e.body, want, s.message);
  }
  // One sequence id per message this destination sent, counted from 1 (its two sources may interleave).
  t.deepEqual(sequence.map(Number).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.true(sequence.every((id) => /^[1-9]$/.test(id)));
  await expectForwarded(t, oxd, 'tcp', 9, 'rfc5424');
});

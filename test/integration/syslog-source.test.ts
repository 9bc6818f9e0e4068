/**
 * oxd's syslog source with util-linux `logger` as the sender: TCP and UDP on
 * one port, RFC 5424 with structured data, RFC 3164, octet counting; every
 * message one `syslog` event in the files with its fields.
 */
import * as net from 'node:net';
import test from 'ava';
import { runCommand } from '../helpers/command';
import { eventsOfType } from '../helpers/oxd-events';
import { startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';

async function syslogOxd(t: any, extra: string[] = []) {
  const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0', ...extra] });
  t.teardown(() => oxd.stop());
  const port = (await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1];
  return { oxd, port };
}

test('logger over TCP and UDP, RFC 5424 with structured data, RFC 3164, octet counting: every field in the files', async (t) => {
  const { oxd, port } = await syslogOxd(t);
  const logger = (args: string[]) => runCommand('logger', ['-n', '127.0.0.1', '-P', port, ...args]);
  const runs = await Promise.all([
    logger(['--tcp', '--rfc5424', '--sd-id', 'order@32473', '--sd-param', 'id="42"', '--sd-param', 'note="say \\"hi\\""', '--msgid', 'ORD', '-t', 'shop', '-p', 'local3.warning', 'order placed']),
    logger(['--udp', '--rfc3164', '-t', 'cron', '-p', 'cron.info', 'job done']),
    logger(['--tcp', '--octet-count', '--rfc5424', '-t', 'app', 'counted message']),
  ]);
  for (const r of runs) t.is(r.code, 0, r.stderr);
  await oxd.waitForStatus((s) => s.events.syslog?.written === 3);
  const events = eventsOfType(oxd, 'syslog');
  const by = (app: string) => events.find((e) => e.body.app_name === app);
  t.like(by('shop')?.body, {
    format: 'rfc5424',
    facility: 19,
    severity: 4,
    facility_name: 'local3',
    severity_name: 'warning',
    msgid: 'ORD',
    structured_data: { 'order@32473': { id: '42', note: 'say "hi"' } },
    message: 'order placed',
    peer: '127.0.0.1',
  });
  t.like(by('cron')?.body, { format: 'rfc3164', facility: 9, severity: 6, facility_name: 'cron', message: 'job done' });
  t.like(by('app')?.body, { format: 'rfc5424', message: 'counted message' });
  const shop = by('shop');
  t.is(shop.host, shop.body.hostname, 'the event host is the message hostname');
  t.true(Math.abs(shop.end - Date.now() / 1000) < 600, 'the end time is the message time');
  const s = await oxd.control.request({ cmd: 'STATUS' });
  t.like(s.syslog, { messages: 3, udp_messages: 1, tcp_messages: 2, truncated: 0, formats: { rfc5424: 2, rfc3164: 1 } });
});

test('what fits no format is kept whole; a message over the limit is cut, flagged, and the connection goes on', async (t) => {
  const { oxd, port } = await syslogOxd(t, ['--syslog-max-message', '480']);
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1', () => s.end(`not syslog at all\n<13>${'x'.repeat(2000)}\n<13>Dec  4 16:02:44 host app[7]: after the long one\n`));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
  await oxd.waitForStatus((s) => s.events.syslog?.written === 3);
  const events = eventsOfType(oxd, 'syslog');
  t.like(events[0].body, { format: 'unparsed', raw: 'not syslog at all', message: 'not syslog at all' });
  t.is(events[0].host, '127.0.0.1');
  t.like(events[1].body, { truncated: true });
  t.is(events[1].body.message.length, 480 - 4);
  t.like(events[2].body, { format: 'rfc3164', hostname: 'host', app_name: 'app', procid: '7', message: 'after the long one' });
  const s = await oxd.control.request({ cmd: 'STATUS' });
  t.is(s.syslog.truncated, 1);
  t.is(s.syslog.tcp_accepted, 1);
  const r = await runTool('oxctl', ['-H', oxd.controlAddr]);
  t.regex(r.stdout, new RegExp(`Syslog: 127\\.0\\.0\\.1:${port}, 3 messages \\(TCP 3, UDP 0; unparsed 1, rfc3164 2\\), 1 truncated; 0 connections \\(1 accepted, 0 refused\\)`));
});

test('on a dual-stack address ([::]) an IPv4 sender is stored as its IPv4 address, TCP and UDP', async (t) => {
  const oxd = await startOxd({ args: ['--syslog', '[::]:0'] });
  t.teardown(() => oxd.stop());
  const port = (await oxd.waitForStderr(/ syslog=\[?::\]?:(\d+)/))[1];
  for (const transport of ['--tcp', '--udp']) {
    const r = await runCommand('logger', ['-n', '127.0.0.1', '-P', port, transport, '--rfc3164', '-t', 'dual', `over ${transport}`]);
    t.is(r.code, 0, r.stderr);
  }
  await oxd.waitForStatus((s) => s.events.syslog?.written === 2);
  const events = eventsOfType(oxd, 'syslog');
  t.deepEqual(events.map((e) => e.body.peer), ['127.0.0.1', '127.0.0.1']);
});

/**
 * Bad input on oxd's syslog port, with a real oxd: a TLS client on the plain
 * port, an endless line, connections that send part of a message and go
 * silent or reset, and more connections than syslog_max_connections. oxd
 * stays up, keeps every other sender's messages, stores what arrived of the
 * unfinished ones, and counts each case by reason in STATUS.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import test from 'ava';
import { runCommand } from '../helpers/command';
import { eventsOfType } from '../helpers/oxd-events';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { closed, connectTcp, write } from '../helpers/syslog-senders';
import { runTool } from '../helpers/tool';

async function syslogOxd(t: any, extra: string[] = []): Promise<{ oxd: Oxd; port: number }> {
  const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0', ...extra] });
  t.teardown(() => oxd.stop());
  const port = Number((await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1]);
  return { oxd, port };
}

/** A plain TCP connection to the syslog port, open; destroyed at the end of the test whatever happens. */
async function connect(t: any, port: number): Promise<net.Socket> {
  const s = await connectTcp(port);
  t.teardown(() => s.destroy());
  return s;
}

const written = (oxd: Oxd, n: number) => oxd.waitForStatus((s) => s.events.syslog?.written === n);

test('a TLS client on the plain port is closed and counted, with a warning naming syslog_tls; plain senders go on', async (t) => {
  const { oxd, port } = await syslogOxd(t);
  const client = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, servername: 'localhost' });
  t.teardown(() => client.destroy());
  let error: Error | null = null;
  client.on('error', (err) => (error = err));
  let secure = false;
  client.on('secureConnect', () => (secure = true));
  await closed(client);
  t.false(secure, 'no handshake completed');
  t.truthy(error, 'the TLS client sees the connection go');
  const s = await oxd.waitForStatus((st) => st.syslog.problems.tls_on_plain === 1);
  t.like(s.syslog, { messages: 0, tcp_connections: 0, tcp_accepted: 1 });
  await oxd.waitForStderr(/TLS handshake on the plain TCP port \d+; closed\. This port takes syslog as plain text: TLS senders go to the port of the syslog_tls setting/);

  const plain = await connect(t, port);
  plain.end('<13>Dec  4 16:02:44 host app: plain after TLS\n');
  await written(oxd, 1);
  t.like(eventsOfType(oxd, 'syslog')[0].body, { format: 'rfc3164', message: 'plain after TLS' });
  const r = await runTool('oxctl', ['-H', oxd.controlAddr]);
  t.regex(r.stdout, /\nSyslog problems: tls_on_plain 1\n/);
});

test('an endless line is cut once per line at syslog_max_message; the connection goes on and the next message is whole', async (t) => {
  const { oxd, port } = await syslogOxd(t);
  const s = await connect(t, port);
  let closedByOxd = false;
  s.on('close', () => (closedByOxd = true));
  const mib = Buffer.alloc(1024 * 1024, 0x78);
  await write(s, '<13>Dec  4 16:02:44 host endless: ');
  for (let i = 0; i < 6; i++) await write(s, mib);
  await write(s, '\n<13>Dec  4 16:02:44 host app[9]: after the endless line\n');
  for (let i = 0; i < 3; i++) await write(s, mib);
  await write(s, '\n<13>Dec  4 16:02:44 host app[9]: after the second one\n');
  const st = await oxd.waitForStatus((x) => x.syslog.messages === 4);
  t.like(st.syslog, { truncated: 2, tcp_connections: 1, problems: { truncated: 2, unparsed: 1, incomplete: 0 } });
  t.false(closedByOxd, 'the connection is still open');
  await written(oxd, 4);
  const events = eventsOfType(oxd, 'syslog');
  t.like(events[0].body, { format: 'rfc3164', app_name: 'endless', truncated: true });
  t.is(Buffer.byteLength(events[0].body.message), 65536 - '<13>Dec  4 16:02:44 host endless: '.length);
  t.like(events[1].body, { app_name: 'app', procid: '9', message: 'after the endless line' });
  t.is(events[1].body.truncated, undefined);
  t.like(events[2].body, { format: 'unparsed', truncated: true });
  t.is(events[2].body.raw, 'x'.repeat(65536));
  t.like(events[3].body, { message: 'after the second one' });
});

test('partial messages on silent connections stop no one; a reset keeps what arrived; oxd stopping stores the rest, flagged', async (t) => {
  const { oxd, port } = await syslogOxd(t);
  const silent = await Promise.all([connect(t, port), connect(t, port), connect(t, port)]);
  await write(silent[0], '200 <13>1 2026-12-04T16:02:44Z host counted - - - half of a counted');
  await write(silent[1], '<13>Dec  4 16:02:44 host app: a line without its end');
  await write(silent[2], Buffer.from([0x16])); // one byte that could begin a TLS handshake
  const partials = 63 + 52 + 1;
  await oxd.waitForStatus((s) => s.syslog.tcp_connections === 3 && s.syslog.tcp_held_bytes === partials);

  // TCP keepalive on oxd's side of each connection closes them should the peer vanish.
  const ss = await runCommand('ss', ['-tnoH', 'state', 'established', `( sport = :${port} )`]);
  t.is(ss.code, 0, ss.stderr);
  t.is(ss.stdout.trim().split('\n').filter((l) => /timer:\(keepalive,/.test(l)).length, 3, ss.stdout);

  // Others are served meanwhile, on TCP and UDP.
  const busy = await connect(t, port);
  for (let i = 0; i < 100; i++) await write(busy, `<13>Dec  4 16:02:44 host busy: message ${i}\n`);
  busy.end();
  const udp = await import('node:dgram').then((d) => d.createSocket('udp4'));
  t.teardown(() => udp.close());
  await new Promise<void>((resolve, reject) => udp.send('<13>Dec  4 16:02:44 host udp: over UDP', port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  await written(oxd, 101);

  // A reset inside a message: what arrived is an event, flagged incomplete. (A reset that comes
  // with the last bytes looks like a clean close to oxd, so the bytes are seen held first.)
  const reset = await connect(t, port);
  const cut = '<13>Dec  4 16:02:44 host app: cut by a reset';
  await write(reset, cut);
  await oxd.waitForStatus((s) => s.syslog.tcp_connections === 4 && s.syslog.tcp_held_bytes === partials + cut.length);
  reset.resetAndDestroy();
  const st = await oxd.waitForStatus((s) => s.syslog.messages === 102);
  t.like(st.syslog, { tcp_connections: 3, problems: { reset: 1, incomplete: 1 } });
  await written(oxd, 102);
  t.like(eventsOfType(oxd, 'syslog')[101].body, { message: 'cut by a reset', incomplete: true });

  const exit = await oxd.stop();
  t.is(exit.code, 0, exit.stderr);
  t.regex(exit.stderr, /stopped received=105 written=105 /);
  const last = eventsOfType(oxd, 'syslog').slice(102);
  const by = (pred: (b: any) => boolean) => last.find((e) => pred(e.body))?.body;
  t.like(by((b) => b.app_name === 'counted'), { format: 'rfc5424', message: 'half of a counted', incomplete: true });
  t.like(by((b) => b.message === 'a line without its end'), { format: 'rfc3164', incomplete: true });
  t.like(by((b) => b.format === 'unparsed'), { raw: '\u0016', incomplete: true });
});

test('a connection flood beyond syslog_max_connections is refused and counted; the first ones go on; closing some makes room', async (t) => {
  const cap = 8;
  const { oxd, port } = await syslogOxd(t, ['--syslog-max-connections', String(cap)]);
  const first = [];
  for (let i = 0; i < cap; i++) first.push(await connect(t, port));
  await oxd.waitForStatus((s) => s.syslog.tcp_connections === cap);

  const extra = 40;
  const flood = await Promise.all(Array.from({ length: extra }, () => connect(t, port)));
  await Promise.all(flood.map(closed));
  const st = await oxd.waitForStatus((s) => s.syslog.tcp_refused === extra);
  t.like(st.syslog, { tcp_accepted: cap, tcp_connections: cap, problems: { refused: extra } });
  await oxd.waitForStderr(/syslog: refused a TCP connection: 8 are open \(syslog_max_connections\)/);

  await Promise.all(first.map((s, i) => write(s, `<13>Dec  4 16:02:44 host first: still here ${i}\n`)));
  await written(oxd, cap);
  t.deepEqual(eventsOfType(oxd, 'syslog').map((e) => e.body.message).sort(), first.map((_, i) => `still here ${i}`).sort());

  for (const s of first.slice(0, 3)) s.end();
  await oxd.waitForStatus((s) => s.syslog.tcp_connections === cap - 3);
  const later = await Promise.all([0, 1, 2].map(() => connect(t, port)));
  await Promise.all(later.map((s, i) => write(s, `<13>Dec  4 16:02:44 host later: accepted ${i}\n`)));
  const end = await written(oxd, cap + 3);
  t.like(end.syslog, { tcp_accepted: cap + 3, tcp_refused: extra, tcp_connections: cap });
  t.deepEqual(eventsOfType(oxd, 'syslog').slice(cap).map((e) => e.body.message).sort(), ['accepted 0', 'accepted 1', 'accepted 2']);
});

test('counts too long to be counts, absurd counts, and digits alone are all messages, counted by what they were', async (t) => {
  const { oxd, port } = await syslogOxd(t, ['--syslog-max-message', '480']);
  const s = await connect(t, port);
  await write(s, '99999999999 <13>Dec  4 16:02:44 host app: eleven digits\n');
  await write(s, '999999999 ');
  await write(s, Buffer.alloc(2000, 0x61));
  s.end();
  await closed(s);
  const st = await oxd.waitForStatus((x) => x.syslog.messages === 2);
  t.like(st.syslog.problems, { bad_octet_count: 1, truncated: 1, incomplete: 0, unparsed: 2 });
  await written(oxd, 2);
  const [eleven, absurd] = eventsOfType(oxd, 'syslog');
  t.like(eleven.body, { format: 'unparsed', raw: '99999999999 <13>Dec  4 16:02:44 host app: eleven digits' });
  t.like(absurd.body, { format: 'unparsed', truncated: true, raw: 'a'.repeat(480) });
});

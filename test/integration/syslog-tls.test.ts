/**
 * Syslog over TLS (RFC 5425) into oxd, with certificates made by openssl for
 * the test: frames over TLS become events like plain ones; client
 * certificates are asked for or required as configured, and every failed
 * handshake is counted by reason; unusable files stop --check-config naming
 * the key; SIGHUP reads renewed files without a restart.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import test from 'ava';
import { runCommand } from '../helpers/command';
import { runTool } from '../helpers/tool';
import { eventsOfType } from '../helpers/oxd-events';
import { OXD_BUNDLE, startOxd } from '../helpers/oxd-process';
import { makeTlsFiles, TlsFiles } from '../helpers/syslog-tls';

async function pki(t: any): Promise<TlsFiles> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-tls-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return makeTlsFiles(dir);
}

async function tlsOxd(t: any, p: TlsFiles, clientCert: string, extra: string[] = []) {
  const args = ['--syslog-tls', '127.0.0.1:0', '--syslog-tls-cert', p.serverCert, '--syslog-tls-key', p.serverKey, '--syslog-tls-client-cert', clientCert];
  if (clientCert !== 'none') args.push('--syslog-tls-ca', p.ca);
  const oxd = await startOxd({ args: [...args, ...extra] });
  t.teardown(() => oxd.stop());
  const port = Number((await oxd.waitForStderr(/ syslog-tls=127\.0\.0\.1:(\d+)/))[1]);
  return { oxd, port };
}

/** Connects, sends `data` once the handshake is done, ends; resolves with the server's certificate fingerprint (or the error). */
function sendOverTls(port: number, options: tls.ConnectionOptions, data: string): Promise<{ fingerprint?: string; error?: Error }> {
  return new Promise((resolve) => {
    let fingerprint: string | undefined;
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options }, () => {
      fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end(data);
    });
    socket.on('error', (error) => resolve({ fingerprint, error }));
    socket.on('close', () => resolve({ fingerprint }));
    socket.resume();
  });
}

const octets = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

test('frames over TLS, octet-counted and LF-ended, become syslog events with every field', async (t) => {
  const p = await pki(t);
  const { oxd, port } = await tlsOxd(t, p, 'none');
  const a = '<165>1 2026-12-04T16:02:44.120Z web1 shop 4242 ORD [order@32473 id="42"] order placed';
  const b = '<13>Dec  4 16:02:45 web2 cron[7]: job done';
  const r = await sendOverTls(port, { ca: fs.readFileSync(p.ca) }, `${octets(a)}${b}\n`);
  t.is(r.error, undefined);
  await oxd.waitForStatus((s) => s.events.syslog?.written === 2);
  const [first, second] = eventsOfType(oxd, 'syslog');
  t.like(first.body, { format: 'rfc5424', facility: 20, severity: 5, hostname: 'web1', app_name: 'shop', procid: '4242', msgid: 'ORD', message: 'order placed', peer: '127.0.0.1' });
  t.deepEqual(first.body.structured_data, { 'order@32473': { id: '42' } });
  t.is(first.end, Date.parse('2026-12-04T16:02:44.120Z') / 1000);
  t.like(second.body, { format: 'rfc3164', hostname: 'web2', app_name: 'cron', procid: '7', message: 'job done' });
  const s = await oxd.control.request({ cmd: 'STATUS' });
  t.like(s.syslog.tls, { accepted: 1, client_cert: 'none', handshake_failed: {} });
  t.is(s.syslog.messages, 2);
});

test('syslog_tls_client_cert = require: no certificate and a stranger\'s are refused and counted, the CA\'s client gets through', async (t) => {
  const p = await pki(t);
  const { oxd, port } = await tlsOxd(t, p, 'require');
  const ca = fs.readFileSync(p.ca);
  await sendOverTls(port, { ca }, octets('<13>1 - - - - - - without a certificate'));
  await oxd.waitForStatus((s) => s.syslog.tls.handshake_failed.no_client_cert === 1);
  await sendOverTls(port, { ca, cert: fs.readFileSync(p.strangerCert), key: fs.readFileSync(p.strangerKey) }, octets('<13>1 - - - - - - stranger'));
  await oxd.waitForStatus((s) => s.syslog.tls.handshake_failed.bad_client_cert === 1);
  const good = await sendOverTls(port, { ca, cert: fs.readFileSync(p.clientCert), key: fs.readFileSync(p.clientKey) }, octets('<13>1 - - - - - - trusted'));
  t.is(good.error, undefined);
  const s = await oxd.waitForStatus((st) => st.events.syslog?.written === 1);
  t.deepEqual(eventsOfType(oxd, 'syslog').map((e) => e.body.message), ['trusted']);
  t.like(s.syslog.tls, { accepted: 1, client_cert_verified: 1, client_cert: 'require', handshake_failed: { no_client_cert: 1, bad_client_cert: 1 } });
  const shown = await runTool('oxctl', ['-H', oxd.controlAddr]);
  t.regex(shown.stdout, /^Syslog: no plain port, 1 messages /m);
  t.regex(shown.stdout, new RegExp(`^Syslog TLS: 127\\.0\\.0\\.1:${port}, 1 accepted \\(1 with a verified client certificate; client certificates: require\\), handshakes failed: no_client_cert 1, bad_client_cert 1$`, 'm'));
});

test('plain text on the TLS port is a failed handshake, counted as not_tls; oxd goes on', async (t) => {
  const p = await pki(t);
  const { oxd, port } = await tlsOxd(t, p, 'none');
  await new Promise<void>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('<13>Dec  4 16:02:44 host app: plain text on the TLS port\n'));
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.resume();
  });
  await oxd.waitForStatus((s) => s.syslog.tls.handshake_failed.not_tls === 1);
  const r = await sendOverTls(port, { ca: fs.readFileSync(p.ca) }, octets('<13>1 - - - - - - after the plain one'));
  t.is(r.error, undefined);
  await oxd.waitForStatus((s) => s.events.syslog?.written === 1);
  t.is(eventsOfType(oxd, 'syslog')[0].body.message, 'after the plain one');
});

test('SIGHUP reads renewed certificate files at the same paths; new handshakes get the new certificate', async (t) => {
  const p = await pki(t);
  const renewed = await pki(t);
  const { oxd, port } = await tlsOxd(t, p, 'none');
  const before = await sendOverTls(port, { ca: fs.readFileSync(p.ca) }, octets('<13>1 - - - - - - before'));
  t.truthy(before.fingerprint);
  fs.copyFileSync(renewed.serverCert, p.serverCert);
  fs.copyFileSync(renewed.serverKey, p.serverKey);
  process.kill(oxd.pid, 'SIGHUP');
  await oxd.waitForStatus((s) => s.syslog.tls.reloads === 1);
  const after = await sendOverTls(port, { ca: fs.readFileSync(renewed.ca) }, octets('<13>1 - - - - - - after'));
  t.is(after.error, undefined);
  t.not(after.fingerprint, before.fingerprint);
  await oxd.waitForStatus((s) => s.events.syslog?.written === 2);
});

test('--check-config refuses TLS files oxd could not use, naming the key and what to do', async (t) => {
  const p = await pki(t);
  const check = (args: string[]) => runCommand(process.execPath, [OXD_BUNDLE, '--check-config', '--syslog-tls', '127.0.0.1:6514', ...args]);
  const mismatched = await check(['--syslog-tls-cert', p.serverCert, '--syslog-tls-key', p.clientKey]);
  t.is(mismatched.code, 1);
  t.regex(mismatched.stderr, /ESYSLOG_TLS|syslog_tls_cert .*syslog_tls_key .*is the key the certificate's/);
  const missing = await check(['--syslog-tls-cert', p.serverCert, '--syslog-tls-key', `${p.dir}/nothing.key`]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /syslog_tls_key .*nothing\.key: ENOENT/);
  const noCa = await check(['--syslog-tls-cert', p.serverCert, '--syslog-tls-key', p.serverKey, '--syslog-tls-client-cert', 'require']);
  t.is(noCa.code, 1);
  t.regex(noCa.stderr, /syslog_tls_client_cert = "require" needs syslog_tls_ca/);
  const noCert = await check([]);
  t.is(noCert.code, 1);
  t.regex(noCert.stderr, /syslog_tls is set but syslog_tls_cert or syslog_tls_key is empty/);
  const ok = await check(['--syslog-tls-cert', p.serverCert, '--syslog-tls-key', p.serverKey]);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /^syslog_tls = "127\.0\.0\.1:6514"$/m);
  const badMode = await check(['--syslog-tls-client-cert', 'maybe']);
  t.is(badMode.code, 2);
  t.regex(badMode.stderr, /none, request, require/);
});

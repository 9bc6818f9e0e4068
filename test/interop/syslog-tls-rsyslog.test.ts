/**
 * The rsyslog side of syslog over TLS (test/helpers/syslog-tls.ts), checked
 * against `openssl s_server` standing in for a TLS syslog port that asks for
 * a client certificate: with the certificates makeTlsFiles makes, rsyslog
 * (rsyslog-gnutls) connects in each authentication mode, presents its
 * client certificate, and delivers an RFC 5424 message octet-counted inside
 * TLS; under x509/name, with a name the server's certificate does not
 * carry, it refuses to send.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import test, { ExecutionContext } from 'ava';
import { logger } from '../helpers/logger';
import { Output } from '../helpers/output';
import { waitUntil } from '../helpers/proc';
import { startRsyslog } from '../helpers/rsyslog';
import { makeTlsFiles, rsyslogTls, TlsFiles } from '../helpers/syslog-tls';
import { sentTokens } from '../helpers/syslog-peers';

async function tlsFiles(t: ExecutionContext): Promise<TlsFiles> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-tls-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return makeTlsFiles(dir);
}

/**
 * openssl s_server on a port of its own choosing, asking for a client
 * certificate signed by the CA; what it decrypts, and its own reports, in `output`.
 */
async function tlsServer(t: ExecutionContext, files: TlsFiles): Promise<{ port: string; output: Output }> {
  const args = ['s_server', '-accept', '127.0.0.1:0', '-cert', files.serverCert, '-key', files.serverKey, '-CAfile', files.ca, '-Verify', '1', '-verify_return_error'];
  // stdin stays open: s_server ends a session when its stdin does.
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const merged = new PassThrough();
  child.stdout!.pipe(merged, { end: false });
  child.stderr!.pipe(merged, { end: false });
  child.once('close', () => merged.end());
  const output = new Output(merged, 'openssl s_server');
  const port = (await output.waitFor(/^ACCEPT 127\.0\.0\.1:(\d+)$/m))[1];
  return { port, output };
}

for (const authMode of ['x509/name', 'x509/certvalid', 'anon'] as const) {
  test(`rsyslog over TLS, ${authMode}: presents its certificate, sends RFC 5424 octet-counted`, async (t) => {
    const files = await tlsFiles(t);
    const server = await tlsServer(t, files);
    const rsyslog = await startRsyslog(t, { hostname: 'rsyslog-relay', ...rsyslogTls(files, { port: server.port, authMode }) });
    const [token] = sentTokens(1);
    await logger(['-u', rsyslog.socket, '-t', 'shop', '--id=42', '-p', 'local3.warning', `over TLS ${token}`]);
    const got = await server.output.waitFor(new RegExp(`^(\\d+) (<156>1 \\S+ rsyslog-relay shop 42 - -  over TLS ${token}\\n)`, 'm'));
    t.is(Number(got[1]), Buffer.byteLength(got[2]), 'the octet count is the length of the message, its LF included');
    // s_server reports the certificate the client presented.
    t.regex(server.output.text, /subject=CN ?= ?rsyslog-client/);
  });
}

test('rsyslog over TLS, x509/name: a server whose certificate does not carry a permitted name gets nothing', async (t) => {
  const files = await tlsFiles(t);
  const server = await tlsServer(t, files);
  const tls = rsyslogTls(files, { port: server.port, permittedPeers: ['loghost.example'] });
  const rsyslog = await startRsyslog(t, { ...tls });
  const [token] = sentTokens(1);
  await logger(['-u', rsyslog.socket, '-t', 'shop', `must not leave ${token}`]);
  await waitUntil(() => /peer name not authorized/.test(rsyslog.internalLog()), 'rsyslog refuses the server', 20_000);
  t.regex(rsyslog.internalLog(), /not permitted to talk to it\. Names: DNSname: localhost; CN: localhost;/);
  await rsyslog.stop();
  t.false(server.output.text.includes(token), server.output.text);
});

/**
 * Debian's rsyslog (rsyslog-gnutls, the gtls stream driver) forwarding over
 * TLS (RFC 5425) to oxd's syslog_tls port, with certificates made by openssl
 * for the test: in each of rsyslog's authentication modes every message
 * arrives once with every field; oxd requiring client certificates takes
 * rsyslog's and counts it verified; rsyslog without a certificate is refused
 * and counted; under x509/name, rsyslog sends nothing to a server whose
 * certificate lacks the permitted name.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test, { ExecutionContext } from 'ava';
import { logger } from '../helpers/logger';
import { eventsOfType } from '../helpers/oxd-events';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { startRsyslog } from '../helpers/rsyslog';
import { expectedBody, expectEnvelope, rfc5424Messages, sentTokens, SYSLOG_ENV, waitForSyslog } from '../helpers/syslog-peers';
import { makeTlsFiles, rsyslogTls, TlsFiles } from '../helpers/syslog-tls';

async function tlsFiles(t: ExecutionContext): Promise<TlsFiles> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-tls-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return makeTlsFiles(dir);
}

/** oxd with only a TLS syslog port, asking of clients what `clientCert` says. */
async function tlsOxd(t: ExecutionContext, files: TlsFiles, clientCert: 'none' | 'require'): Promise<{ oxd: Oxd; port: string }> {
  const oxd = await startOxd({
    args: ['--syslog-tls', '127.0.0.1:0', '--syslog-tls-cert', files.serverCert, '--syslog-tls-key', files.serverKey, '--syslog-tls-ca', files.ca, '--syslog-tls-client-cert', clientCert],
    env: SYSLOG_ENV,
  });
  t.teardown(async () => {
    await oxd.stop();
  });
  const port = (await oxd.waitForStderr(/ syslog-tls=127\.0\.0\.1:(\d+)/))[1];
  return { oxd, port };
}

for (const [authMode, clientCert] of [['x509/name', 'require'], ['x509/certvalid', 'require'], ['anon', 'none']] as const) {
  test(`rsyslog over TLS (${authMode}) to oxd (syslog_tls_client_cert = ${clientCert}): every message once, every field`, async (t) => {
    const files = await tlsFiles(t);
    const { oxd, port } = await tlsOxd(t, files, clientCert);
    const rsyslog = await startRsyslog(t, { hostname: 'rsyslog-relay', env: SYSLOG_ENV, ...rsyslogTls(files, { port, authMode }) });
    const tokens = sentTokens(3);
    const sent = rfc5424Messages(tokens);
    for (const s of sent) await logger(['-u', rsyslog.socket, ...s.args, s.message], SYSLOG_ENV);
    const events = await waitForSyslog(t, oxd, tokens, () => rsyslog.stop());
    for (const [i, s] of sent.entries()) {
      const e = events[i];
      const want = expectedBody(s, { hostname: os.hostname() });
      expectEnvelope(t, e, oxd, want.hostname as string);
      t.deepEqual(e.body, { ...want, timestamp: e.body.timestamp, format: 'rfc5424' }, s.message);
      t.true(Math.abs(Date.parse(e.body.timestamp) / 1000 - e.end) < 0.001, `${e.body.timestamp} is ${e.end}`);
    }
    const status = (await oxd.control.request({ cmd: 'STATUS' })).syslog;
    t.like(status, { messages: 3, tcp_messages: 3, udp_messages: 0, formats: { rfc5424: 3 } });
    t.like(status.tls, { accepted: 1, client_cert: clientCert, client_cert_verified: clientCert === 'require' ? 1 : 0, handshake_failed: {} });
    t.is(rsyslog.internalLog().match(/error|suspended/gi), null, rsyslog.internalLog());
  });
}

test('oxd requiring client certificates refuses rsyslog without one, counts it, and stores nothing from it', async (t) => {
  const files = await tlsFiles(t);
  const { oxd, port } = await tlsOxd(t, files, 'require');
  const rsyslog = await startRsyslog(t, { env: SYSLOG_ENV, ...rsyslogTls(files, { port, clientCertificate: false }) });
  const [token] = sentTokens(1);
  await logger(['-u', rsyslog.socket, '-t', 'shop', `must not be stored ${token}`], SYSLOG_ENV);
  await oxd.waitForStatus((s) => s.syslog.tls.handshake_failed.no_client_cert >= 1);
  await rsyslog.stop();
  const s = await oxd.waitForStatus((st) => st.syslog.tcp_connections === 0);
  t.like(s.syslog, { messages: 0, tls: { accepted: 0 } });
  t.deepEqual(eventsOfType(oxd, 'syslog'), []);
});

test('rsyslog under x509/name sends nothing to an oxd whose certificate lacks the permitted name', async (t) => {
  const files = await tlsFiles(t);
  const { oxd, port } = await tlsOxd(t, files, 'none');
  const rsyslog = await startRsyslog(t, { env: SYSLOG_ENV, ...rsyslogTls(files, { port, permittedPeers: ['loghost.example'] }) });
  const [token] = sentTokens(1);
  await logger(['-u', rsyslog.socket, '-t', 'shop', `must not leave ${token}`], SYSLOG_ENV);
  await waitUntil(() => /peer name not authorized/.test(rsyslog.internalLog()), 'rsyslog refuses oxd', 20_000);
  t.regex(rsyslog.internalLog(), /not permitted to talk to it\. Names: DNSname: localhost; CN: localhost;/);
  await rsyslog.stop();
  const s = await oxd.waitForStatus((st) => st.syslog.tcp_connections === 0);
  t.is(s.syslog.messages, 0);
  t.deepEqual(eventsOfType(oxd, 'syslog'), []);
});

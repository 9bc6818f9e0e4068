/**
 * oxpoke's HTTP probe over TLS, against node https servers the test starts
 * with certificates made by openssl (test/helpers/probe-certs.ts): one from
 * a CA, one expiring in 2 days, a self-signed one, and a server that
 * requires a client certificate.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HttpRequest, TlsOptions } from '../../src/poke/check';
import { probeHttp } from '../../src/poke/http-probe';
import { probeCertsForFile } from '../helpers/probe-certs';
import { answer, failure } from '../helpers/probe-checks';
import { startHttps } from '../helpers/probe-servers';

const LIMITS = { timeoutMs: 10_000, maxBodyBytes: 1 << 20 };
const NO_TLS: TlsOptions = { verify: true, ca: null, cert: null, key: null };
const DAY_MS = 86_400_000;

const certs = probeCertsForFile();

const pem = (file: string) => fs.readFileSync(file);

function get(url: string, tls: TlsOptions = NO_TLS): HttpRequest {
  return { kind: 'http', method: 'GET', url, headers: [], body: null, redirects: 0, tls };
}

test('https: a certificate from the given CA, its expiry and subject', async (t) => {
  const port = await startHttps(t, { cert: pem(certs.serverCert), key: pem(certs.serverKey) });
  const r = answer(t, await probeHttp(get(`https://localhost:${port}/`, { ...NO_TLS, ca: certs.ca }), LIMITS));
  t.is(r.status, 200);
  t.not(r.cert, null);
  t.is(r.cert!.subject, 'CN=localhost');
  t.true(r.cert!.daysLeft > 29.9 && r.cert!.daysLeft <= 30, String(r.cert!.daysLeft));
  t.true(Math.abs(r.cert!.validTo - (Date.now() + 30 * DAY_MS)) < DAY_MS / 10);
  t.true(r.timings.dnsMs > 0 && r.timings.tlsMs > r.timings.connectMs, JSON.stringify(r.timings));
});

test('https: a certificate expiring in 2 days has 2 days left', async (t) => {
  const port = await startHttps(t, { cert: pem(certs.nearCert), key: pem(certs.nearKey) });
  const r = answer(t, await probeHttp(get(`https://127.0.0.1:${port}/`, { ...NO_TLS, ca: certs.ca }), LIMITS));
  t.true(r.cert!.daysLeft > 1.9 && r.cert!.daysLeft <= 2, String(r.cert!.daysLeft));
});

test('tls: a self-signed certificate is refused when verifying', async (t) => {
  const port = await startHttps(t, { cert: pem(certs.selfSignedCert), key: pem(certs.selfSignedKey) });
  const f = failure(t, await probeHttp(get(`https://127.0.0.1:${port}/`, { ...NO_TLS, ca: certs.ca }), LIMITS), 'tls');
  t.regex(f.message, new RegExp(`^the certificate of 127\\.0\\.0\\.1:${port} is not trusted: .*\\(DEPTH_ZERO_SELF_SIGNED_CERT\\)`));
  t.not(f.timings.connectMs, null);
  t.is(f.timings.tlsMs, null);
});

test('tls: without the CA, the certificate it signed is not trusted', async (t) => {
  const port = await startHttps(t, { cert: pem(certs.serverCert), key: pem(certs.serverKey) });
  const f = failure(t, await probeHttp(get(`https://localhost:${port}/`), LIMITS), 'tls');
  t.regex(f.message, /is not trusted: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
});

test('https: without verification, a self-signed certificate is still read', async (t) => {
  const port = await startHttps(t, { cert: pem(certs.selfSignedCert), key: pem(certs.selfSignedKey) });
  const r = answer(t, await probeHttp(get(`https://127.0.0.1:${port}/`, { ...NO_TLS, verify: false }), LIMITS));
  t.is(r.status, 200);
  t.is(r.cert!.subject, 'CN=localhost');
  t.true(r.cert!.daysLeft > 29.9 && r.cert!.daysLeft <= 30);
});

test('tls: a server that requires a client certificate, without and with one', async (t) => {
  const port = await startHttps(t, { cert: pem(certs.serverCert), key: pem(certs.serverKey), ca: pem(certs.ca), requestCert: true, rejectUnauthorized: true });
  const url = `https://localhost:${port}/`;
  const f = failure(t, await probeHttp(get(url, { ...NO_TLS, ca: certs.ca }), LIMITS), 'tls');
  t.is(f.message, `localhost:${port} requires a client certificate: give the check a certificate and its key`);
  const r = answer(t, await probeHttp(get(url, { verify: true, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }), LIMITS));
  t.deepEqual(JSON.parse(r.body.toString()), { result: 4, client: 'oxpoke-client' });
});

test('tls: a CA file that cannot be read', async (t) => {
  const missing = path.join(path.dirname(certs.ca), 'no-such-ca.pem');
  const f = failure(t, await probeHttp(get('https://127.0.0.1:1/', { ...NO_TLS, ca: missing }), LIMITS), 'tls');
  t.regex(f.message, new RegExp(`^cannot read the CA file ${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ENOENT`));
});

test('tls: the CA file is read at each probe, so replacing it takes effect', async (t) => {
  const port = await startHttps(t, { cert: pem(certs.serverCert), key: pem(certs.serverKey) });
  const trust = path.join(fs.mkdtempSync(path.join(path.dirname(certs.ca), 'trust-')), 'ca.pem');
  fs.copyFileSync(certs.selfSignedCert, trust);
  const url = `https://localhost:${port}/`;
  failure(t, await probeHttp(get(url, { ...NO_TLS, ca: trust }), LIMITS), 'tls');
  fs.copyFileSync(certs.ca, trust);
  t.is(answer(t, await probeHttp(get(url, { ...NO_TLS, ca: trust }), LIMITS)).status, 200);
});

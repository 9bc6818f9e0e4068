/**
 * oxpoke's HTTP probe against real servers the test starts: a node http
 * service (test/helpers/probe-servers.ts), a port nothing listens on, a name
 * that cannot resolve (the reserved .invalid TLD), a server that does not
 * speak HTTP. Every failure reason comes from the situation that causes it;
 * every result's timings are checked for order and plausibility.
 */
import test from 'ava';
import * as net from 'node:net';
import type { HttpRequest } from '../../src/poke/check';
import { probeHttp } from '../../src/poke/http-probe';
import { answer, failure } from '../helpers/probe-checks';
import { listen, startApp } from '../helpers/probe-servers';
import { freePorts } from '../helpers/systemd-stand-ins';

const LIMITS = { timeoutMs: 10_000, maxBodyBytes: 1 << 20 };

function get(url: string, more: Partial<HttpRequest> = {}): HttpRequest {
  return { kind: 'http', method: 'GET', url, headers: [], body: null, redirects: 0, tls: { verify: true, ca: null, cert: null, key: null }, ...more };
}

// ---- HTTP answers ----

test('a JSON answer: status, headers as Node joins them, body, timings, the URL', async (t) => {
  const app = await startApp(t);
  const r = answer(t, await probeHttp(get(`${app.base}/add?a=2&b=2`), LIMITS));
  t.is(r.status, 200);
  t.deepEqual(JSON.parse(r.body.toString()), { result: 4 });
  t.is(r.headers['content-type'], 'application/json');
  t.is(r.headers['x-multi'], 'one, two');
  t.is(r.headers['set-cookie'], 'a=1, b=2');
  t.is(r.url, `${app.base}/add?a=2&b=2`);
  t.is(r.cert, null);
  // An address is not resolved, and plain HTTP has no handshake: those phases take no time.
  t.is(r.timings.dnsMs, 0);
  t.is(r.timings.tlsMs, r.timings.connectMs);
  t.true(r.timings.connectMs > 0);
});

test('a name is resolved: the lookup is timed', async (t) => {
  const app = await startApp(t);
  const r = answer(t, await probeHttp(get(`http://localhost:${app.port}/add?a=2&b=2`), LIMITS));
  t.is(r.status, 200);
  t.true(r.timings.dnsMs > 0, JSON.stringify(r.timings));
  t.true(r.timings.connectMs > r.timings.dnsMs, JSON.stringify(r.timings));
});

test('the method, headers and body are sent as given', async (t) => {
  const app = await startApp(t);
  const body = JSON.stringify({ user: 'ann' });
  const r = answer(
    t,
    await probeHttp(get(`${app.base}/echo?x=1`, { method: 'POST', body, headers: [['Content-Type', 'application/json'], ['X-Check', 'a'], ['X-Check', 'b']] }), LIMITS),
  );
  const seen = JSON.parse(r.body.toString());
  t.is(seen.method, 'POST');
  t.is(seen.url, '/echo?x=1');
  t.is(seen.body, body);
  t.is(seen.headers['content-type'], 'application/json');
  t.is(seen.headers['content-length'], String(Buffer.byteLength(body)));
  t.is(seen.headers['x-check'], 'a, b');
  t.is(seen.headers['user-agent'], 'oxpoke');
});

test('a status of 500 is an answer, for the assertions to judge', async (t) => {
  const app = await startApp(t);
  const r = answer(t, await probeHttp(get(`${app.base}/fail`), LIMITS));
  t.is(r.status, 500);
  t.deepEqual(JSON.parse(r.body.toString()), { error: 'down' });
});

test('a body of exactly maxBodyBytes is read whole', async (t) => {
  const app = await startApp(t);
  const r = answer(t, await probeHttp(get(`${app.base}/bytes/1000`), { ...LIMITS, maxBodyBytes: 1000 }));
  t.is(r.body.length, 1000);
});

// ---- HTTP failures ----

test('refused: nothing listens on the port', async (t) => {
  const [port] = await freePorts(1);
  const f = failure(t, await probeHttp(get(`http://127.0.0.1:${port}/`), LIMITS), 'refused');
  t.is(f.message, `connection refused by 127.0.0.1:${port}`);
  t.is(f.timings.dnsMs, 0);
  t.is(f.timings.connectMs, null);
});

test('dns: a name under .invalid does not resolve', async (t) => {
  const f = failure(t, await probeHttp(get('http://nothing.invalid/'), LIMITS), 'dns');
  t.regex(f.message, /^cannot resolve nothing\.invalid: /);
  t.is(f.timings.dnsMs, null);
});

test('timeout: the server takes longer than the timeout to answer', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/slow`), { ...LIMITS, timeoutMs: 1000 }), 'timeout');
  t.is(f.message, `no complete answer within 1000 ms: 127.0.0.1:${app.port} had not answered`);
  t.not(f.timings.connectMs, null);
  t.is(f.timings.firstByteMs, null);
  t.true(f.timings.totalMs >= 999 && f.timings.totalMs < 5000, JSON.stringify(f.timings));
});

test('timeout: the body stops coming half-way', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/stall-body`), { ...LIMITS, timeoutMs: 1000 }), 'timeout');
  t.is(f.message, `no complete answer within 1000 ms: the answer from 127.0.0.1:${app.port} was still coming (100 bytes so far)`);
  t.not(f.timings.firstByteMs, null);
});

test('reset: the server closes the connection before answering', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/reset-head`), LIMITS), 'reset');
  t.regex(f.message, new RegExp(`^127\\.0\\.0\\.1:${app.port} closed the connection before answering`));
});

test('reset: the server destroys the connection in the middle of the body', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/reset-body`), LIMITS), 'reset');
  t.regex(f.message, /in the middle of the answer, after 100 bytes$/);
  t.not(f.timings.firstByteMs, null);
});

test('body_too_large: a declared content-length over the limit fails before reading', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/bytes/1001`), { ...LIMITS, maxBodyBytes: 1000 }), 'body_too_large');
  t.is(f.message, `the body from 127.0.0.1:${app.port} is larger than the limit of 1000 bytes (content-length 1001)`);
});

test('body_too_large: a streamed body past the limit, and the connection is destroyed', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/stream`), { ...LIMITS, maxBodyBytes: 100_000 }), 'body_too_large');
  t.regex(f.message, /is larger than the limit of 100000 bytes \(\d+ bytes read before giving up\)$/);
  // The server sees its answer closed under it, long before its 64 MiB were written.
  const closed = await app.streamClosed;
  t.false(closed.finished);
  t.true(closed.written < 64 << 20);
});

test('protocol: the server does not speak HTTP', async (t) => {
  const server = net.createServer((s) => s.end('hello there, this is not HTTP\r\n'));
  const port = await listen(t, server);
  const f = failure(t, await probeHttp(get(`http://127.0.0.1:${port}/`), LIMITS), 'protocol');
  t.regex(f.message, new RegExp(`^127\\.0\\.0\\.1:${port} did not answer in HTTP: .*\\(HPE_`));
});

test('protocol: a URL that is not http or https, or not a URL', async (t) => {
  const ftp = failure(t, await probeHttp(get('ftp://127.0.0.1/file'), LIMITS), 'protocol');
  t.is(ftp.message, 'ftp://127.0.0.1/file: only http and https URLs can be probed');
  const bad = failure(t, await probeHttp(get('not a url'), LIMITS), 'protocol');
  t.is(bad.message, '"not a url" is not a URL');
});

// ---- redirects ----

test('redirects: a chain of relative 301s is followed to the end', async (t) => {
  const app = await startApp(t);
  const r = answer(t, await probeHttp(get(`${app.base}/r/3`, { redirects: 3 }), LIMITS));
  t.is(r.status, 200);
  t.is(r.body.toString(), 'arrived');
  t.is(r.url, `${app.base}/r/0`);
});

test('redirects: one more than allowed fails', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/r/3`, { redirects: 2 }), LIMITS), 'redirects');
  t.is(f.message, `more than 2 redirects: ${app.base}/r/3 -> ${app.base}/r/2 -> ${app.base}/r/1 -> ${app.base}/r/0`);
});

test('redirects: with none allowed, the 301 is the answer', async (t) => {
  const app = await startApp(t);
  const r = answer(t, await probeHttp(get(`${app.base}/r/1`), LIMITS));
  t.is(r.status, 301);
  t.is(r.headers.location, '/r/0');
  t.is(r.body.toString(), 'see /r/0');
});

test('redirects: a loop fails as soon as it comes back', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/loop/a`, { redirects: 10 }), LIMITS), 'redirects');
  t.is(f.message, `redirect loop: ${app.base}/loop/a -> ${app.base}/loop/b -> ${app.base}/loop/a`);
});

test('redirects: 303 after a POST becomes a GET without the body', async (t) => {
  const app = await startApp(t);
  const r = answer(t, await probeHttp(get(`${app.base}/see-other`, { method: 'POST', body: 'a=1', headers: [['content-type', 'text/plain']], redirects: 1 }), LIMITS));
  const seen = JSON.parse(r.body.toString());
  t.is(seen.method, 'GET');
  t.is(seen.body, '');
  t.is(seen.headers['content-type'], undefined);
  t.is(r.url, `${app.base}/echo`);
});

test('redirects: 307 to another origin keeps the method and body, drops the credentials', async (t) => {
  const app = await startApp(t);
  const headers: Array<[string, string]> = [['authorization', 'Bearer secret'], ['cookie', 'session=1'], ['x-keep', 'yes']];
  const r = answer(t, await probeHttp(get(`${app.base}/elsewhere`, { method: 'PUT', body: 'data', headers, redirects: 1 }), LIMITS));
  const seen = JSON.parse(r.body.toString());
  t.is(seen.method, 'PUT');
  t.is(seen.body, 'data');
  t.is(seen.headers['x-keep'], 'yes');
  t.is(seen.headers.authorization, undefined);
  t.is(seen.headers.cookie, undefined);
  t.is(seen.headers.host, `localhost:${app.port}`);
  t.is(r.url, `http://localhost:${app.port}/echo`);
});

test('redirects: the timings are summed over the hops', async (t) => {
  const app = await startApp(t);
  // The first hop's answer comes 200 ms late; the last hop's alone would take a few ms.
  const r = answer(t, await probeHttp(get(`${app.base}/slow-redirect`, { redirects: 1 }), LIMITS));
  t.is(r.status, 200);
  t.true(r.timings.firstByteMs >= 199, JSON.stringify(r.timings));
  t.true(r.timings.totalMs >= r.timings.firstByteMs);
});

test('redirects: to a scheme that cannot be probed', async (t) => {
  const app = await startApp(t);
  const f = failure(t, await probeHttp(get(`${app.base}/to-ftp`, { redirects: 1 }), LIMITS), 'protocol');
  t.is(f.message, `${app.base}/to-ftp redirected to ftp://127.0.0.1/file: only http and https URLs can be probed`);
});

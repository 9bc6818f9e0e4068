/**
 * `oxpoke load`'s own connections (load-pool.ts) judge every answer as
 * `oxpoke run` judges it: the same checks run once through the HTTP probe on
 * a connection of its own (as `oxpoke run` makes them) and once on the load
 * pool's kept-alive connections, against the same real servers, must give
 * the same outcome, the same assertion results (names, severities, what was
 * expected and got) and the same answers or failure reasons and messages.
 * Only what differs between a one-shot and a kept-alive request is left out
 * of the comparison: the Connection and Keep-Alive headers of the answer,
 * its Date, the Connection header /echo repeats, and the timings.
 *
 * Then raw answers from a plain TCP server, well formed or not: the load
 * connections accept what Node's parser accepts (same status, headers and
 * body) and refuse what it refuses (same failure reason).
 */
import test, { ExecutionContext } from 'ava';
import * as http from 'node:http';
import * as net from 'node:net';
import type { Check, HttpRequest } from '../../src/poke/check';
import { parseChecks } from '../../src/poke/check-file';
import { probeHttp } from '../../src/poke/http-probe';
import { LoadPool } from '../../src/poke/load-pool';
import { prepareSteps } from '../../src/poke/probe-agents';
import type { ProbeResult } from '../../src/poke/probe-result';
import { CheckResult, runCheck } from '../../src/poke/run-check';
import { listen, startApp } from '../helpers/probe-servers';
import { freePorts } from '../helpers/systemd-stand-ins';

/** Headers that differ between a one-shot request (Connection: close) and a kept-alive one, or from one second to the next. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'date']);

function comparableProbe(r: ProbeResult): object {
  if (!r.ok) return { ok: false, reason: r.reason, message: r.message };
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([name]) => !CONNECTION_HEADERS.has(name)));
  // /echo repeats the request's headers, its own Connection header among them.
  const body = r.body.toString('latin1').replace(/"connection":"(close|keep-alive)"/, '"connection":"(either)"');
  return { ok: true, status: r.status, headers, body, cert: r.cert, url: r.url };
}

function comparable(r: CheckResult): object {
  return {
    outcome: r.judgement.outcome,
    results: r.judgement.results,
    steps: r.steps.map((s) => ({ name: s.name, request: s.request, result: comparableProbe(s.result), judgement: s.judgement })),
  };
}

/** The check run as `oxpoke run` runs it, and on a load pool's connections. */
async function bothWays(check: Check, pool: LoadPool): Promise<{ run: CheckResult; load: CheckResult }> {
  const run = await runCheck(check);
  const load = await runCheck(check, await prepareSteps(check, null, pool));
  return { run, load };
}

function newPool(t: ExecutionContext, max = 1): LoadPool {
  const pool = new LoadPool(max);
  t.teardown(() => pool.destroy());
  return pool;
}

const FILE = `${__dirname}/load-connection.toml`;

test('the same checks judged the same on the load connections as by oxpoke run: status, headers, body, JSON paths, the body cap, resets, timeouts, refused', async (t) => {
  const app = await startApp(t);
  const [closed] = await freePorts(1);
  const b = app.base;
  const checks = parseChecks(
    `
[defaults]
timeout = "2s"

[[check]]
name = "status"
url = "${b}/fail"
expect.status = [200]

[[check]]
name = "headers"
url = "${b}/add?a=2&b=2"
expect.headers."Content-Type" = "^application/json$"
expect.headers."Set-Cookie" = "^a=1, b=2$"
expect.headers."X-Multi" = "three"
expect.headers.constructor = "."

[[check]]
name = "body"
url = "${b}/bytes/10"
expect.body = "^b{10}$"

[[check]]
name = "body-fails"
url = "${b}/bytes/10"
expect.body = "^c"

[[check]]
name = "json"
url = "${b}/add?a=2&b=2"
expect.status = 200
expect.json."$.result" = 4

[[check]]
name = "json-fails"
url = "${b}/add?a=2&b=3"
expect.json."$.result" = { less = 5 }
expect.json."$.missing" = { exists = true }

[[check]]
name = "not-json"
url = "${b}/bytes/3"
expect.json."$.x" = 1

[[check]]
name = "post"
url = "${b}/echo?x=1"
method = "POST"
json = { user = "ann" }
expect.json."$.method" = "POST"
expect.json."$.url" = "/echo?x=1"
expect.json."$.body" = '{"user":"ann"}'
expect.json."$.headers.content-type" = "application/json"
expect.json."$.headers.content-length" = "14"
expect.json."$.headers.user-agent" = "oxpoke"

[[check]]
name = "head"
url = "${b}/add?a=1&b=1"
method = "HEAD"
expect.status = 200
expect.body = "^$"

[[check]]
name = "literal"
url = "${b}/echo?x=$\${y}"
headers = { X-Literal = "$\${z}" }
expect.json."$.url" = "/echo?x=\${y}"
expect.json."$.headers.x-literal" = "\${z}"

[[check]]
name = "over-the-cap"
url = "${b}/bytes/2000"
max_body = 1000

[[check]]
name = "reset-in-the-body"
url = "${b}/reset-body"

[[check]]
name = "reset-before-the-answer"
url = "${b}/reset-head"

[[check]]
name = "timeout-before-the-answer"
url = "${b}/slow"
timeout = "300ms"

[[check]]
name = "timeout-in-the-body"
url = "${b}/stall-body"
timeout = "300ms"

[[check]]
name = "refused"
url = "http://127.0.0.1:${closed}/"

[[check]]
name = "redirects-followed"
url = "${b}/r/2"
redirects = 2
expect.body = "arrived"

[[scenario]]
name = "capture"

[[scenario.step]]
url = "${b}/add?a=2&b=2"
capture.sum = { json = "$.result" }

[[scenario.step]]
url = "${b}/echo?sum=\${sum}"
headers = { X-Sum = "\${sum}" }
expect.json."$.url" = "/echo?sum=4"
expect.json."$.headers.x-sum" = "4"

[[scenario.step]]
url = "${b}/add?a=\${sum}&b=1"
expect.json."$.result" = 5
`,
    FILE,
  );
  const pool = newPool(t);
  const outcomes: Record<string, string> = {};
  for (const check of checks) {
    const { run, load } = await bothWays(check, pool);
    t.deepEqual(comparable(load), comparable(run), check.name);
    outcomes[check.name] = `${load.judgement.outcome} ${load.judgement.results.filter((r) => !r.ok).map((r) => r.name).join(', ')}`.trim();
  }
  // What was compared is what each case is about.
  t.deepEqual(outcomes, {
    status: 'CRITICAL status',
    headers: 'CRITICAL header x-multi, header constructor',
    body: 'OK',
    'body-fails': 'CRITICAL body',
    json: 'OK',
    'json-fails': 'CRITICAL json $.result less, json $.missing exists',
    'not-json': 'CRITICAL json $.x equal',
    post: 'OK',
    head: 'OK',
    literal: 'OK',
    'over-the-cap': 'CRITICAL body_too_large',
    'reset-in-the-body': 'CRITICAL reset',
    'reset-before-the-answer': 'CRITICAL reset',
    'timeout-before-the-answer': 'CRITICAL timeout',
    'timeout-in-the-body': 'CRITICAL timeout',
    refused: 'CRITICAL refused',
    'redirects-followed': 'OK',
    capture: 'OK',
  });
});

test('a body without a length that grows past the cap: body_too_large both ways', async (t) => {
  const app = await startApp(t);
  const [check] = parseChecks(`[[check]]\nname = "stream"\nurl = "${app.base}/stream"\nmax_body = "64KiB"\n`, FILE);
  const { run, load } = await bothWays(check, newPool(t));
  for (const r of [run, load]) {
    const f = r.steps[0].result;
    t.false(f.ok);
    if (!f.ok) {
      t.is(f.reason, 'body_too_large');
      t.regex(f.message, new RegExp(`^the body from 127\\.0\\.0\\.1:${app.port} is larger than the limit of 65536 bytes \\(\\d+ bytes read before giving up\\)$`));
    }
  }
});

test('runs in a row share one kept-alive connection; a failed request closes its connection and the next makes a new one', async (t) => {
  let connections = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (req.url === '/drop') return void req.socket.destroy();
    res.end('{"result": 4}');
  });
  server.on('connection', () => connections++);
  const port = await listen(t, server);
  const [ok, drop] = parseChecks(`[[check]]\nname = "ok"\nurl = "http://127.0.0.1:${port}/"\n[[check]]\nname = "drop"\nurl = "http://127.0.0.1:${port}/drop"\n`, FILE);
  const pool = newPool(t, 2);
  const okShared = await prepareSteps(ok, null, pool);
  for (let i = 0; i < 5; i++) t.is((await runCheck(ok, okShared)).judgement.outcome, 'OK');
  t.is(connections, 1);
  const failed = await runCheck(drop, await prepareSteps(drop, null, pool));
  t.is(failed.judgement.results[0].name, 'reset');
  t.is((await runCheck(ok, okShared)).judgement.outcome, 'OK');
  t.is(connections, 2);
  t.is(requests, 7);
});

/** Raw answers, written whole once the request has arrived, then the connection closed; each the same through Node and through the load pool. */
const RAW: Record<string, string> = {
  'content-length': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi',
  'no reason': 'HTTP/1.1 201\r\nContent-Length: 2\r\n\r\nhi',
  'HTTP/1.0 until close': 'HTTP/1.0 200 OK\r\n\r\nhello until close',
  'HTTP/2.0 in the status line': 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nhi',
  'status 099': 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nhi',
  'chunked, extensions, trailers': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b\r\nhi\r\nA\r\n0123456789\r\n0;x\r\nTrail: 1\r\n\r\n',
  'gzip, chunked': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
  'chunked, gzip: until close': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nuntil close',
  'content-length with spaces': 'HTTP/1.1 200 OK\r\nContent-Length:  2 \r\n\r\nhi',
  'value whitespace': 'HTTP/1.1 200 OK\r\nX-A: \t v  a \t \r\nContent-Length: 2\r\n\r\nhi',
  'Latin-1 value': 'HTTP/1.1 200 OK\r\nX-A: caf\xc3\xa9 \xe9\r\nContent-Length: 2\r\n\r\nhi',
  'control character in the reason': 'HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nhi',
  'repeated headers':
    'HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Type: a\r\nContent-Type: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nCookie: c=1\r\nCookie: d=2\r\n' +
    'Server: s1\r\nServer: s2\r\nETag: e1\r\nEtag: e2\r\nLocation: l1\r\nLocation: l2\r\nAge: 1\r\nAge: 2\r\nExpires: x\r\nExpires: y\r\nFrom: f\r\nFrom: g\r\n' +
    'Host: h\r\nHost: i\r\nReferer: r\r\nReferer: s\r\nUser-Agent: u\r\nUser-Agent: v\r\nMax-Forwards: 1\r\nMax-Forwards: 2\r\nRetry-After: 1\r\nRetry-After: 2\r\n' +
    'Last-Modified: 1\r\nLast-Modified: 2\r\nAuthorization: 1\r\nAuthorization: 2\r\nProxy-Authorization: 1\r\nProxy-Authorization: 2\r\n' +
    'If-Modified-Since: 1\r\nIf-Modified-Since: 2\r\nIf-Unmodified-Since: 1\r\nIf-Unmodified-Since: 2\r\nX-Empty:\r\nX-Empty: z\r\n' +
    'Vary: a\r\nVary: b\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
  '204 with a length': 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n',
  '304 with a length': 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n',
  '100 then 200': 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
  'empty lines first': '\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
  'bytes after the answer': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n',
  'bare LF': 'HTTP/1.1 200 OK\nContent-Length: 2\n\nhi',
  'four-digit status': 'HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nhi',
  'lower-case http': 'http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
  'folded header': 'HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 2\r\n\r\nhi',
  'two lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi!',
  'length and chunked': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
  'bad chunk size': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n',
  'chunk without CRLF': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiX0\r\n\r\n',
  'bad length': 'HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nhi',
  'empty length': 'HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhi',
  'space in a name': 'HTTP/1.1 200 OK\r\nX A: 1\r\nContent-Length: 2\r\n\r\nhi',
  'control character in a value': 'HTTP/1.1 200 OK\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\nhi',
  'bad trailer': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n',
  'a head over 16 KiB': `HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(20000)}\r\nContent-Length: 2\r\n\r\nhi`,
  'not HTTP': 'SSH-2.0-OpenSSH_9.2\r\n',
  'nothing': '',
  'cut in the head': 'HTTP/1.1 200 OK\r\nContent-Le',
  'cut in the body': 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhi',
  'cut in a chunk': 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhi',
  'over the cap by its length': 'HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\nhi',
};

test('raw answers: the load connections accept what Node accepts and refuse what it refuses', async (t) => {
  // Each request gets the answer of the case being probed, on a connection of its own (the answer ends it).
  const pending: string[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => s.end(Buffer.from(RAW[pending.shift()!], 'latin1')));
  });
  const port = await listen(t, server);
  const pool = newPool(t);
  const prober = pool.prober();
  for (const [name] of Object.entries(RAW)) {
    const request: HttpRequest = { kind: 'http', method: 'GET', url: `http://127.0.0.1:${port}/`, headers: [], body: null, redirects: 0, tls: { verify: true, ca: null, cert: null, key: null } };
    const limits = { timeoutMs: 2000, maxBodyBytes: 1000 };
    pending.push(name);
    const viaNode = await probeHttp(request, limits);
    pending.push(name);
    const viaLoad = await prober(request, limits);
    const node = comparableProbe(viaNode) as { ok: boolean; reason?: string; message?: string };
    const load = comparableProbe(viaLoad) as { ok: boolean; reason?: string; message?: string };
    if (node.reason === 'protocol') {
      // Node's parser and ours word what is wrong in their own way; the reason and the peer named are the same.
      t.is(load.reason, 'protocol', `${name}: ${load.message}`);
      t.regex(load.message!, new RegExp(`^127\\.0\\.0\\.1:${port} did not answer in HTTP: `), name);
    } else {
      t.deepEqual(load, node, name);
    }
  }
});

test('an answer saying Connection: close ends its connection: the next run makes a new one, and every run is answered', async (t) => {
  let connections = 0;
  const server = http.createServer((_req, res) => {
    res.setHeader('connection', 'close');
    res.end('{"result": 4}');
  });
  server.on('connection', () => connections++);
  const port = await listen(t, server);
  const [check] = parseChecks(`[[check]]\nname = "close"\nurl = "http://127.0.0.1:${port}/"\nexpect.json."$.result" = 4\n`, FILE);
  const shared = await prepareSteps(check, null, newPool(t));
  for (let i = 0; i < 3; i++) t.is((await runCheck(check, shared)).judgement.outcome, 'OK');
  t.is(connections, 3);
});

test('one connection, two time limits: a request with a shorter one than the request before it still times out on time', async (t) => {
  const app = await startApp(t);
  const [fast, slow] = parseChecks(`[[check]]\nname = "fast"\nurl = "${app.base}/add?a=1&b=1"\ntimeout = "10s"\n[[check]]\nname = "slow"\nurl = "${app.base}/slow"\ntimeout = "300ms"\n`, FILE);
  const pool = newPool(t);
  t.is((await runCheck(fast, await prepareSteps(fast, null, pool))).judgement.outcome, 'OK');
  const timedOut = (await runCheck(slow, await prepareSteps(slow, null, pool))).steps[0].result;
  t.false(timedOut.ok);
  if (!timedOut.ok) {
    t.is(timedOut.reason, 'timeout');
    t.is(timedOut.message, `no complete answer within 300 ms: 127.0.0.1:${app.port} had not answered`);
    // The connection's timer was set for the first request's 10 s; it was brought forward.
    t.true(timedOut.timings.totalMs >= 300 && timedOut.timings.totalMs < 5000, JSON.stringify(timedOut.timings));
  }
});

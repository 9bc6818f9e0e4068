/**
 * The HTTP probe with connections kept open (probe-agents.ts, for `oxpoke
 * load`) against real http and https servers that count the connections
 * they accept: probes in a row share one, a failed probe's connection is
 * not used again, a reused TLS connection still reports its certificate,
 * and without agents (`oxpoke run`) every probe still has its own.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import type { Check, HttpRequest, TlsOptions } from '../../src/poke/check';
import { noExpectations } from '../../src/poke/check';
import { DEFAULT_SCHEDULE } from '../../src/poke/check-file';
import { probeHttp } from '../../src/poke/http-probe';
import { KeepAlivePool, prepareSteps } from '../../src/poke/probe-agents';
import type { ProbeOptions } from '../../src/poke/probe-result';
import { probeCertsForFile } from '../helpers/probe-certs';
import { answer, failure } from '../helpers/probe-checks';
import { listen } from '../helpers/probe-servers';

const LIMITS = { timeoutMs: 10_000, maxBodyBytes: 1 << 20 };
const NO_TLS: TlsOptions = { verify: true, ca: null, cert: null, key: null };

const certs = probeCertsForFile();

function get(url: string, tlsOptions: TlsOptions = NO_TLS): HttpRequest {
  return { kind: 'http', method: 'GET', url, headers: [], body: null, redirects: 0, tls: tlsOptions };
}

interface Counted {
  base: string;
  connections: number;
  requests: number;
}

/** A server answering /ok at once and /never not at all, counting the connections it accepts and the requests it reads. */
async function counted(t: ExecutionContext, options?: https.ServerOptions): Promise<Counted> {
  const seen: Counted = { base: '', connections: 0, requests: 0 };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    seen.requests++;
    if (req.url !== '/never') res.end('{"ok":true}');
  };
  const server = options ? https.createServer(options, handler) : http.createServer(handler);
  server.on(options ? 'secureConnection' : 'connection', () => seen.connections++);
  const port = await listen(t, server);
  seen.base = `${options ? 'https://localhost' : 'http://127.0.0.1'}:${port}`;
  return seen;
}

function pool(t: ExecutionContext, maxSockets?: number): KeepAlivePool {
  const p = new KeepAlivePool(maxSockets);
  t.teardown(() => p.destroy());
  return p;
}

test('without agents (oxpoke run), every probe makes a connection of its own', async (t) => {
  const server = await counted(t);
  for (let i = 0; i < 3; i++) t.is(answer(t, await probeHttp(get(`${server.base}/ok`), LIMITS)).status, 200);
  t.is(server.requests, 3);
  t.is(server.connections, 3);
});

test('with a pool, probes in a row share one connection; the reused one spends no time connecting', async (t) => {
  const server = await counted(t);
  const opts: ProbeOptions = { ...LIMITS, agents: pool(t, 4).agents(undefined) };
  const first = answer(t, await probeHttp(get(`${server.base}/ok`), opts));
  const again = [];
  for (let i = 0; i < 3; i++) again.push(answer(t, await probeHttp(get(`${server.base}/ok`), opts)));
  t.is(server.requests, 4);
  t.is(server.connections, 1);
  t.true(first.timings.connectMs > 0);
  for (const r of again) {
    t.is(r.status, 200);
    t.is(r.timings.dnsMs, 0);
    // Connected at once: the milestone is when the kept connection was handed over, before the request was even written.
    t.true(r.timings.connectMs <= r.timings.firstByteMs, JSON.stringify(r.timings));
  }
});

test('with a pool, concurrent probes open at most maxSockets connections', async (t) => {
  const server = await counted(t);
  const opts: ProbeOptions = { ...LIMITS, agents: pool(t, 2).agents(undefined) };
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all([1, 2, 3, 4].map(() => probeHttp(get(`${server.base}/ok`), opts)));
    for (const r of results) t.is(answer(t, r).status, 200);
  }
  t.is(server.requests, 12);
  t.is(server.connections, 2);
});

test("a failed probe's connection is not used again: the next probe makes a new one", async (t) => {
  const server = await counted(t);
  const opts: ProbeOptions = { ...LIMITS, agents: pool(t, 1).agents(undefined) };
  answer(t, await probeHttp(get(`${server.base}/ok`), opts));
  const f = failure(t, await probeHttp(get(`${server.base}/never`), { ...opts, timeoutMs: 200 }), 'timeout');
  t.regex(f.message, /had not answered/, 'a reused connection is past connecting');
  answer(t, await probeHttp(get(`${server.base}/ok`), opts));
  t.is(server.requests, 3);
  t.is(server.connections, 2);
});

test('https with a pool: one handshake, and the reused connection reports the certificate it was shown', async (t) => {
  const server = await counted(t, { cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey) });
  const request = get(`${server.base}/ok`, { ...NO_TLS, ca: certs.ca });
  const check: Check = { name: 'tls', file: 'x.toml', line: 1, schedule: DEFAULT_SCHEDULE, steps: [{ request, expect: noExpectations(), capture: [], timeoutMs: 10_000, maxBodyBytes: 1 << 20 }] };
  const [shared] = await prepareSteps(check, pool(t, 1));
  const opts: ProbeOptions = { ...LIMITS, ...shared };
  const first = answer(t, await probeHttp(request, opts));
  const second = answer(t, await probeHttp(request, opts));
  t.is(server.connections, 1);
  t.true(first.timings.tlsMs > first.timings.connectMs);
  t.is(second.timings.tlsMs, second.timings.connectMs, 'no handshake the second time');
  t.is(second.cert?.subject, 'CN=localhost');
  t.is(second.cert?.validTo, first.cert?.validTo);
});

test('steps with other TLS files get agents of their own; a file that cannot be read fails each probe (reason tls) without reading it again', async (t) => {
  const p = pool(t, 1);
  const step = (tlsOptions: TlsOptions) => ({ request: get('https://localhost:1/', tlsOptions), expect: noExpectations(), capture: [], timeoutMs: 1000, maxBodyBytes: 1024 });
  const missing = path.join(path.dirname(certs.ca), 'missing.pem');
  const check: Check = {
    name: 'tls',
    file: 'x.toml',
    line: 1,
    schedule: DEFAULT_SCHEDULE,
    steps: [step({ ...NO_TLS, ca: certs.ca }), step({ ...NO_TLS, ca: certs.ca }), step({ ...NO_TLS, ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }), step(NO_TLS), step({ ...NO_TLS, ca: missing })],
  };
  const shared = await prepareSteps(check, p);
  t.is(shared[0].agents!.https, shared[1].agents!.https, 'the same files: one agent');
  t.not(shared[2].agents!.https, shared[0].agents!.https, 'a client certificate: another agent');
  t.not(shared[3].agents!.https, shared[0].agents!.https);
  t.is(shared[0].agents!.http, shared[3].agents!.http, 'plain HTTP needs no TLS settings: one agent');
  t.is(typeof shared[4].tls, 'string');
  fs.writeFileSync(missing, 'not read: the message was made before');
  t.teardown(() => fs.rmSync(missing, { force: true }));
  const f = failure(t, await probeHttp(check.steps[4].request as HttpRequest, { ...LIMITS, ...shared[4] }), 'tls');
  t.regex(f.message, /^cannot read the CA file .*missing\.pem/);
  t.is((shared[0].tls as tls.ConnectionOptions).rejectUnauthorized, true);
});

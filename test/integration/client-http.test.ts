/**
 * The HTTP server integrations end to end: each example application
 * (Express, Fastify, Koa, plain node:http) runs as its own process sending
 * to a real oxd; the test makes real HTTP requests, stops the application
 * with SIGTERM and reads back the files oxd wrote.
 */
import test, { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { listFiles, readEvents, utcDay } from '../helpers/events';
import { REPO, startOxd } from '../helpers/oxd-process';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One HTTP request on its own connection. A body is sent only once the server answered
 * `100 Continue`, so it arrives after the server began handling the request, in a later
 * read, as large uploads do (body parsers then run outside the handler's async scope).
 */
function request(port: number, target: string, opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = opts.body === undefined ? opts.headers : { ...opts.headers, expect: '100-continue', 'content-length': Buffer.byteLength(opts.body) };
    const req = http.request({ host: '127.0.0.1', port, path: target, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body === undefined) req.end();
    else req.once('continue', () => req.end(opts.body));
  });
}

/** Spawns build/examples/<framework>-app.js and resolves with its port once it printed `listening on <port>`. */
async function startApp(t: ExecutionContext, framework: string, collect: string) {
  const child = spawn(process.execPath, [path.join(REPO, 'build', 'examples', `${framework}-app.js`)], {
    env: { ...process.env, BLUEOX_HOST: collect, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^listening on (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(({ code }) => reject(new Error(`${framework} app exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, port, exited, stderr: () => stderr };
}

const SECRETS = { cookie: 'session=secret-cookie-value', authorization: 'Bearer secret-token-value' };
const CONCURRENT = 20;

async function scenario(t: ExecutionContext, framework: string): Promise<void> {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dayBefore = utcDay();
  const app = await startApp(t, framework, oxd.collect);
  const { port } = app;

  // 1. A normal request with a query string and headers, including two that must not be recorded.
  const helloPath = '/hello?name=ann&tags=a&tags=b&empty=';
  const hello = await request(port, helloPath, {
    headers: {
      'user-agent': 'blueox-test/1.0',
      referer: 'http://example.test/from',
      accept: 'application/json',
      'x-request-id': `rid-${framework}`,
      'x-forwarded-for': '203.0.113.7',
      'x-user': 'u-42',
      'x-custom': 'not-in-the-default-list',
      ...SECRETS,
    },
  });
  t.is(hello.status, 200);
  const helloId: string = JSON.parse(hello.body.toString()).id;
  t.regex(helloId, /^[0-9a-f]{32}$/, 'the handler saw the request context as current');

  // 2. The nested route, 3. the throwing routes, 4. a response without Content-Length, 5. a POST with a body.
  const item = await request(port, '/items/7');
  const itemReply = JSON.parse(item.body.toString());
  t.is(itemReply.dbId, itemReply.id, 'inside .db the current context has the request id');
  const boom = await request(port, '/boom');
  const boomAsync = await request(port, '/boom-async');
  t.is(boom.status, 500);
  t.is(boomAsync.status, 500);
  const stream = await request(port, '/stream');
  t.is(stream.status, 200);
  t.is(stream.headers['content-length'], undefined, 'the streamed response has no Content-Length');
  t.is(stream.body.toString(), 'chunk-1\nchünk-2\nchunk-3\n');
  const postBody = JSON.stringify({ a: 1, b: 'two' });
  const post = await request(port, '/items/5', { method: 'POST', headers: { 'content-type': 'application/json' }, body: postBody });
  t.is(post.status, 200);
  const postId: string = JSON.parse(post.body.toString()).id;

  // 6. Concurrent requests, each interleaving awaits inside the handler and its .db context.
  const names = Array.from({ length: CONCURRENT }, (_, i) => `c${i}`);
  const concurrent = await Promise.all(names.map((n) => request(port, `/items/${n}`)));
  const replies = concurrent.map((r) => JSON.parse(r.body.toString()));
  replies.forEach((r, i) => {
    t.is(r.n, names[i]);
    t.is(r.dbId, r.id);
  });
  t.is(new Set(replies.map((r) => r.id)).size, CONCURRENT, 'concurrent requests have distinct ids');

  app.child.kill('SIGTERM');
  const exit = await app.exited;
  t.deepEqual(exit, { code: 0, signal: null }, app.stderr());

  const requests = 1 + 1 + 2 + 1 + 1 + CONCURRENT;
  const dbs = 1 + CONCURRENT;
  await oxd.waitForStatus((s) => s.totals.written === requests + dbs);
  const days = new Set([dayBefore, utcDay()]);
  const files = listFiles(oxd.logPath!);
  for (const f of files) {
    const m = /^(\d{8})\/(request|request\.db)-(\d{8})\.log$/.exec(f);
    t.truthy(m && m[1] === m[3] && days.has(m[1]), `unexpected file ${f}`);
  }
  const events = files.flatMap((f) => readEvents(path.join(oxd.logPath!, f)));
  const reqEvents = events.filter((e) => e.type === 'request');
  const dbEvents = events.filter((e) => e.type === 'request.db');
  t.is(reqEvents.length, requests, 'one event per request, never two');
  t.is(dbEvents.length, dbs);
  t.true(files.some((f) => f.includes('/request.db-')), 'request.db has its own file');
  const byId = (id: string) => reqEvents.filter((e) => e.id === id);

  // The normal request: every field the original recorded, and nothing secret.
  const [ev] = byId(helloId);
  t.truthy(ev, 'the hello event is found by the id the handler saw');
  t.is(byId(helloId).length, 1);
  const b = ev.body;
  t.is(b.method, 'GET');
  t.is(b.path, '/hello');
  t.is(b.url, `http://127.0.0.1:${port}${helloPath}`);
  t.deepEqual(b.query, { name: 'ann', tags: ['a', 'b'], empty: '' });
  t.is(b.client_ip, '127.0.0.1');
  t.deepEqual(b.headers, {
    'user-agent': 'blueox-test/1.0',
    referer: 'http://example.test/from',
    accept: 'application/json',
    'x-request-id': `rid-${framework}`,
    'x-forwarded-for': '203.0.113.7',
    host: `127.0.0.1:${port}`,
  });
  t.is(b.greeting, 'hello ann', 'blueox.set() in the handler wrote to the request context');
  t.is(b.response_status_code, 200);
  t.is(b.response_size, hello.body.length);
  t.is(typeof b.duration, 'number');
  t.true(b.duration > 0 && b.duration <= ev.end - ev.start + 0.002, `duration ${b.duration}`);
  t.is(b.user, 'u-42');
  t.is(b.version, '1.0.0');
  t.is(b.revision, 'abc123');
  t.false('exception' in b);
  t.is(ev.pid, app.child.pid);
  for (const e of events) {
    const text = JSON.stringify(e);
    t.false(/secret-(cookie|token)-value/.test(text), `a secret header was recorded: ${text}`);
    t.false('cookie' in (e.body.headers ?? {}) || 'authorization' in (e.body.headers ?? {}));
  }

  // The nested route: request.db shares the request's id and only that request's.
  const [itemEv] = byId(itemReply.id);
  t.is(itemEv.body.path, '/items/7');
  t.deepEqual(itemEv.body.query, {});
  const itemDbs = dbEvents.filter((e) => e.id === itemReply.id);
  t.is(itemDbs.length, 1);
  t.is(itemDbs[0].body.query, 'select * from items where id = 7');
  t.true(itemDbs[0].start >= itemEv.start && itemDbs[0].end <= itemEv.end, 'the .db context lies within the request');
  t.deepEqual(Object.keys(itemDbs[0].body), ['query'], 'request fields stay on the request event');

  // The throwing routes: the stack, and status 500.
  for (const [route, message] of [
    ['/boom', `boom from ${framework}`],
    ['/boom-async', `async boom from ${framework}`],
  ]) {
    const errs = reqEvents.filter((e) => e.body.path === route);
    t.is(errs.length, 1, route);
    const stack: string = errs[0].body.exception;
    t.is(typeof stack, 'string', `${route} recorded an exception`);
    t.true(stack.startsWith(`Error: ${message}\n    at `), stack);
    t.true(stack.includes(`${framework}-app.js:`), stack);
    t.is(errs[0].body.response_status_code, 500);
  }
  t.is(reqEvents.filter((e) => 'exception' in e.body).length, 2, 'only the throwing routes have an exception');

  // No Content-Length: the bytes actually written.
  const [streamEv] = reqEvents.filter((e) => e.body.path === '/stream');
  t.is(streamEv.body.response_size, stream.body.length);
  t.is(streamEv.body.response_status_code, 200);

  // The POST: read after the body was parsed, still inside the request context.
  const [postEv] = byId(postId);
  t.is(postEv.body.method, 'POST');
  t.deepEqual(postEv.body.posted, { a: 1, b: 'two' });
  t.is(postEv.body.headers['content-type'], 'application/json');
  t.is(postEv.body.headers['content-length'], String(Buffer.byteLength(postBody)));
  t.is(postEv.body.response_size, post.body.length);

  // Concurrent requests never see each other's data.
  replies.forEach((r, i) => {
    const n = names[i];
    const mine = byId(r.id);
    t.is(mine.length, 1, n);
    t.like(mine[0].body, { path: `/items/${n}`, marker: n, after: n, response_status_code: 200 });
    const myDb = dbEvents.filter((e) => e.id === r.id);
    t.is(myDb.length, 1, n);
    t.is(myDb[0].body.query, `select * from items where id = ${n}`);
    t.is(reqEvents.filter((e) => e.body.marker === n).length, 1, `only one request event carries marker ${n}`);
  });
  t.is(new Set(reqEvents.map((e) => e.id)).size, requests, 'every request event has its own id');
}

for (const framework of ['express', 'fastify', 'koa', 'http']) {
  test(`${framework}: one request event per request with the original fields, .db nested under it, exceptions, concurrency`, (t) =>
    scenario(t, framework));
}

/**
 * Integration options and edge cases, in-process against a real oxd: the
 * name options, header selection, user/version/revision, trustProxy, a
 * client that goes away before the response, failures inside the
 * integration, and Fastify's encapsulation and lost async scopes.
 * Serial: blueox's configuration is process-wide.
 */
import test, { ExecutionContext } from 'ava';
import Fastify from 'fastify';
import { AsyncResource } from 'node:async_hooks';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as blueox from '../../src/client';
import { blueoxFastify } from '../../src/client/integrations/fastify';
import { wrapHttpHandler } from '../../src/client/integrations/http';
import { listFiles, readEvents } from '../helpers/events';
import { Oxd, startOxd } from '../helpers/oxd-process';

const warnings: string[] = [];

/** A fresh oxd, with this process's blueox sending to it until the test ends. */
async function configured(t: ExecutionContext): Promise<Oxd> {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  blueox.configure({ host: oxd.collect, onWarning: (m) => warnings.push(m) });
  t.teardown(() => blueox.shutdown());
  return oxd;
}

async function serve(t: ExecutionContext, handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function get(port: number, target: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${port}${target}`, { headers });
  return { status: res.status, body: await res.text() };
}

function allEvents(oxd: Oxd): any[] {
  return listFiles(oxd.logPath!).flatMap((f) => readEvents(path.join(oxd.logPath!, f)));
}

test.serial('appName/name, chosen headers, getUser, version/revision options and trustProxy', async (t) => {
  const oxd = await configured(t);
  const port = await serve(
    t,
    wrapHttpHandler(
      async (req: http.IncomingMessage & { version?: string }, res) => {
        req.version = 'from-request'; // the option wins
        await blueox.context('.db', async () => blueox.set('query', 'select 1'));
        res.end(blueox.current()?.id);
      },
      {
        appName: 'shop',
        name: 'web',
        headers: ['X-Custom', 'authorization'],
        getUser: (req) => req.headers['x-user-id'],
        version: 7,
        revision: 'opt-rev',
        trustProxy: true,
      },
    ),
  );
  const reply = await get(port, '/p/q?x=1', {
    'x-forwarded-for': '203.0.113.9, 10.0.0.1',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'shop.example',
    'x-custom': 'c',
    'x-user-id': 'u-7',
    authorization: 'Bearer tok',
    cookie: 'session=s',
  });
  t.is(reply.status, 200);
  await oxd.waitForStatus((s) => s.totals.written === 2);
  const files = listFiles(oxd.logPath!).map((f) => f.replace(/\d{8}/g, 'DAY'));
  t.deepEqual(files, ['DAY/shop.web-DAY.log', 'DAY/shop.web.db-DAY.log']);
  const events = allEvents(oxd);
  const web = events.find((e) => e.type === 'shop.web');
  const db = events.find((e) => e.type === 'shop.web.db');
  t.is(web.id, reply.body);
  t.is(db.id, reply.body, 'the nested context shares the id');
  t.deepEqual(web.body.headers, { 'x-custom': 'c', authorization: 'Bearer tok' }, 'only the chosen headers');
  t.is(web.body.url, 'https://shop.example/p/q?x=1');
  t.is(web.body.path, '/p/q');
  t.deepEqual(web.body.query, { x: '1' });
  t.is(web.body.client_ip, '203.0.113.9');
  t.is(web.body.user, 'u-7');
  t.is(web.body.version, 7);
  t.is(web.body.revision, 'opt-rev');
});

test.serial('a client that goes away before the response: one event, marked aborted, never a second', async (t) => {
  const oxd = await configured(t);
  let started!: () => void;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  let lateEnd!: () => void;
  const handlerDone = new Promise<void>((resolve) => (lateEnd = resolve));
  const port = await serve(
    t,
    wrapHttpHandler(async (req, res) => {
      if (req.url === '/slow') {
        blueox.set('waiting', true);
        started();
        await once(res, 'close');
        res.end('too late'); // after the connection closed: must not produce another event
        blueox.set('after_close', true);
        lateEnd();
      } else {
        res.end('ok');
      }
    }),
  );
  const client = http.get({ host: '127.0.0.1', port, path: '/slow', agent: false });
  client.on('error', () => undefined); // "socket hang up": expected
  const clientClosed = new Promise((resolve) => client.once('close', resolve));
  await handlerStarted;
  client.destroy();
  await clientClosed;
  await handlerDone;
  t.is((await get(port, '/after')).status, 200);
  // Events go out in order on one connection: when /after is written, a second /slow would be too.
  await oxd.waitForStatus((s) => s.totals.written === 2);
  const events = allEvents(oxd);
  t.deepEqual(
    events.map((e) => e.body.path),
    ['/slow', '/after'],
  );
  const slow = events[0].body;
  t.true(slow.aborted);
  t.true(slow.waiting);
  t.false('after_close' in slow);
  t.false('response_status_code' in slow, 'nothing was sent, so there is no status');
  t.is(typeof slow.duration, 'number');
  t.false('aborted' in events[1].body);
});

test.serial('one event when wrapped twice; a throwing getUser or an invalid name costs the event fields, never the response', async (t) => {
  const oxd = await configured(t);
  const port = await serve(
    t,
    wrapHttpHandler((_req, res) => res.end('served'), {
      getUser: () => {
        throw new Error('no session store');
      },
    }),
  );
  const badPort = await serve(
    t,
    wrapHttpHandler((_req, res) => res.end('served anyway'), { name: '..bad' }),
  );
  // Wrapped twice (as a sub-application with its own middleware would be): still one event.
  const twicePort = await serve(t, wrapHttpHandler(wrapHttpHandler((_req, res) => res.end('once'))));
  t.deepEqual(await get(twicePort, '/twice'), { status: 200, body: 'once' });
  t.deepEqual(await get(port, '/a'), { status: 200, body: 'served' });
  t.deepEqual(await get(badPort, '/b'), { status: 200, body: 'served anyway' });
  t.deepEqual(await get(port, '/c'), { status: 200, body: 'served' });
  await oxd.waitForStatus((s) => s.totals.written === 3);
  const events = allEvents(oxd);
  t.deepEqual(
    events.map((e) => e.body.path),
    ['/twice', '/a', '/c'],
    'one event for the doubly wrapped handler, none from the invalid name',
  );
  events.shift();
  t.is(events[0].body.response_status_code, 200, 'fields recorded before getUser failed are kept');
  t.false('user' in events[0].body);
  t.true(warnings.some((w) => w.includes('could not record the response fields') && w.includes('no session store')), warnings.join('\n'));
  t.true(warnings.some((w) => w.includes('could not open the request context') && w.includes('..bad')), warnings.join('\n'));
});

test.serial('fastify: the plugin covers routes of other plugins and re-enters a scope a hook lost', async (t) => {
  const oxd = await configured(t);
  const app = Fastify({ logger: false });
  t.teardown(() => app.close());
  // Resumes outside any request, like a parser driven by a pool or stream of its own.
  const outside = new AsyncResource('outside');
  await app.register(blueoxFastify);
  await app.register(async (child) => {
    child.get('/child', async () => {
      blueox.set('seen', 'child');
      return { id: blueox.current()?.id ?? null };
    });
    child.post(
      '/lost',
      {
        preValidation: (_request, _reply, done) => {
          outside.runInAsyncScope(() => done());
        },
      },
      async (request) => {
        blueox.set('seen', (request.body as { v: string }).v);
        return { id: blueox.current()?.id ?? null };
      },
    );
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const child = (await (await fetch(`http://127.0.0.1:${port}/child`)).json()) as { id: string | null };
  const lost = (await (
    await fetch(`http://127.0.0.1:${port}/lost`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"v":"posted"}' })
  ).json()) as { id: string | null };
  t.regex(child.id ?? '', /^[0-9a-f]{32}$/, 'a route in a sibling plugin runs in the request context');
  t.regex(lost.id ?? '', /^[0-9a-f]{32}$/, 'the handler after a scope-losing hook runs in the request context');
  await oxd.waitForStatus((s) => s.totals.written === 2);
  const events = allEvents(oxd);
  t.deepEqual(events.find((e) => e.id === child.id)?.body.seen, 'child');
  t.deepEqual(events.find((e) => e.id === lost.id)?.body.seen, 'posted');
});

/**
 * With blueox never configured, every integration must stay out of the way:
 * requests are served exactly as without it, handlers see no context, and
 * the response is not touched (no patched methods). In-process.
 */
import test, { ExecutionContext } from 'ava';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as blueox from '../../src/client';
import { blueoxExpress, blueoxExpressErrors } from '../../src/client/integrations/express';
import { blueoxFastify } from '../../src/client/integrations/fastify';
import { wrapHttpHandler } from '../../src/client/integrations/http';
import { blueoxKoa } from '../../src/client/integrations/koa';
import { requestContext } from '../../src/client/integrations/request-fields';

/** What a handler observed: whether blueox gave it anything. */
function observe(req: http.IncomingMessage, res: http.ServerResponse): Record<string, unknown> {
  return {
    current: blueox.current(),
    requestContext: requestContext(req),
    writePatched: res.write !== http.ServerResponse.prototype.write,
    endPatched: res.end !== http.ServerResponse.prototype.end,
  };
}

const NOTHING = { current: null, requestContext: null, writePatched: false, endPatched: false };

async function nested(n: string): Promise<string> {
  blueox.set('ignored', n);
  return blueox.context('.db', async (ctx) => {
    blueox.set('query', n);
    return `row-${n}${ctx.id}`;
  });
}

async function get(port: number, target: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${target}`);
  return { status: res.status, body: await res.text() };
}

/** Serves on an ephemeral port (unless already listening) and checks three routes. */
async function check(t: ExecutionContext, server: http.Server): Promise<void> {
  if (!server.listening) {
    t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  }
  const { port } = server.address() as AddressInfo;
  const hello = await get(port, '/hello');
  t.is(hello.status, 200);
  t.deepEqual(JSON.parse(hello.body), NOTHING);
  const item = await get(port, '/items/3');
  t.is(item.status, 200);
  t.deepEqual(JSON.parse(item.body), { row: 'row-3' }, 'blueox.context() ran the code and returned its value, with no id');
  const boom = await get(port, '/boom');
  t.is(boom.status, 500);
  const stats = blueox.stats();
  t.false(stats.configured);
  t.is(stats.sent + stats.queued + stats.dropped, 0);
  t.deepEqual(stats.warnings, {});
}

test.before(() => {
  if (blueox.stats().configured) throw new Error('this file needs blueox unconfigured');
});

test('express: unconfigured, the middleware and the error middleware change nothing', async (t) => {
  const app = express();
  app.set('env', 'test'); // no stack on stderr from Express's default handler
  app.use(blueoxExpress());
  app.get('/hello', (req, res) => {
    res.json(observe(req, res));
  });
  app.get('/items/:n', async (req, res) => {
    res.json({ row: await nested(req.params.n) });
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.use(blueoxExpressErrors());
  await check(t, http.createServer(app));
});

test('fastify: unconfigured, the plugin changes nothing', async (t) => {
  const app = Fastify({ logger: false });
  await app.register(blueoxFastify);
  app.get('/hello', async (request, reply) => observe(request.raw, reply.raw));
  app.get('/items/:n', async (request) => ({ row: await nested((request.params as { n: string }).n) }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  await check(t, app.server);
});

test('koa: unconfigured, the middleware changes nothing', async (t) => {
  const app = new Koa();
  app.silent = true; // no stack on stderr for the /boom error
  app.use(blueoxKoa());
  app.use(async (ctx) => {
    if (ctx.path === '/hello') ctx.body = observe(ctx.req, ctx.res);
    else if (ctx.path.startsWith('/items/')) ctx.body = { row: await nested(ctx.path.slice(7)) };
    else if (ctx.path === '/boom') throw new Error('boom');
  });
  await check(t, http.createServer(app.callback()));
});

test('node:http: unconfigured, the wrapper serves normally and still hands errors to onError', async (t) => {
  const errors: unknown[] = [];
  const handler = wrapHttpHandler(
    async (req, res) => {
      const json = (v: unknown): void => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(v));
      };
      if (req.url === '/hello') json(observe(req, res));
      else if (req.url?.startsWith('/items/')) json({ row: await nested(req.url.slice(7)) });
      else if (req.url === '/boom') throw new Error('boom');
    },
    {
      onError: (err, _req, res) => {
        errors.push(err);
        res.statusCode = 500;
        res.end('failed');
      },
    },
  );
  await check(t, http.createServer(handler));
  t.is(errors.length, 1);
  t.is((errors[0] as Error).message, 'boom');
});

/**
 * A Koa application recording one BlueOx `request` event per request, with
 * a nested `request.db` event on /items/:n.
 *
 *   make run                                 # oxd in one terminal
 *   PORT=8080 node build/examples/koa-app.js
 *   curl 'http://127.0.0.1:8080/items/7?verbose=1'
 *
 * Environment: BLUEOX_HOST (oxd's collect address), PORT (0: any free
 * port), HOST (default 127.0.0.1). Prints `listening on <port>`; on SIGTERM
 * it stops accepting requests, flushes BlueOx and exits 0.
 */
import Koa from 'koa';
import { Readable } from 'node:stream';
import * as blueox from '../src/client';
import { blueoxKoa } from '../src/client/integrations/koa';

async function readJson(req: NodeJS.ReadableStream): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));

blueox.defaultConfigure();

const app = new Koa();
app.use(blueoxKoa({ version: '1.0.0' }));
// What an authentication middleware would do: blueox records ctx.state.user.id and ctx.state.revision.
app.use(async (ctx, next) => {
  const user = ctx.get('x-user');
  if (user) ctx.state.user = { id: user };
  ctx.state.revision = 'abc123';
  await next();
});

app.use(async (ctx) => {
  const item = /^\/items\/([^/]+)$/.exec(ctx.path);
  if (ctx.method === 'GET' && ctx.path === '/hello') {
    await pause();
    const name = typeof ctx.query.name === 'string' ? ctx.query.name : 'world';
    blueox.set('greeting', `hello ${name}`);
    ctx.body = { id: blueox.current()?.id ?? null, hello: name };
  } else if (ctx.method === 'GET' && item) {
    const n = item[1];
    blueox.set('marker', n);
    await pause();
    const row = await blueox.context('.db', async () => {
      blueox.set('query', `select * from items where id = ${n}`);
      await pause();
      return { n, dbId: blueox.current()?.id ?? null };
    });
    await pause();
    blueox.set('after', n);
    ctx.body = { id: blueox.current()?.id ?? null, ...row };
  } else if (ctx.method === 'POST' && item) {
    blueox.set('marker', item[1]);
    blueox.set('posted', await readJson(ctx.req));
    ctx.body = { id: blueox.current()?.id ?? null, n: item[1] };
  } else if (ctx.method === 'GET' && ctx.path === '/stream') {
    ctx.type = 'text/plain';
    ctx.body = Readable.from(['chunk-1\n', 'chünk-2\n', 'chunk-3\n']);
  } else if (ctx.path === '/boom') {
    throw new Error('boom from koa');
  } else if (ctx.path === '/boom-async') {
    await pause();
    throw new Error('async boom from koa');
  }
});

const server = app.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on ${typeof address === 'object' && address ? address.port : address}\n`);
});

process.once('SIGTERM', () => {
  server.close(() => {
    void blueox.shutdown().then(() => process.exit(0));
  });
  server.closeIdleConnections();
});

/**
 * A Fastify application recording one BlueOx `request` event per request,
 * with a nested `request.db` event on /items/:n.
 *
 *   make run                                     # oxd in one terminal
 *   PORT=8080 node build/examples/fastify-app.js
 *   curl 'http://127.0.0.1:8080/items/7?verbose=1'
 *
 * Environment: BLUEOX_HOST (oxd's collect address), PORT (0: any free
 * port), HOST (default 127.0.0.1). Prints `listening on <port>`; on SIGTERM
 * it stops accepting requests, flushes BlueOx and exits 0.
 */
import Fastify from 'fastify';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import * as blueox from '../src/client';
import { blueoxFastify } from '../src/client/integrations/fastify';

type AppRequest = FastifyRequest & { user?: { id: string } | null; revision?: string };

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));

blueox.defaultConfigure();

const app = Fastify({ logger: false });
void app.register(blueoxFastify, { version: '1.0.0' });
// What an authentication hook would do: blueox records request.user.id and request.revision.
app.decorateRequest('user', null);
app.decorateRequest('revision', '');
app.addHook('onRequest', (request: AppRequest, _reply, done) => {
  const user = request.headers['x-user'];
  if (typeof user === 'string') request.user = { id: user };
  request.revision = 'abc123';
  done();
});

app.get('/hello', async (request) => {
  await pause();
  const { name = 'world' } = request.query as { name?: string };
  blueox.set('greeting', `hello ${name}`);
  return { id: blueox.current()?.id ?? null, hello: name };
});

app.get('/items/:n', async (request) => {
  const { n } = request.params as { n: string };
  blueox.set('marker', n);
  await pause();
  const row = await blueox.context('.db', async () => {
    blueox.set('query', `select * from items where id = ${n}`);
    await pause();
    return { n, dbId: blueox.current()?.id ?? null };
  });
  await pause();
  blueox.set('after', n);
  return { id: blueox.current()?.id ?? null, ...row };
});

// A POST with a JSON body: Fastify calls the handler after reading the body.
app.post('/items/:n', async (request) => {
  const { n } = request.params as { n: string };
  blueox.set('marker', n);
  blueox.set('posted', request.body as Record<string, unknown>);
  return { id: blueox.current()?.id ?? null, n };
});

app.get('/stream', (_request, reply) => {
  void reply.type('text/plain').send(Readable.from(['chunk-1\n', 'chünk-2\n', 'chunk-3\n']));
});

app.get('/boom', () => {
  throw new Error('boom from fastify');
});

app.get('/boom-async', async () => {
  await pause();
  throw new Error('async boom from fastify');
});

app.listen({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' }).then(
  () => {
    const address = app.server.address();
    process.stdout.write(`listening on ${typeof address === 'object' && address ? address.port : address}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  },
);

process.once('SIGTERM', () => {
  void app
    .close()
    .then(() => blueox.shutdown())
    .then(() => process.exit(0));
});

/**
 * An Express application recording one BlueOx `request` event per request,
 * with a nested `request.db` event on /items/:n.
 *
 *   make run                                    # oxd in one terminal
 *   PORT=8080 node build/examples/express-app.js
 *   curl 'http://127.0.0.1:8080/items/7?verbose=1'
 *
 * Environment: BLUEOX_HOST (oxd's collect address), PORT (0: any free
 * port), HOST (default 127.0.0.1). Prints `listening on <port>`; on SIGTERM
 * it stops accepting requests, flushes BlueOx and exits 0.
 */
import express, { NextFunction, Request, Response } from 'express';
import { Readable } from 'node:stream';
import * as blueox from '../src/client';
import { blueoxExpress, blueoxExpressErrors } from '../src/client/integrations/express';

type AppRequest = Request & { user?: { id: string }; revision?: string };

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));

blueox.defaultConfigure();

const app = express();
app.use(blueoxExpress({ version: '1.0.0' }));
// What an authentication middleware would do: blueox records req.user.id and req.revision.
app.use((req: AppRequest, _res: Response, next: NextFunction) => {
  const user = req.get('x-user');
  if (user) req.user = { id: user };
  req.revision = 'abc123';
  next();
});

app.get('/hello', async (req, res) => {
  await pause();
  blueox.set('greeting', `hello ${String(req.query.name ?? 'world')}`);
  res.json({ id: blueox.current()?.id ?? null, hello: req.query.name ?? 'world' });
});

app.get('/items/:n', async (req, res) => {
  const n = req.params.n;
  blueox.set('marker', n);
  await pause();
  const row = await blueox.context('.db', async () => {
    blueox.set('query', `select * from items where id = ${n}`);
    await pause();
    return { n, dbId: blueox.current()?.id ?? null };
  });
  await pause();
  blueox.set('after', n);
  res.json({ id: blueox.current()?.id ?? null, ...row });
});

// A POST with a JSON body, read by express.json() before the handler runs.
app.post('/items/:n', express.json(), (req, res) => {
  blueox.set('marker', req.params.n);
  blueox.set('posted', req.body as Record<string, unknown>);
  res.json({ id: blueox.current()?.id ?? null, n: req.params.n });
});

app.get('/stream', (_req, res) => {
  res.type('text/plain');
  Readable.from(['chunk-1\n', 'chünk-2\n', 'chunk-3\n']).pipe(res);
});

app.get('/boom', () => {
  throw new Error('boom from express');
});

app.get('/boom-async', async () => {
  await pause();
  throw new Error('async boom from express');
});

app.use(blueoxExpressErrors());

const server = app.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', (err?: Error) => {
  if (err) {
    process.stderr.write(`${err.stack ?? String(err)}\n`);
    process.exit(1);
  }
  const address = server.address();
  process.stdout.write(`listening on ${typeof address === 'object' && address ? address.port : address}\n`);
});

process.once('SIGTERM', () => {
  server.close(() => {
    void blueox.shutdown().then(() => process.exit(0));
  });
  server.closeIdleConnections();
});

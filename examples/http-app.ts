/**
 * A plain node:http application recording one BlueOx `request` event per
 * request, with a nested `request.db` event on /items/:n.
 *
 *   make run                                 # oxd in one terminal
 *   PORT=8080 node build/examples/http-app.js
 *   curl 'http://127.0.0.1:8080/items/7?verbose=1'
 *
 * Environment: BLUEOX_HOST (oxd's collect address), PORT (0: any free
 * port), HOST (default 127.0.0.1). Prints `listening on <port>`; on SIGTERM
 * it stops accepting requests, flushes BlueOx and exits 0.
 */
import * as http from 'node:http';
import * as blueox from '../src/client';
import { wrapHttpHandler } from '../src/client/integrations/http';

type AppRequest = http.IncomingMessage & { user?: { id: string }; revision?: string };

const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));

function json(res: http.ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function handle(req: AppRequest, res: http.ServerResponse): Promise<void> {
  const user = req.headers['x-user'];
  if (typeof user === 'string') req.user = { id: user };
  req.revision = 'abc123';
  const url = new URL(req.url ?? '/', 'http://localhost');
  const item = /^\/items\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && url.pathname === '/hello') {
    await pause();
    const name = url.searchParams.get('name') ?? 'world';
    blueox.set('greeting', `hello ${name}`);
    json(res, { id: blueox.current()?.id ?? null, hello: name });
  } else if (req.method === 'GET' && item) {
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
    json(res, { id: blueox.current()?.id ?? null, ...row });
  } else if (req.method === 'POST' && item) {
    blueox.set('marker', item[1]);
    blueox.set('posted', await readJson(req));
    json(res, { id: blueox.current()?.id ?? null, n: item[1] });
  } else if (req.method === 'GET' && url.pathname === '/stream') {
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    for (const chunk of ['chunk-1\n', 'chünk-2\n']) {
      res.write(chunk);
      await pause();
    }
    res.end('chunk-3\n');
  } else if (url.pathname === '/boom') {
    throw new Error('boom from http');
  } else if (url.pathname === '/boom-async') {
    await pause();
    throw new Error('async boom from http');
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
  }
}

blueox.defaultConfigure();

const server = http.createServer(wrapHttpHandler(handle, { version: '1.0.0' }));
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening on ${typeof address === 'object' && address ? address.port : address}\n`);
});

process.once('SIGTERM', () => {
  server.close(() => {
    void blueox.shutdown().then(() => process.exit(0));
  });
  server.closeIdleConnections();
});

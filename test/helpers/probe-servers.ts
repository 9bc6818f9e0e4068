/**
 * The servers oxpoke's probes are pointed at in the tests, each on an
 * ephemeral loopback port and closed with all its connections when the test
 * ends: an HTTP service with an endpoint per situation (a JSON answer, a slow
 * one, one that resets, large bodies, redirect chains and a loop), an HTTPS
 * server, and a line-based TCP service.
 */
import { ExecutionContext } from 'ava';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type * as tls from 'node:tls';

/** Listens on an ephemeral loopback port, closed (with every connection) when the test ends; the port. */
export async function listen(t: ExecutionContext, server: net.Server): Promise<number> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    // A probe that gives up resets connections: nothing to report on the server's side.
    s.on('error', () => undefined);
  });
  t.teardown(() => {
    server.close();
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

export interface App {
  base: string;
  port: number;
  /** Settles when /stream's answer closed: with whether it had been written to the end. */
  streamClosed: Promise<{ finished: boolean; written: number }>;
}

/** The HTTP service the probes are pointed at; `url` is `http://127.0.0.1:port`. */
export async function startApp(t: ExecutionContext): Promise<App> {
  const timers = new Set<NodeJS.Timeout>();
  t.teardown(() => timers.forEach(clearTimeout));
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => (timers.delete(timer), fn()), ms);
    timers.add(timer);
  };
  let streamClosed!: (v: { finished: boolean; written: number }) => void;
  const app: App = { base: '', port: 0, streamClosed: new Promise((resolve) => (streamClosed = resolve)) };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const redirect = (status: number, location: string) => {
      res.writeHead(status, { location });
      res.end(`see ${location}`);
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const p = url.pathname;
      let m: RegExpExecArray | null;
      if (p === '/add') {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.setHeader('x-multi', ['one', 'two']);
        json(200, { result: Number(url.searchParams.get('a')) + Number(url.searchParams.get('b')) });
      } else if (p === '/echo') {
        json(200, { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      } else if (p === '/fail') {
        json(500, { error: 'down' });
      } else if (p === '/slow') {
        later(30_000, () => json(200, { late: true }));
      } else if (p === '/stall-body') {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('x'.repeat(100));
      } else if (p === '/reset-head') {
        req.socket.destroy();
      } else if (p === '/reset-body') {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('x'.repeat(100), () => req.socket.destroy());
      } else if ((m = /^\/bytes\/(\d+)$/.exec(p))) {
        res.writeHead(200, { 'content-length': m[1] });
        res.end(Buffer.alloc(Number(m[1]), 'b'));
      } else if (p === '/stream') {
        // No content-length: the probe only learns the size by reading. Stops by itself after 64 MiB.
        const chunk = Buffer.alloc(64 * 1024, 's');
        let written = 0;
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.on('close', () => streamClosed({ finished: res.writableFinished, written }));
        const more = () => {
          while (written < 64 << 20 && !res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        more();
      } else if ((m = /^\/r\/(\d+)$/.exec(p))) {
        const n = Number(m[1]);
        if (n === 0) res.end('arrived');
        else redirect(301, `/r/${n - 1}`);
      } else if (p === '/loop/a') {
        redirect(302, 'b');
      } else if (p === '/loop/b') {
        redirect(302, '/loop/a');
      } else if (p === '/see-other') {
        redirect(303, '/echo');
      } else if (p === '/elsewhere') {
        // The same server under another name: another origin.
        redirect(307, `http://localhost:${app.port}/echo`);
      } else if (p === '/slow-redirect') {
        later(200, () => redirect(302, '/add?a=1&b=1'));
      } else if (p === '/to-ftp') {
        redirect(302, 'ftp://127.0.0.1/file');
      } else {
        json(404, { error: 'no such path' });
      }
    });
  });
  app.port = await listen(t, server);
  app.base = `http://127.0.0.1:${app.port}`;
  return app;
}

export async function startHttps(t: ExecutionContext, options: https.ServerOptions): Promise<number> {
  const server = https.createServer(options, (req, res) => {
    const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ result: 4, client: peer?.subject?.CN ?? null }));
  });
  // A client that gives up on our certificate makes the server's handshake fail: expected here.
  server.on('tlsClientError', () => undefined);
  return listen(t, server);
}


/** A line service: PING -> +PONG (stays open), QUIT -> +BYE and closes, BIG -> a megabyte, RESET -> a reset, SILENT -> nothing. */
export async function startTcp(t: ExecutionContext): Promise<number> {
  const server = net.createServer((s) => {
    let buffered = '';
    s.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === 'PING') s.write('+PONG\r\n');
        else if (line === 'QUIT') s.end('+BYE\r\n');
        else if (line === 'BIG') s.write(Buffer.alloc(1 << 20, 'B'));
        else if (line === 'RESET') s.resetAndDestroy();
      }
    });
  });
  return listen(t, server);
}

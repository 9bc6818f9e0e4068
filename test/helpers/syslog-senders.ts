/**
 * Raw senders for oxd's syslog port: TCP connections written with
 * back-pressure (whole, or in random pieces), TLS clients that try a
 * handshake on it, and UDP datagrams sent in paced batches. Tests and the
 * fuzz use them to say exactly what they sent.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';

/** An open TCP connection; errors (a refusal, a reset) are left to `closed` and the test's own checks. */
export async function connectTcp(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  const s = net.connect(port, host);
  s.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  return s;
}

/** Resolves once the socket is closed, by either side. */
export function closed(s: net.Socket): Promise<void> {
  return new Promise((resolve) => (s.closed ? resolve() : s.once('close', () => resolve())));
}

/** Writes with back-pressure: resolves once the socket has taken everything (rejects if it closes first). */
export async function write(s: net.Socket, data: Buffer | string): Promise<void> {
  if (s.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const onClose = (): void => reject(new Error('the connection closed while writing'));
    s.once('close', onClose);
    s.once('drain', () => {
      s.off('close', onClose);
      resolve();
    });
  });
}

/** Writes `bytes` in pieces of random size (now and then a few bytes), letting the event loop run between them. */
export async function writeInPieces(s: net.Socket, bytes: Buffer, rand: () => number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(rand() * (rand() < 0.05 ? 8 : 16384));
    await write(s, bytes.subarray(at, at + n));
    at += n;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * A TLS client on `port`: resolves when the connection is gone, with whether
 * a handshake completed (it must not on a plain port).
 */
export function tlsAttempt(port: number, host = '127.0.0.1'): Promise<{ secure: boolean; error: Error | null }> {
  const client = tls.connect({ port, host, rejectUnauthorized: false, servername: 'localhost' });
  let secure = false;
  let error: Error | null = null;
  client.on('secureConnect', () => (secure = true));
  client.on('error', (err) => (error = err));
  return new Promise((resolve) => client.once('close', () => resolve({ secure, error })));
}

/**
 * Sends datagrams in batches of `batch`, waiting for each batch to be handed
 * to the kernel before the next: paced by this process's event loop, not by
 * timers. Resolves with how many the kernel took (a send error is not a
 * datagram sent).
 */
export async function sendDatagrams(socket: dgram.Socket, port: number, host: string, datagrams: Buffer[], batch = 50): Promise<number> {
  let sent = 0;
  for (let i = 0; i < datagrams.length; i += batch) {
    const part = datagrams.slice(i, i + batch);
    const results = await Promise.all(part.map((d) => new Promise<boolean>((resolve) => socket.send(d, port, host, (err) => resolve(!err)))));
    sent += results.filter(Boolean).length;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return sent;
}

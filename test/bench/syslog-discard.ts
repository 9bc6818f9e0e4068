/**
 * The syslog benchmark's baseline receiver, its own node process: accepts
 * TCP connections on a loopback port and throws away what they send, so the
 * generator's rate against it is the ceiling of what this generator can
 * measure on this machine.
 *
 *   node syslog-discard.js
 * stdout (JSON lines): listening (port), closed (bytes, connections) each time every open connection has ended
 */
import * as net from 'node:net';

let bytes = 0;
let open = 0;
let connections = 0;

const report = (kind: string, extra: object = {}): void => {
  process.stdout.write(JSON.stringify({ kind, ...extra }) + '\n');
};

const server = net.createServer((socket) => {
  open++;
  connections++;
  socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
  socket.on('error', () => undefined);
  socket.once('close', () => {
    if (--open === 0) {
      report('closed', { bytes, connections });
      bytes = 0;
      connections = 0;
    }
  });
});
server.listen(0, '127.0.0.1', () => report('listening', { port: (server.address() as net.AddressInfo).port }));
process.on('SIGTERM', () => process.exit(0));

/**
 * A benchmark sender, run as its own node process: one raw ZMTP PUSH
 * connection (the project's handshake over `net`), a pre-built Buffer of K
 * encoded events written again and again with backpressure respected.
 *
 *   node sender.js --addr HOST:PORT [--batch K] [--host NAME]
 * stdin (JSON lines):  {"cmd":"send","n":N}   {"cmd":"exit"}
 * stdout (JSON lines): ready, started (wall-clock ms of the first write), sent
 */
import * as readline from 'node:readline';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { buildPayload } from './payload';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`sender: --${name} is required`);
  return fallback;
}

const report = (kind: string, extra: object = {}): void => {
  process.stdout.write(JSON.stringify({ kind, ...extra }) + '\n');
};
const wallMs = (): number => performance.timeOrigin + performance.now();

async function sendN(peer: ZmtpPeer, chunk: Buffer, perMessage: number, n: number): Promise<void> {
  const socket = peer.socket;
  const batch = chunk.length / perMessage;
  let left = n;
  report('started', { t: wallMs() });
  while (left > 0) {
    const k = Math.min(batch, left);
    left -= k;
    const bytes = k === batch ? chunk : chunk.subarray(0, k * perMessage);
    if (left === 0) {
      await new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
    } else if (!socket.write(bytes)) {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => reject(new Error('connection closed while sending'));
        socket.once('close', onClose);
        socket.once('drain', () => (socket.off('close', onClose), resolve()));
      });
    }
  }
  report('sent', { n, t: wallMs() });
}

async function main(): Promise<void> {
  const addr = arg('addr');
  const payload = buildPayload(Number(arg('batch', '1024')), arg('host', `bench-${process.pid}`));
  const perMessage = payload.bytes.length / payload.messages;
  if (!Number.isInteger(perMessage)) throw new Error('payload messages are not all the same size');
  const peer = await ZmtpPeer.connect(addr);
  peer.socket.setNoDelay(true);
  peer.socket.on('close', () => process.exit(0));
  report('ready', { bytesPerMessage: perMessage, bodySize: payload.bodySize, batch: payload.messages });

  let busy: Promise<void> = Promise.resolve();
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const msg = JSON.parse(line);
    if (msg.cmd === 'send') {
      busy = busy.then(() => sendN(peer, payload.bytes, perMessage, msg.n));
      busy.catch((err) => {
        process.stderr.write(`sender: ${err.stack ?? err}\n`);
        process.exit(1);
      });
    } else if (msg.cmd === 'exit') {
      peer.destroy();
      process.exit(0);
    }
  });
  lines.on('close', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`sender: ${err.stack ?? err}\n`);
  process.exit(1);
});

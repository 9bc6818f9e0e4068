/**
 * One TCP connection of the syslog benchmark's generator, run as its own
 * node process: builds its share of the message set, framed, before the
 * clock starts, connects, and on "go" writes it in 1 MiB slices of the one
 * buffer (no copies), backpressure respected, then closes the connection.
 *
 *   node syslog-tcp-sender.js PORT FRAMING FIRST COUNT STAMP_MS
 * stdin (JSON lines):  {"cmd":"go"}
 * stdout (JSON lines): ready (bytes), sent (seconds from go to the last byte handed to the kernel, CPU seconds)
 */
import * as net from 'node:net';
import * as readline from 'node:readline';
import { Framing, framedMessages, stampsFor } from './syslog-messages';

const SLICE = 1024 * 1024;

const report = (kind: string, extra: object = {}): void => {
  process.stdout.write(JSON.stringify({ kind, ...extra }) + '\n');
};

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function writeAll(socket: net.Socket, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length; at += SLICE) {
    const slice = bytes.subarray(at, Math.min(at + SLICE, bytes.length));
    if (!socket.write(slice)) {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => reject(new Error('the receiver closed the connection while sending'));
        socket.once('close', onClose);
        socket.once('drain', () => (socket.off('close', onClose), resolve()));
      });
    }
  }
  // 'finish': every byte is with the kernel and the FIN is queued behind them.
  await new Promise<void>((resolve) => socket.end(resolve));
}

async function main(): Promise<void> {
  const [port, framing, first, count, stampMs] = process.argv.slice(2);
  const bytes = framedMessages(Number(first), Number(count), framing as Framing, stampsFor(Number(stampMs)));
  const socket = await connect(Number(port));
  socket.on('error', (err) => {
    process.stderr.write(`syslog sender: ${err.message}\n`);
    process.exit(1);
  });
  report('ready', { bytes: bytes.length });
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (JSON.parse(line).cmd !== 'go') return;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    writeAll(socket, bytes).then(
      () => {
        const cpu = process.cpuUsage(cpu0);
        report('sent', { seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
      },
      (err) => {
        process.stderr.write(`syslog sender: ${err.stack ?? err}\n`);
        process.exit(1);
      },
    );
  });
  lines.on('close', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`syslog sender: ${err.stack ?? err}\n`);
  process.exit(1);
});

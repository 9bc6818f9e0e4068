/**
 * Baseline B2: a bare zeromq.js (libzmq) PULL socket that counts and discards
 * every message in a `for await` loop. Runs as its own process, bound to
 * 127.0.0.1:0. Same stdin/stdout protocol as collect-discard.ts.
 */
import * as readline from 'node:readline';
import * as zmq from 'zeromq';

async function main(): Promise<void> {
  const sock = new zmq.Pull({ linger: 0 });
  await sock.bind('tcp://127.0.0.1:0');
  const port = Number(/:(\d+)$/.exec(sock.lastEndpoint ?? '')?.[1]);
  if (!port) throw new Error(`cannot read the bound port from ${sock.lastEndpoint}`);
  let messages = 0;
  let frames = 0;
  const out = (o: object): boolean => process.stdout.write(JSON.stringify(o) + '\n');
  out({ kind: 'ready', port, pid: process.pid });

  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const msg = JSON.parse(line);
    if (msg.cmd === 'count') out({ kind: 'count', done: messages, received: messages, frames });
    else if (msg.cmd === 'exit') process.exit(0);
  });
  lines.on('close', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));

  for await (const msg of sock) {
    messages++;
    frames += msg.length;
  }
}

main().catch((err) => {
  process.stderr.write(`zmq-pull-discard: ${err.stack ?? err}\n`);
  process.exit(1);
});

/**
 * A carbon line receiver for the statsd benchmark, as a child process: it
 * counts the lines of each timestamp and keeps nothing, so a flush of
 * hundreds of thousands of lines costs the benchmark's own event loop (which
 * times STATUS round trips) nothing. Speaks JSON lines on stdout:
 *   {"kind":"ready","port":N}
 *   {"kind":"interval","ts":T,"lines":N}   once a later timestamp arrives
 */
import * as net from 'node:net';

const say = (o: object): boolean => process.stdout.write(JSON.stringify(o) + '\n');

let currentTs = -1;
let count = 0;

/** The timestamp of a line `name value ts`: the digits after the last space. */
function lineTs(text: string, start: number, end: number): number {
  let sp = end - 1;
  while (sp > start && text.charCodeAt(sp) !== 0x20) sp--;
  return Number(text.slice(sp + 1, end));
}

function take(ts: number): void {
  if (ts !== currentTs) {
    if (currentTs >= 0 && count > 0) say({ kind: 'interval', ts: currentTs, lines: count });
    currentTs = ts;
    count = 0;
  }
  count++;
}

const server = net.createServer((socket) => {
  let partial = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    const text = partial + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl > start) take(lineTs(text, start, nl));
      start = nl + 1;
    }
    partial = text.slice(start);
  });
  socket.on('error', () => undefined);
});

server.listen(0, '127.0.0.1', () => say({ kind: 'ready', port: (server.address() as net.AddressInfo).port }));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

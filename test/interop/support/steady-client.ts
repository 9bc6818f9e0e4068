/**
 * A Node.js application sending through the blueox client library at a steady
 * rate, for the restart-under-load test: `node steady-client.js ADDRESS
 * SENDER RATE`. Each event is a `restart_load` context whose body carries
 * {sender, seq}. Stops when its standard input closes, shuts the client
 * down (which flushes its queue) and prints its counters as JSON.
 */
import * as blueox from '../../../src/client';

const [address, senderArg, rateArg] = process.argv.slice(2);
const sender = Number(senderArg);
const rate = Number(rateArg);
blueox.configure({ host: address, queueLimit: 1_000_000, lingerMs: 60_000 });

let seq = 0;
const started = Date.now();
const timer = setInterval(() => {
  const due = Math.floor(((Date.now() - started) * rate) / 1000) + 1;
  while (seq < due) {
    blueox.context('restart_load', () => {
      blueox.set('sender', sender);
      blueox.set('seq', seq);
    });
    seq++;
  }
}, 5);

process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(timer);
  void blueox.shutdown().then(() => {
    process.stdout.write(`${JSON.stringify({ ...blueox.stats(), sender, handed: blueox.stats().sent, sent: seq })}\n`);
  });
});

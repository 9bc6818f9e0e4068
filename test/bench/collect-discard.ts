/**
 * Baseline B1: oxd's own collect reader (CollectSource + Router from
 * build/src) with no sinks at all, so every event is parsed, validated,
 * counted and discarded. Runs as its own process, listening on 127.0.0.1:0.
 *
 * stdout: {"kind":"ready","port":P}; then one {"kind":"count",...} line per
 * {"cmd":"count"} line on stdin. Exits on {"cmd":"exit"}, SIGTERM or EOF.
 */
import * as readline from 'node:readline';
import { Logger } from '../../src/daemon/log';
import { RateLimitedLog } from '../../src/daemon/rate-limit';
import { Router } from '../../src/daemon/router';
import { CollectSource } from '../../src/daemon/sources/collect';
import { Stats } from '../../src/daemon/stats';

async function main(): Promise<void> {
  const log = new Logger(0, false);
  const warn = new RateLimitedLog(log);
  const stats = new Stats();
  const router = new Router(stats, [], warn);
  const source = new CollectSource(
    { endpoint: { host: '127.0.0.1', port: 0 } },
    router,
    { maxEventSize: 1024 * 1024, handshakeTimeoutMs: 10_000, maxConnections: 4096 },
    warn,
  );
  const bound = await source.start();
  const out = (o: object): boolean => process.stdout.write(JSON.stringify(o) + '\n');
  out({ kind: 'ready', port: bound.port, pid: process.pid });

  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const msg = JSON.parse(line);
    if (msg.cmd === 'count') {
      const t = stats.totals;
      out({ kind: 'count', done: t.received, received: t.received, invalid: t.invalid });
    } else if (msg.cmd === 'exit') {
      process.exit(0);
    }
  });
  lines.on('close', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err) => {
  process.stderr.write(`collect-discard: ${err.stack ?? err}\n`);
  process.exit(1);
});

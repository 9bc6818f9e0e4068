/**
 * One scenario of the client benchmark in a process of its own, so that
 * nothing else (JIT state, heap, sockets) of another scenario disturbs it.
 *
 *   node client-child.js SCENARIO '{"events":N,"batch":K,...}'
 * stdout (JSON lines): ready (set up and warmed up: `warmup` events run and
 * drained), done (the figures), both with a `kind`.
 * stdin (JSON lines):  {"cmd":"go"} starts the timed window, {"cmd":"exit"}.
 *
 * The timed window: events in batches of K with `await new Promise(setImmediate)`
 * between batches (so a transport flushing once per turn writes, on this same
 * thread), then the scenario's settle (blueox: stats() all sent, queue empty;
 * pino: destination flushed). Wall time and main-thread CPU cover all of it.
 */
import * as readline from 'node:readline';
import type { ScenarioKey } from './client-options';
import { noopFigures } from './client-noop';
import { prepare, Prepared, ScenarioOptions } from './client-scenarios';
import { mainThreadCpu, threadSeconds } from './client-thread-cpu';

const out = (o: object): boolean => process.stdout.write(JSON.stringify(o) + '\n');
const wallMs = (): number => performance.timeOrigin + performance.now();

export interface Timing {
  events: number;
  /** Wall-clock ms (epoch) of the first event, for the parent's delivery time. */
  startWallMs: number;
  wallSec: number;
  /** Until the last batch ran, before the settle. */
  loopSec: number;
  mainCpuSec: number;
  mainSchedSec: number | null;
  /** process.cpuUsage(): every thread (libuv's pool, libzmq's I/O thread). */
  processCpuSec: number;
}

async function timed(p: Prepared, from: number, n: number, batch: number): Promise<Timing> {
  const c0 = mainThreadCpu();
  const u0 = process.cpuUsage();
  const startWallMs = wallMs();
  const t0 = process.hrtime.bigint();
  const to = from + n;
  for (let i = from; i < to; i += batch) {
    const pending = p.runBatch(i, Math.min(to, i + batch));
    if (pending) await pending;
    await new Promise(setImmediate);
  }
  const tLoop = process.hrtime.bigint();
  await p.settle(to);
  const t1 = process.hrtime.bigint();
  const u = process.cpuUsage(u0);
  const c = threadSeconds(c0, mainThreadCpu());
  return {
    events: n,
    startWallMs,
    wallSec: Number(t1 - t0) / 1e9,
    loopSec: Number(tLoop - t0) / 1e9,
    mainCpuSec: c.ticks,
    mainSchedSec: c.sched,
    processCpuSec: (u.user + u.system) / 1e6,
  };
}

/** The next command line of each name, in order. */
function commands(): (cmd: string) => Promise<void> {
  const seen: string[] = [];
  const waiting = new Map<string, () => void>();
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const cmd = String(JSON.parse(line).cmd);
    const w = waiting.get(cmd);
    if (w) {
      waiting.delete(cmd);
      w();
    } else seen.push(cmd);
  });
  lines.on('close', () => process.exit(0));
  return (cmd) => {
    const i = seen.indexOf(cmd);
    if (i >= 0) {
      seen.splice(i, 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.set(cmd, resolve));
  };
}

async function main(): Promise<void> {
  const key = process.argv[2] as ScenarioKey;
  const o = JSON.parse(process.argv[3] ?? '{}') as ScenarioOptions;
  const next = commands();
  process.on('SIGTERM', () => process.exit(0));

  if (key === 'unconfigured') {
    out({ kind: 'ready', warmup: 0 });
    await next('go');
    out({ kind: 'done', noop: noopFigures(o.iterations) });
    await next('exit');
    process.exit(0);
  }

  const p = await prepare(key, o);
  if (o.warmup > 0) await timed(p, 0, o.warmup, o.batch);
  out({ kind: 'ready', warmup: o.warmup });
  await next('go');
  const timing = await timed(p, o.warmup, o.events, o.batch);
  const check = await p.check(o.warmup + o.events);
  out({ kind: 'done', timing, check, heapUsedBytes: process.memoryUsage().heapUsed });
  await next('exit');
  await p.close();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`client-child ${process.argv[2]}: ${err?.stack ?? err}\n`);
  process.exit(1);
});

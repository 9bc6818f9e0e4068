/**
 * The statsd benchmark (figures, not pass/fail): oxd's statsd source beside
 * etsy statsd (npm), and beside oxd given statsd's smaller receive buffer
 * (`oxd-rb`), all fed by the same UDP generator in its own process
 * (statsd_udp_generator.py), in two shapes, single-metric datagrams and
 * ~1,400-byte datagrams of 40 metrics, at rising rates until a receiver
 * loses datagrams; then the flush of 100,000 names: the event-loop time it
 * takes in-process, oxd's RSS holding them, and STATUS round trips while oxd
 * writes them to carbon every 2 s. Prints tables; writes JSON to
 * bench-results/statsd.json.
 *
 *   node build/test/bench/statsd-run.js [--seconds S] [--shapes single,multi]
 *        [--receivers statsd,oxd,oxd-rb] [--no-flush] [--status-seconds S]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OXD_BUNDLE, REPO } from '../helpers/oxd-process';
import { runBenchmark, stopChildrenOnSignal } from './line-child';
import { busyProcesses, clkTck } from './proc-stats';
import { inProcessFlush, OxdFlushLoad, oxdFlushLoad } from './statsd-flush';
import { NAMES, runLadder, runStep, Shape, Step } from './statsd-ladder';
import { ReceiverName, startReceiver, StatsdReceiver } from './statsd-receivers';
import { formatGoals } from './report-table';
import { formatFlush, formatSteps, goals, summarise } from './statsd-report';

/** The receiver running now, for Ctrl-C. */
let current: StatsdReceiver | null = null;

const log = (text: string): boolean => process.stderr.write(`[statsd-bench] ${text}\n`);

/** Datagrams a second, rising by about 1.4 each step. */
const RATES: Record<Shape, number[]> = {
  single: [3_125, 6_250, 12_500, 25_000, 35_000, 50_000, 70_000, 100_000, 140_000, 200_000, 280_000, 400_000],
  multi: [156, 312, 625, 1_250, 2_500, 3_500, 5_000, 7_000, 10_000, 14_000, 20_000, 28_000, 40_000, 56_000, 80_000],
};

/** Far above what either receiver takes (the generator's own limit, for single-metric datagrams). */
const OVERLOAD: Record<Shape, number> = { single: 400_000, multi: 80_000 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (!fs.existsSync(OXD_BUNDLE)) throw new Error(`${OXD_BUNDLE} is missing: run make build first`);
  const seconds = Number(arg('--seconds') ?? 3);
  const statusSeconds = Number(arg('--status-seconds') ?? 10);
  const shapes = (arg('--shapes') ?? 'single,multi').split(',').filter((s) => s !== '') as Shape[];
  const receivers = (arg('--receivers') ?? 'statsd,oxd,oxd-rb').split(',') as ReceiverName[];
  // oxd is killed by its helper on exit; statsd by its pid here.
  stopChildrenOnSignal(log, () => current !== null && process.kill(current.pid, 'SIGKILL'));

  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, kernel: os.release(), clkTck: clkTck(), loadavgBefore: os.loadavg() };
  const busy = await busyProcesses();
  process.stdout.write(
    `statsd benchmark: ${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, load average before ${machine.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}\n` +
      `one generator process (python3, ${NAMES} names: 70 % counters, 20 % timers, 10 % gauges), ${seconds} s a step, flush interval 1 s, both receivers write to carbon\n` +
      busy.map((b) => `WARNING: busy before the start, not ours: pid ${b.pid} at ${Math.round(b.share * 100)}% of a core: ${b.command}\n`).join('') +
      '\n',
  );

  const steps: Step[] = [];
  const receiveBuffers: Record<string, number | null> = {};
  for (const shape of shapes) {
    for (const name of receivers) {
      const rcv = await startReceiver(name);
      current = rcv;
      try {
        receiveBuffers[name] = rcv.receiveBuffer();
        log(`${name} on UDP ${rcv.port} (receive buffer ${receiveBuffers[name]} bytes), ${shape}-metric datagrams`);
        steps.push(...(await runLadder(rcv, shape, RATES[shape], seconds, log)));
        const over = await runStep(rcv, shape, OVERLOAD[shape], seconds, true);
        log(`${name} ${shape} overloaded at ${Math.round(over.sentRate)}/s: takes ${Math.round(over.metricsPerSec)} metrics/s at ${Math.round((over.cpuSeconds / (over.seconds + over.drainSeconds)) * 100)} % CPU`);
        steps.push(over);
      } finally {
        await rcv.stop();
        current = null;
      }
    }
  }
  process.stdout.write(formatSteps(steps) + '\n');
  process.stdout.write(`receive buffers (ss rb): ${Object.entries(receiveBuffers).map(([k, v]) => `${k} ${v}`).join(', ')} bytes\n`);
  process.stdout.write(
    'lossless is strict: one datagram dropped ends a ladder. A receiver that is not scheduled for longer than its receive\n' +
      'buffer lasts at that rate loses datagrams at any CPU load, so on a shared machine the small buffer measures stalls;\n' +
      'CPU per metric (at one rate for all) measures work.\n\n',
  );
  const summaries = shapes.map((s) => summarise(s, steps));

  log(`timing a flush of 100,000 names in-process`);
  const flush = inProcessFlush();
  let load: OxdFlushLoad | null = null;
  if (!process.argv.includes('--no-flush')) load = await oxdFlushLoad(statusSeconds, log);
  process.stdout.write(formatFlush(flush, load) + '\n\n');
  const gs = goals(summaries, flush, load);
  process.stdout.write(formatGoals(gs) + '\n\n');

  const out = path.join(REPO, 'bench-results', 'statsd.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ benchmark: 'statsd', date: new Date().toISOString(), machine, busyBefore: busy, seconds, receiveBuffers, steps, summaries, flush, load, goals: gs }, null, 2) + '\n');
  log(`figures written to ${path.relative(REPO, out)}`);
}

runBenchmark('statsd bench', main);

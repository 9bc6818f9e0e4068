/**
 * The statsd flush with 100,000 names, two ways:
 *
 * - in-process: a StatsdAggregator holding 100,000 names (70 % counters,
 *   20 % timers of 5 samples, 10 % gauges) closed and written as oxd writes
 *   a window (merge, carry-over, Graphite lines in chunks): all the work, and
 *   the longest stretch the event loop is held when it is sliced as oxd
 *   slices it;
 * - in oxd: the generator keeps 100,000 names coming (each about 1.5 times
 *   an interval of 2 s) while oxd writes every interval to carbon (a child that
 *   counts lines); oxd's RSS with the names held, and the round trips of a
 *   control client asking STATUS back to back for several intervals.
 */
import * as path from 'node:path';
import { MetricKind, StatsdAggregator } from '../../src/protocol/statsd/aggregator';
import { DEFAULT_NAMING, graphiteLineChunks } from '../../src/protocol/statsd/graphite-names';
import { MergedWindow, NameMemory } from '../../src/protocol/statsd/interval-merge';
import { SLICE_MS } from '../../src/daemon/slicer';
import { REPO, startOxd } from '../helpers/oxd-process';
import { LineChild } from './line-child';
import { statusBytes } from './proc-stats';

export const FLUSH_NAMES = 100_000;

export interface InProcessFlush {
  names: number;
  rounds: number;
  /** Per round, ms: all the work of writing one window (close, merge, carry-over, Graphite lines), unsliced. */
  totalMs: number[];
  /** Per round, ms: the longest run without a turn for the event loop when sliced as oxd slices it (SLICE_MS). */
  longestSliceMs: number[];
  /** Per round, ms: the longest step between two yields of the work. */
  longestStepMs: number[];
  slices: number;
  lines: number;
}

function fill(agg: StatsdAggregator, names: number): void {
  for (let i = 0; i < names; i++) {
    const kind = i % 10;
    if (kind < 7) agg.counter(`bench.frontend.requests_${i}`, 1 + (i % 5), 1);
    else if (kind < 9) for (let k = 0; k < 5; k++) agg.timer(`bench.frontend.latency_ms_${i}`, (i + k * 7) % 97, 1);
    else agg.gauge(`bench.frontend.queue_depth_${i}`, i % 50, false);
  }
}

/** The steps of writing one window, in the order oxd takes them (metrics-output.ts), each yielding now and then. */
function* windowWork(agg: StatsdAggregator, memory: NameMemory, lines: string[]): Generator<void, void, void> {
  const window = new MergedWindow(1_700_000_000_000, 200_000, 10_000);
  window.addLocal(agg.flush(), 'bench');
  yield* window.merge();
  yield* memory.carry(window.data);
  const figures = { intervalMs: 1000, timestamp: 1_700_000_000, percentThresholds: [90], histogram: [], processingMs: 0, writer: [] };
  for (const chunk of graphiteLineChunks(window.data, DEFAULT_NAMING, figures)) {
    for (const l of chunk) lines.push(l);
    yield;
  }
}

export function inProcessFlush(names = FLUSH_NAMES, rounds = 5): InProcessFlush {
  const r: InProcessFlush = { names, rounds, totalMs: [], longestSliceMs: [], longestStepMs: [], slices: 0, lines: 0 };
  for (let round = 0; round < rounds; round++) {
    const agg = new StatsdAggregator({ maxNames: 200_000, maxTimerSamples: 10_000, deleteIdle: new Set<MetricKind>(), prefixStats: 'statsd' });
    fill(agg, names);
    const lines: string[] = [];
    const work = windowWork(agg, new NameMemory(new Set(), 200_000), lines);
    // As runSliced does it, without the pauses: steps until SLICE_MS has passed make one slice.
    let total = 0;
    let longestSlice = 0;
    let longestStep = 0;
    let slices = 0;
    let sliceStart = performance.now();
    for (;;) {
      const t0 = performance.now();
      const done = work.next().done;
      const t1 = performance.now();
      total += t1 - t0;
      longestStep = Math.max(longestStep, t1 - t0);
      if (done || t1 - sliceStart >= SLICE_MS) {
        longestSlice = Math.max(longestSlice, t1 - sliceStart);
        slices++;
        sliceStart = performance.now();
      }
      if (done) break;
    }
    r.totalMs.push(total);
    r.longestSliceMs.push(longestSlice);
    r.longestStepMs.push(longestStep);
    r.slices = slices;
    r.lines = lines.length;
  }
  return r;
}

export interface OxdFlushLoad {
  names: number;
  rssBeforeBytes: number | null;
  rssWithNamesBytes: number | null;
  peakRssBytes: number | null;
  statusRequests: number;
  statusMs: { p50: number; p99: number; max: number };
  /**
   * The same with the requests a client asking every EVERY_MS would have
   * sent during each slow answer (back-to-back requests sample a stall once,
   * however long it is).
   */
  statusEveryMs: { everyMs: number; samples: number; p50: number; p99: number; over50ms: number };
  /** Intervals written to carbon while STATUS was asked, with their line counts. */
  intervals: Array<{ ts: number; lines: number }>;
  seconds: number;
  /** Datagrams taken and dropped by the kernel while STATUS was asked (the generator sends 1,875 a second). */
  packetsTaken: number;
  kernelDrops: number;
}

/** oxd's interval while it holds the names: each flush is a full one, with time between them for the rest. */
export const LOAD_FLUSH_MS = 2000;

/** The pace of the client the corrected STATUS figures stand for. */
const EVERY_MS = 10;

const GENERATOR = path.join(REPO, 'test', 'bench', 'statsd_udp_generator.py');

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function oxdFlushLoad(seconds: number, log: (s: string) => void): Promise<OxdFlushLoad> {
  const carbon = new LineChild('carbon counter', process.execPath, [path.join(__dirname, 'carbon-count.js')]);
  let gen: LineChild | null = null;
  const oxd = await startOxd({ logPath: null, args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(LOAD_FLUSH_MS), '--statsd-merge-delay', '200', '--graphite', `127.0.0.1:${(await carbon.next('ready', 10_000)).port}`, '--graphite-schemas', ''] }).catch(async (e) => {
    await carbon.stop();
    throw e;
  });
  try {
    const port = Number((await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1]);
    const rssBefore = statusBytes(oxd.pid, 'VmRSS');
    // Datagrams of 40 metrics at a pace that brings each of the names about 1.5 times an interval, so every
    // interval has them all wherever its boundary falls in the generator's cycle.
    const rate = Math.ceil((1.5 * FLUSH_NAMES) / 40 / (LOAD_FLUSH_MS / 1000));
    gen = new LineChild('statsd generator', '/usr/bin/python3', [GENERATOR, String(port), 'multi', String(rate), '0', String(FLUSH_NAMES)]);
    await oxd.waitForStatus((s) => s.statsd.names >= FLUSH_NAMES, 60_000);
    // Two whole intervals with every name, so the flush measured is a full one.
    for (let k = 0; k < 2; k++) while ((await carbon.next('interval', 30_000)).lines < FLUSH_NAMES) undefined;
    const rssWith = statusBytes(oxd.pid, 'VmRSS');
    log(`oxd holds ${FLUSH_NAMES} names: RSS ${((rssWith ?? 0) / 1048576).toFixed(0)} MB (before ${((rssBefore ?? 0) / 1048576).toFixed(0)} MB); asking STATUS for ${seconds} s`);
    const latencies: number[] = [];
    const before = (await oxd.control.request({ cmd: 'STATUS' })).statsd;
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      const t0 = performance.now();
      await oxd.control.request({ cmd: 'STATUS' }, 10_000);
      latencies.push(performance.now() - t0);
    }
    const took = (performance.now() - started) / 1000;
    const after = (await oxd.control.request({ cmd: 'STATUS' })).statsd;
    const intervals: Array<{ ts: number; lines: number }> = [];
    for (;;) {
      // What the counter reported while STATUS was asked is queued; a short wait ends the list.
      const r = await carbon.next('interval', 20).catch(() => null);
      if (r === null) break;
      intervals.push({ ts: r.ts, lines: r.lines });
    }
    latencies.sort((a, b) => a - b);
    const corrected: number[] = [];
    for (const l of latencies) for (let v = l; v > 0; v -= EVERY_MS) corrected.push(v);
    corrected.sort((a, b) => a - b);
    return {
      names: FLUSH_NAMES,
      rssBeforeBytes: rssBefore,
      rssWithNamesBytes: rssWith,
      peakRssBytes: statusBytes(oxd.pid, 'VmHWM'),
      statusRequests: latencies.length,
      statusMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? NaN },
      statusEveryMs: {
        everyMs: EVERY_MS,
        samples: corrected.length,
        p50: percentile(corrected, 50),
        p99: percentile(corrected, 99),
        over50ms: corrected.filter((v) => v > 50).length / corrected.length,
      },
      intervals,
      seconds: took,
      packetsTaken: after.packets_received - before.packets_received,
      kernelDrops: after.udp_drops - before.udp_drops,
    };
  } finally {
    await gen?.stop();
    await oxd.stop();
    await carbon.stop();
  }
}

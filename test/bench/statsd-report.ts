/**
 * The statsd benchmark's printed tables and its goals, reported as figures
 * beside each goal rather than as pass or fail.
 */
import type { InProcessFlush, OxdFlushLoad } from './statsd-flush';
import { Shape, Step, zeroLossStep } from './statsd-ladder';
import type { ReceiverName } from './statsd-receivers';
import { Goal, int, mb, table } from './report-table';


const ms = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '-');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}


export function formatSteps(steps: Step[]): string {
  return table(
    ['receiver', 'shape', 'asked dg/s', 'sent dg/s', 'taken', 'dropped', 'metrics/s taken', 'CPU µs/metric', 'rcv CPU %', 'lossless'],
    steps.map((s) => [
      s.receiver,
      s.shape,
      int(s.targetRate),
      int(s.sentRate),
      `${int(s.packetsTaken)}/${int(s.datagrams)}`,
      int(s.kernelDrops),
      int(s.metricsPerSec),
      s.cpuMicrosPerMetric.toFixed(2),
      int((s.cpuSeconds / (s.seconds + s.drainSeconds)) * 100),
      (s.lossless ? (s.generatorLimited ? 'yes (gen. limit)' : 'yes') : s.unsettled ? 'NO (unsettled)' : 'NO') + (s.overload ? ', overload' : ''),
    ]),
  );
}

export interface ShapeSummary {
  shape: Shape;
  zeroLoss: Partial<Record<ReceiverName, Step | null>>;
  /** The ladder ended because the generator could not go faster, not because the receiver lost datagrams. */
  openEnded: Partial<Record<ReceiverName, boolean>>;
  steps: Step[];
}

export function summarise(shape: Shape, steps: Step[]): ShapeSummary {
  const s: ShapeSummary = { shape, zeroLoss: {}, openEnded: {}, steps: steps.filter((x) => x.shape === shape) };
  for (const r of ['oxd', 'oxd-rb', 'statsd'] as ReceiverName[]) {
    const mine = steps.filter((x) => x.receiver === r && x.shape === shape && !x.overload);
    if (mine.length === 0) continue;
    s.zeroLoss[r] = zeroLossStep(mine);
    const last = mine[mine.length - 1];
    s.openEnded[r] = last.lossless && last.generatorLimited;
  }
  return s;
}

export function formatFlush(f: InProcessFlush, load: OxdFlushLoad | null): string {
  const lines = [
    `in-process flush of ${int(f.names)} names (70 % counters, 20 % timers x 5 samples, 10 % gauges), ${f.rounds} rounds, ${int(f.lines)} Graphite lines:`,
    `  all the work median ${ms(median(f.totalMs))} (max ${ms(Math.max(...f.totalMs))}); sliced as oxd slices it: ${f.slices} slices, ` +
      `the longest ${ms(median(f.longestSliceMs))} median (max ${ms(Math.max(...f.longestSliceMs))}); longest step between yields ${ms(Math.max(...f.longestStepMs))}`,
  ];
  if (load) {
    lines.push(
      `oxd with ${int(load.names)} names flushing every 2 s to carbon: RSS ${mb(load.rssWithNamesBytes)} (${mb(load.rssBeforeBytes)} before the names, peak ${mb(load.peakRssBytes)})`,
      `  STATUS back to back for ${load.seconds.toFixed(1)} s: ${load.statusRequests} requests, p50 ${ms(load.statusMs.p50)}, p99 ${ms(load.statusMs.p99)}, max ${ms(load.statusMs.max)}`,
      `  as a client asking every ${load.statusEveryMs.everyMs} ms would see them (the requests it would have sent during each slow answer counted): ` +
        `p50 ${ms(load.statusEveryMs.p50)}, p99 ${ms(load.statusEveryMs.p99)}, ${(load.statusEveryMs.over50ms * 100).toFixed(1)} % over 50 ms`,
      `  intervals written meanwhile: ${load.intervals.map((i) => int(i.lines)).join(', ') || 'none'} lines; ` +
        `datagrams taken ${int(load.packetsTaken)}, dropped by the kernel ${int(load.kernelDrops)} (sent: 1,875 a second)`,
    );
  }
  return lines.join('\n');
}

export function goals(summaries: ShapeSummary[], flush: InProcessFlush, load: OxdFlushLoad | null): Goal[] {
  const out: Goal[] = [];
  for (const s of summaries) {
    const sd = s.zeroLoss.statsd;
    for (const r of ['oxd', 'oxd-rb'] as ReceiverName[]) {
      const ox = s.zeroLoss[r];
      if (ox === undefined || sd === undefined) continue;
      const ratio = ox && sd ? ox.metricsPerSec / sd.metricsPerSec : NaN;
      const lowerBound = s.openEnded[r] ? '>= ' : '';
      out.push({
        what: `${s.shape}-metric datagrams: ${r === 'oxd' ? 'oxd' : "oxd with statsd's buffer"} / statsd zero-loss rate`,
        measured: Number.isFinite(ratio) ? `${lowerBound}${ratio.toFixed(1)}x (${int(ox!.metricsPerSec)} / ${int(sd!.metricsPerSec)})` : `- (${ox ? int(ox.metricsPerSec) : 'none'} / ${sd ? int(sd.metricsPerSec) : 'none'})`,
        goal: '>= 3x',
        met: Number.isFinite(ratio) ? ratio >= 3 : null,
      });
    }
    const over = (r: ReceiverName): Step | undefined => s.steps.find((x) => x.receiver === r && x.overload);
    const oxOver = over('oxd');
    const sdOver = over('statsd');
    if (oxOver && sdOver) {
      const ratio = oxOver.metricsPerSec / sdOver.metricsPerSec;
      out.push({ what: `  overloaded: metrics/s taken, oxd / statsd`, measured: `${ratio.toFixed(1)}x (${int(oxOver.metricsPerSec)} / ${int(sdOver.metricsPerSec)})`, goal: '>= 3x', met: ratio >= 3 });
    }
    // Loss at these rates comes from scheduling stalls as much as from work; CPU per metric does not.
    const ox = sd ? s.steps.find((x) => x.receiver === 'oxd' && x.targetRate === sd.targetRate && !x.overload) : undefined;
    if (ox && sd) {
      const cpuRatio = sd.cpuMicrosPerMetric / ox.cpuMicrosPerMetric;
      out.push({ what: `  CPU per metric at ${int(sd.targetRate)} datagrams/s: statsd / oxd`, measured: `${cpuRatio.toFixed(1)}x (${sd.cpuMicrosPerMetric.toFixed(2)} / ${ox.cpuMicrosPerMetric.toFixed(2)} µs)`, goal: '(reported)', met: null });
    }
  }
  const multi = summaries.find((s) => s.shape === 'multi')?.zeroLoss.oxd;
  if (multi !== undefined) {
    const rate = multi?.metricsPerSec ?? NaN;
    out.push({ what: 'oxd zero-loss metrics/s, multi-metric datagrams', measured: int(rate), goal: '>= 1,000,000', met: Number.isFinite(rate) ? rate >= 1e6 : null });
    if (multi) out.push({ what: '  its CPU: metrics per core-second (1 / CPU per metric)', measured: int(1e6 / multi.cpuMicrosPerMetric), goal: '>= 1,000,000', met: 1e6 / multi.cpuMicrosPerMetric >= 1e6 });
  }
  out.push({ what: `event loop held by a flush of ${int(flush.names)} names (longest slice)`, measured: `${ms(median(flush.longestSliceMs))} (max ${ms(Math.max(...flush.longestSliceMs))})`, goal: '< 50 ms', met: Math.max(...flush.longestSliceMs) < 50 });
  out.push({ what: `  all the work of that flush, unsliced`, measured: ms(median(flush.totalMs)), goal: '(reported)', met: null });
  if (load) {
    out.push({ what: `STATUS p99 while flushing ${int(load.names)} names (back to back)`, measured: `${ms(load.statusMs.p99)} (max ${ms(load.statusMs.max)})`, goal: '< 50 ms', met: load.statusMs.p99 < 50 });
    out.push({ what: `  the same, for a client asking every ${load.statusEveryMs.everyMs} ms`, measured: ms(load.statusEveryMs.p99), goal: '< 50 ms', met: load.statusEveryMs.p99 < 50 });
  }
  return out;
}

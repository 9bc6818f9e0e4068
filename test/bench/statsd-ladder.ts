/**
 * Rising UDP rates against one statsd receiver: at each rate the generator
 * (statsd_udp_generator.py, its own process) sends for a few seconds, then
 * the step waits until the receiver has taken or the kernel has dropped
 * every datagram, by the receiver's own counters and /proc/net/udp. A step
 * is lossless when nothing was dropped. The ladder stops at the first loss,
 * or when the generator could not reach the rate asked of it (then the
 * receiver's limit is above what one generator here can send). An overload
 * step after it sends far more than the receiver can take: what it then
 * takes a second is its capacity, whatever its receive buffer.
 */
import * as path from 'node:path';
import { REPO } from '../helpers/oxd-process';
import { LineChild } from './line-child';
import { cpuSeconds } from './proc-stats';
import { ReceiverName, StatsdReceiver } from './statsd-receivers';

export type Shape = 'single' | 'multi';

export interface Step {
  receiver: ReceiverName;
  shape: Shape;
  /** Datagrams a second asked for, and reached. */
  targetRate: number;
  sentRate: number;
  datagrams: number;
  metricsSent: number;
  seconds: number;
  packetsTaken: number;
  metricsTaken: number;
  badLines: number;
  kernelDrops: number;
  lossless: boolean;
  /** Metrics taken a second over the sending window. */
  metricsPerSec: number;
  /** Receiver CPU (utime + stime) from the first datagram until all were taken or dropped. */
  cpuSeconds: number;
  cpuMicrosPerMetric: number;
  /** How long after the generator stopped the receiver's counters settled. */
  drainSeconds: number;
  /** The generator fell short of the rate (< 90 %): a limit of the generator, not the receiver. */
  generatorLimited: boolean;
  /** The counters did not add up to what was sent within the wait. */
  unsettled: boolean;
  /** Sent well above what the receiver takes, to see how much it takes when overloaded. */
  overload: boolean;
}

const GENERATOR = path.join(REPO, 'test', 'bench', 'statsd_udp_generator.py');
const SETTLE_MS = 20_000;

export const NAMES = 1000;

export async function runStep(rcv: StatsdReceiver, shape: Shape, rate: number, seconds: number, overload = false): Promise<Step> {
  const before = await rcv.counts();
  const drops0 = rcv.drops();
  const cpu0 = cpuSeconds(rcv.pid)!;
  const gen = new LineChild('statsd generator', '/usr/bin/python3', [GENERATOR, String(rcv.port), shape, String(rate), String(seconds), String(NAMES)]);
  let done;
  try {
    done = await gen.next('done', seconds * 1000 + 60_000);
  } finally {
    await gen.stop();
  }
  const stoppedAt = performance.now();
  let after = before;
  let drops = 0;
  let settled = false;
  while (performance.now() - stoppedAt < SETTLE_MS) {
    after = await rcv.counts();
    drops = rcv.drops() - drops0;
    if (after.packets - before.packets + drops >= done.datagrams) {
      settled = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const drainSeconds = (performance.now() - stoppedAt) / 1000;
  const cpu = cpuSeconds(rcv.pid)! - cpu0;
  const metricsTaken = after.metrics - before.metrics;
  return {
    receiver: rcv.name,
    shape,
    targetRate: rate,
    sentRate: done.rate,
    datagrams: done.datagrams,
    metricsSent: done.metrics,
    seconds: done.seconds,
    packetsTaken: after.packets - before.packets,
    metricsTaken,
    badLines: after.bad - before.bad,
    kernelDrops: drops,
    lossless: settled && drops === 0 && after.packets - before.packets === done.datagrams && metricsTaken === done.metrics,
    metricsPerSec: metricsTaken / done.seconds,
    cpuSeconds: cpu,
    cpuMicrosPerMetric: (cpu * 1e6) / Math.max(1, metricsTaken),
    drainSeconds,
    generatorLimited: done.rate < 0.9 * rate,
    unsettled: !settled,
    overload,
  };
}

/** Runs `rates` upwards until a step loses datagrams or the generator falls short. */
export async function runLadder(rcv: StatsdReceiver, shape: Shape, rates: number[], seconds: number, log: (s: string) => void): Promise<Step[]> {
  const steps: Step[] = [];
  for (const rate of rates) {
    const s = await runStep(rcv, shape, rate, seconds);
    steps.push(s);
    log(
      `${rcv.name} ${shape} ${rate}/s: sent ${Math.round(s.sentRate)}/s, taken ${s.packetsTaken}/${s.datagrams}, drops ${s.kernelDrops}, ` +
        `${Math.round(s.metricsPerSec)} metrics/s, ${s.cpuMicrosPerMetric.toFixed(2)} µs CPU/metric${s.generatorLimited ? ' (generator limited)' : ''}${s.unsettled ? ' (unsettled)' : ''}`,
    );
    if (!s.lossless || s.generatorLimited) break;
  }
  return steps;
}

/** The highest lossless step of the ladder. */
export function zeroLossStep(steps: Step[]): Step | null {
  const ok = steps.filter((s) => s.lossless && !s.overload);
  return ok.length > 0 ? ok[ok.length - 1] : null;
}

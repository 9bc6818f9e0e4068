/**
 * The unconfigured library, where every call must be a cheap no-op: ns per
 * call of set('a', 1), of context('request', fn) with a trivial fn, and of
 * the whole benchmark event (context + three sets), each loop M times beside
 * an empty loop measured in the same process; the median of `reps` timings
 * each. Each loop is its own function so that V8 optimises it on its own.
 */
import * as blueox from '../../src/client';
import { mainThreadCpu, threadSeconds } from './client-thread-cpu';

export type NoopKey = 'empty' | 'set' | 'context' | 'event';

export interface NoopFigures {
  iterations: number;
  reps: number;
  /** Wall ns per iteration (median of reps), loop included. */
  rawNs: Record<NoopKey, number>;
  /** rawNs minus the empty loop's. */
  netNs: Record<Exclude<NoopKey, 'empty'>, number>;
  /** Main-thread CPU ns per iteration (schedstat, else ticks), median of reps. */
  cpuNs: Record<NoopKey, number>;
  configured: boolean;
}

function loopEmpty(m: number): number {
  let i = 0;
  for (; i < m; i++) {
    // nothing: the loop's own cost
  }
  return i;
}

function loopSet(m: number): number {
  let i = 0;
  for (; i < m; i++) blueox.set('a', 1);
  return i;
}

function loopContext(m: number): number {
  let i = 0;
  for (; i < m; i++) blueox.context('request', () => undefined);
  return i;
}

function loopEvent(m: number): number {
  let i = 0;
  for (; i < m; i++) {
    blueox.context('request', () => {
      blueox.set('a', i);
      blueox.set('b.c', 'text');
      blueox.set('d', 1.5);
    });
  }
  return i;
}

const LOOPS: Record<NoopKey, (m: number) => number> = { empty: loopEmpty, set: loopSet, context: loopContext, event: loopEvent };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function noopFigures(iterations: number, reps = 5): NoopFigures {
  const keys = Object.keys(LOOPS) as NoopKey[];
  // Warm-up: every loop optimised (OSR, then a whole-function compile) before timing.
  for (let w = 0; w < 3; w++) for (const k of keys) LOOPS[k](Math.ceil(iterations / 10));
  const wall: Record<NoopKey, number[]> = { empty: [], set: [], context: [], event: [] };
  const cpu: Record<NoopKey, number[]> = { empty: [], set: [], context: [], event: [] };
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    for (const k of keys) {
      const c0 = mainThreadCpu();
      const t0 = process.hrtime.bigint();
      sink += LOOPS[k](iterations);
      const t1 = process.hrtime.bigint();
      const c = threadSeconds(c0, mainThreadCpu());
      wall[k].push(Number(t1 - t0) / iterations);
      cpu[k].push(((c.sched ?? c.ticks) * 1e9) / iterations);
    }
  }
  if (sink !== reps * keys.length * iterations) throw new Error('a loop did not run all its iterations');
  const rawNs = Object.fromEntries(keys.map((k) => [k, median(wall[k])])) as Record<NoopKey, number>;
  return {
    iterations,
    reps,
    rawNs,
    netNs: { set: rawNs.set - rawNs.empty, context: rawNs.context - rawNs.empty, event: rawNs.event - rawNs.empty },
    cpuNs: Object.fromEntries(keys.map((k) => [k, median(cpu[k])])) as Record<NoopKey, number>,
    configured: blueox.stats().configured,
  };
}

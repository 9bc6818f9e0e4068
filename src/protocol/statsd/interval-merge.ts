/**
 * One window's figures merged from every host: this oxd's own interval and
 * the `statsd.interval` parts of the oxds below it. Counters add, sets take
 * the union of their members, gauges take the value applied last, timers
 * merge exactly while their samples fit the cap and through the quantile
 * sketch beyond, so `upper_90` is the 90th percentile over all hosts.
 *
 * `NameMemory` then gives the merged window statsd's carry-over across
 * windows: a name written before and silent now is written as 0 (counters,
 * timers, sets) or with its last value (gauges), unless idle names of its
 * kind are deleted.
 */
import type { IntervalData, MetricKind } from './aggregator';
import type { IntervalPart, TimerPart } from './interval-event';
import { TimerSamples } from './timer-figures';

export class MergedWindow {
  readonly data: IntervalData = { counters: new Map(), gauges: new Map(), timers: new Map(), sets: new Map() };
  /** Hosts whose parts were merged (this oxd's own interval not included). */
  readonly hosts = new Set<string>();
  parts = 0;
  /** Names not taken because the window already held `maxNames`. */
  namesDropped = 0;

  constructor(
    readonly windowEnd: number,
    private readonly maxNames: number,
    private readonly maxTimerSamples: number,
  ) {}

  get nameCount(): number {
    const d = this.data;
    return d.counters.size + d.gauges.size + d.timers.size + d.sets.size;
  }

  private admit<T>(map: Map<string, T>, name: string): boolean {
    if (map.has(name)) return true;
    if (this.nameCount >= this.maxNames) {
      this.namesDropped++;
      return false;
    }
    return true;
  }

  addLocal(local: IntervalData): void {
    for (const [name, v] of local.counters) this.addCounter(name, v);
    for (const [name, v] of local.gauges) if (this.admit(this.data.gauges, name)) this.data.gauges.set(name, v);
    for (const [name, members] of local.sets) this.addSet(name, members);
    for (const [name, t] of local.timers) this.addTimer(name, { count: t.count, n: t.n, sum: t.sum, sumSquares: t.sumSquares, min: t.min, max: t.max, samples: t.sketch ? null : t.samples, sketch: t.sketch });
  }

  addPart(part: IntervalPart): void {
    this.parts++;
    this.hosts.add(part.host);
    for (const [name, v] of part.counters) this.addCounter(name, v);
    for (const [name, v] of part.gauges) if (this.admit(this.data.gauges, name)) this.data.gauges.set(name, v);
    for (const [name, members] of part.sets) this.addSet(name, members);
    for (const [name, t] of part.timers) this.addTimer(name, t);
  }

  private addCounter(name: string, v: number): void {
    if (this.admit(this.data.counters, name)) this.data.counters.set(name, (this.data.counters.get(name) ?? 0) + v);
  }

  private addSet(name: string, members: Iterable<string>): void {
    if (!this.admit(this.data.sets, name)) return;
    let s = this.data.sets.get(name);
    if (s === undefined) this.data.sets.set(name, (s = new Set()));
    for (const m of members) s.add(m);
  }

  private addTimer(name: string, part: TimerPart): void {
    if (!this.admit(this.data.timers, name)) return;
    let t = this.data.timers.get(name);
    if (t === undefined) this.data.timers.set(name, (t = new TimerSamples()));
    if (part.n > 0) t.merge(part, this.maxTimerSamples);
  }
}

/** The names written in earlier windows, for statsd's carry-over. */
export class NameMemory {
  private counters = new Set<string>();
  private timers = new Set<string>();
  private sets = new Set<string>();
  private gauges = new Map<string, number>();

  constructor(
    private readonly deleteIdle: ReadonlySet<MetricKind>,
    private readonly maxNames: number,
  ) {}

  /** Adds what carries over into `data`, then remembers what `data` holds. */
  carryInto(data: IntervalData): void {
    if (!this.deleteIdle.has('counters')) for (const n of this.counters) if (!data.counters.has(n)) data.counters.set(n, 0);
    if (!this.deleteIdle.has('timers')) for (const n of this.timers) if (!data.timers.has(n)) data.timers.set(n, new TimerSamples());
    if (!this.deleteIdle.has('sets')) for (const n of this.sets) if (!data.sets.has(n)) data.sets.set(n, new Set());
    if (!this.deleteIdle.has('gauges')) for (const [n, v] of this.gauges) if (!data.gauges.has(n)) data.gauges.set(n, v);
    const room = (size: number): boolean => size < this.maxNames;
    for (const n of data.counters.keys()) if (room(this.counters.size)) this.counters.add(n);
    for (const n of data.timers.keys()) if (room(this.timers.size)) this.timers.add(n);
    for (const n of data.sets.keys()) if (room(this.sets.size)) this.sets.add(n);
    for (const [n, v] of data.gauges) if (this.gauges.has(n) || room(this.gauges.size)) this.gauges.set(n, v);
  }
}

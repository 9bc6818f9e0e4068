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
  data: IntervalData = { counters: new Map(), gauges: new Map(), timers: new Map(), sets: new Map() };
  /** Hosts whose parts were taken (this oxd's own interval not included). */
  readonly hosts = new Set<string>();
  /** Names not taken because the window already held `maxNames`. */
  namesDropped = 0;
  /** Counters and timers from other oxds not merged because a total would overflow. */
  overflows = 0;
  private local: { data: IntervalData; host: string } | null = null;
  private readonly pending: IntervalPart[] = [];

  constructor(
    readonly windowEnd: number,
    private readonly maxNames: number,
    private readonly maxTimerSamples: number,
    /** Also keep each host's own series, tagged `host=NAME`. */
    private readonly perHost = false,
  ) {}

  get parts(): number {
    return this.pending.length;
  }

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

  /**
   * This oxd's own interval (`host` names it for per-host series). Taken as
   * it is, not copied: nothing else may change it from now on.
   */
  addLocal(local: IntervalData, host: string): void {
    this.local = { data: local, host };
  }

  /** A part from another oxd, merged when the window is. */
  addPart(part: IntervalPart): void {
    this.pending.push(part);
    this.hosts.add(part.host);
  }

  /** Merges everything taken, at once (tests, small windows). */
  mergeNow(): IntervalData {
    for (const _ of this.merge()) void _;
    return this.data;
  }

  /**
   * Merges this oxd's interval and every part into `data`, yielding every few
   * hundred names so that a window of 100,000 names is merged in slices.
   */
  *merge(): Generator<void, void, void> {
    if (this.local !== null) {
      const { data, host } = this.local;
      this.local = null;
      if (this.perHost) {
        const timers = new Map<string, TimerPart>();
        for (const [name, t] of data.timers) timers.set(name, { count: t.count, n: t.n, sum: t.sum, sumSquares: t.sumSquares, min: t.min, max: t.max, samples: t.sketch ? null : t.samples, sketch: t.sketch });
        yield* this.add(host, data.counters, data.gauges, data.sets, timers);
      } else {
        // The own interval comes first and becomes the window as it is, however many names it has.
        this.data = data;
      }
    }
    for (const part of this.pending.splice(0)) yield* this.add(part.host, part.counters, part.gauges, part.sets, part.timers);
  }

  private *add(
    host: string,
    counters: Map<string, number>,
    gauges: Map<string, number>,
    sets: Map<string, Iterable<string>>,
    timers: Map<string, TimerPart>,
  ): Generator<void, void, void> {
    const tag = this.perHost ? `;host=${hostTag(host)}` : '';
    let n = 0;
    for (const suffix of this.perHost ? ['', tag] : ['']) {
      for (const [k, v] of counters) {
        this.addCounter(k + suffix, v);
        if ((++n & 511) === 0) yield;
      }
      for (const [k, v] of gauges) {
        if (this.admit(this.data.gauges, k + suffix)) this.data.gauges.set(k + suffix, v);
        if ((++n & 511) === 0) yield;
      }
      for (const [k, members] of sets) {
        this.addSet(k + suffix, members);
        if ((++n & 511) === 0) yield;
      }
      for (const [k, t] of timers) {
        this.addTimer(k + suffix, t);
        if ((++n & 511) === 0) yield;
      }
    }
  }

  private addCounter(name: string, v: number): void {
    const total = (this.data.counters.get(name) ?? 0) + v;
    if (!Number.isFinite(total)) this.overflows++;
    else if (this.admit(this.data.counters, name)) this.data.counters.set(name, total);
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
    if (part.n > 0 && !t.merge(part, this.maxTimerSamples)) this.overflows++;
  }
}

/** A host name as a Graphite tag value: what carbon's tag syntax cannot hold becomes "_". */
export function hostTag(host: string): string {
  return host.replace(/[^A-Za-z0-9_.-]/g, '_') || '_';
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
    for (const _ of this.carry(data)) void _;
  }

  /** The same, yielding every few hundred names so a writer can slice the work. */
  *carry(data: IntervalData): Generator<void, void, void> {
    const idle = this.deleteIdle;
    let n = 0;
    if (!idle.has('counters')) {
      for (const k of this.counters) {
        if (!data.counters.has(k)) data.counters.set(k, 0);
        if ((++n & 511) === 0) yield;
      }
    }
    if (!idle.has('timers')) {
      for (const k of this.timers) {
        if (!data.timers.has(k)) data.timers.set(k, new TimerSamples());
        if ((++n & 511) === 0) yield;
      }
    }
    if (!idle.has('sets')) {
      for (const k of this.sets) {
        if (!data.sets.has(k)) data.sets.set(k, new Set());
        if ((++n & 511) === 0) yield;
      }
    }
    if (!idle.has('gauges')) {
      for (const [k, v] of this.gauges) {
        if (!data.gauges.has(k)) data.gauges.set(k, v);
        if ((++n & 511) === 0) yield;
      }
    }
    // Remembered up to the cap on names, per kind.
    const max = this.maxNames;
    for (const k of data.counters.keys()) {
      if (this.counters.size < max) this.counters.add(k);
      if ((++n & 511) === 0) yield;
    }
    for (const k of data.timers.keys()) {
      if (this.timers.size < max) this.timers.add(k);
      if ((++n & 511) === 0) yield;
    }
    for (const k of data.sets.keys()) {
      if (this.sets.size < max) this.sets.add(k);
      if ((++n & 511) === 0) yield;
    }
    for (const [k, v] of data.gauges) {
      if (this.gauges.has(k) || this.gauges.size < max) this.gauges.set(k, v);
      if ((++n & 511) === 0) yield;
    }
  }
}

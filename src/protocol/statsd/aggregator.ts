/**
 * statsd's state between flushes: counters, gauges, timers and sets by name,
 * fed by the line parser, emptied into an `IntervalData` at each flush.
 *
 * Memory is bounded: at most `maxNames` names are tracked; a new name beyond
 * that is not taken and counted (`names_dropped`), and a timer keeps at most
 * `maxTimerSamples` samples before the rest go into its quantile sketch.
 */
import type { DogCheck, DogEvent } from './dogstatsd';
import { BadLineReason, parseStatsdText, StatsdTarget } from './line-parser';
import { TimerSamples } from './timer-figures';

export type MetricKind = 'counters' | 'timers' | 'sets' | 'gauges';

export interface AggregatorOptions {
  maxNames: number;
  maxTimerSamples: number;
  /** Kinds whose names are forgotten after an interval without data (statsd's delete* settings). */
  deleteIdle: ReadonlySet<MetricKind>;
  /** statsd's prefixStats: the namespace of its own counters ("statsd"). */
  prefixStats: string;
}

/** One interval's figures, as the Graphite writer and the hierarchy take them. */
export interface IntervalData {
  counters: Map<string, number>;
  gauges: Map<string, number>;
  timers: Map<string, TimerSamples>;
  sets: Map<string, Set<string>>;
}

/** How many bad lines are kept for `oxctl status`. */
const RECENT_BAD_LINES = 5;
const MAX_SHOWN_LINE = 200;

export class StatsdAggregator implements StatsdTarget {
  private counters = new Map<string, number>();
  /** Every gauge's value, kept across intervals for +N/-N deltas. */
  private gauges = new Map<string, number>();
  /** The gauges set in this interval, with their values. */
  private touchedGauges = new Map<string, number>();
  private timers = new Map<string, TimerSamples>();
  private sets = new Map<string, Set<string>>();
  private names = 0;
  readonly badReasons = new Map<BadLineReason, number>();
  readonly recentBad: string[] = [];
  namesDropped = 0;
  /** Timers that reached maxTimerSamples in an interval, so that their percentiles came from the sketch. */
  timersSketched = 0;
  /** Since start, for STATUS. */
  totalPackets = 0;
  totalMetrics = 0;
  totalBadLines = 0;
  private readonly ownPackets: string;
  private readonly ownMetrics: string;
  private readonly ownBadLines: string;
  onEvent: (event: DogEvent) => void = () => undefined;
  onCheck: (check: DogCheck) => void = () => undefined;

  constructor(readonly options: AggregatorOptions) {
    this.ownBadLines = `${options.prefixStats}.bad_lines_seen`;
    this.ownPackets = `${options.prefixStats}.packets_received`;
    this.ownMetrics = `${options.prefixStats}.metrics_received`;
    // statsd starts with its own counters at zero, so they are written from the first flush.
    for (const own of [this.ownBadLines, this.ownPackets, this.ownMetrics]) this.counters.set(own, 0);
  }

  /** One datagram, or a run of complete lines from a TCP connection. */
  packet(text: string): void {
    this.totalPackets++;
    this.counters.set(this.ownPackets, this.counters.get(this.ownPackets)! + 1);
    const lines = parseStatsdText(text, this);
    this.totalMetrics += lines;
    this.counters.set(this.ownMetrics, this.counters.get(this.ownMetrics)! + lines);
  }

  /*
   * Each of these returns false for a value that would make a figure
   * infinite (1e308 twice, a rate of 1e-320): the parser counts it as a bad
   * value, and Graphite never gets Infinity or NaN from a sender.
   */

  counter(name: string, value: number, rate: number): boolean {
    const old = this.counters.get(name);
    const total = (old ?? 0) + value * (1 / rate);
    if (!Number.isFinite(total)) return false;
    if (old === undefined && !this.admit()) return true;
    this.counters.set(name, total);
    return true;
  }

  gauge(name: string, value: number, delta: boolean): boolean {
    const old = this.gauges.get(name);
    // As statsd: a signed value moves a gauge that has a (non-zero) value, else sets it.
    const now = delta && old ? old + value : value;
    if (!Number.isFinite(now)) return false;
    if (old === undefined && !this.admit()) return true;
    this.gauges.set(name, now);
    this.touchedGauges.set(name, now);
    return true;
  }

  timer(name: string, value: number, rate: number): boolean {
    let t = this.timers.get(name);
    if (t !== undefined ? !t.fits(value, rate) : !new TimerSamples().fits(value, rate)) return false;
    if (t === undefined) {
      if (!this.admit()) return true;
      t = new TimerSamples();
      this.timers.set(name, t);
    }
    const exact = t.sketch === null;
    t.add(value, rate, this.options.maxTimerSamples);
    if (exact && t.sketch !== null) this.timersSketched++;
    return true;
  }

  set(name: string, member: string): void {
    let s = this.sets.get(name);
    if (s === undefined) {
      if (!this.admit()) return;
      s = new Set();
      this.sets.set(name, s);
    }
    s.add(member);
  }

  event(event: DogEvent): void {
    this.onEvent(event);
  }

  check(check: DogCheck): void {
    this.onCheck(check);
  }

  bad(reason: BadLineReason, line: string): void {
    this.totalBadLines++;
    this.counters.set(this.ownBadLines, this.counters.get(this.ownBadLines)! + 1);
    this.badReasons.set(reason, (this.badReasons.get(reason) ?? 0) + 1);
    if (this.recentBad.length >= RECENT_BAD_LINES) this.recentBad.shift();
    this.recentBad.push(`${reason}: ${line.length > MAX_SHOWN_LINE ? `${line.slice(0, MAX_SHOWN_LINE)}…` : line}`);
  }

  /** Counts the name against the cap; false when it is over. */
  private admit(): boolean {
    if (this.names >= this.options.maxNames) {
      this.namesDropped++;
      return false;
    }
    this.names++;
    return true;
  }

  get nameCount(): number {
    return this.names;
  }

  /**
   * Hands over the interval's figures and starts the next interval, in
   * constant time: only what this interval received is handed over. What
   * statsd carries over from one flush to the next (zeros for names seen
   * before, the last value of a gauge) is added where the interval is
   * written (NameMemory), after intervals from other oxds are merged in.
   */
  flush(): IntervalData {
    const data: IntervalData = { counters: this.counters, gauges: this.touchedGauges, timers: this.timers, sets: this.sets };
    // statsd gives an updated gauge one flush to live (gaugesMaxTTL 1): written once, then forgotten.
    if (this.options.deleteIdle.has('gauges')) this.gauges = new Map();
    this.counters = new Map([
      [this.ownBadLines, 0],
      [this.ownPackets, 0],
      [this.ownMetrics, 0],
    ]);
    this.timers = new Map();
    this.sets = new Map();
    this.touchedGauges = new Map();
    this.names = this.gauges.size;
    return data;
  }
}

/**
 * A closed interval as BlueOx events of type `statsd.interval`, the form in
 * which metrics travel up the hierarchy (and land in the dated files, so
 * `oxview -n statsd.interval` shows metric history). Everything a receiving
 * oxd needs to merge many hosts' intervals into one set of figures:
 * counters and gauges as values, sets as their members, timers as their
 * exact totals plus either the raw samples (when few) or a quantile sketch.
 * Large intervals are cut into several events (numbered by `part`), each well
 * under the collect port's frame limit and each quick to pack. doc/statsd-interval.md describes
 * the body for other readers.
 */
import type { Packable } from '../compat-pack';
import { Float64 } from '../compat-pack';
import type { IntervalData } from './aggregator';
import { QuantileSketch } from './quantile-sketch';
import { TimerSamples } from './timer-figures';

export const INTERVAL_EVENT_TYPE = 'statsd.interval';

/** Timers with at most this many samples travel as the samples, exactly. */
export const RAW_SAMPLES_MAX = 64;

/** A body grows to about this many bytes before the next part starts. */
const PART_BUDGET = 64 * 1024;

export interface IntervalHeader {
  /** Which oxd process wrote it, so an oxd never merges its own intervals twice. */
  origin: string;
  host: string;
  windowEnd: number;
  intervalMs: number;
}

/** One timer as it travels. */
export interface TimerPart {
  count: number;
  n: number;
  sum: number;
  sumSquares: number;
  min: number;
  max: number;
  samples: number[] | null;
  sketch: QuantileSketch | null;
}

/** One event's worth of an interval, decoded. */
export interface IntervalPart extends IntervalHeader {
  counters: Map<string, number>;
  gauges: Map<string, number>;
  sets: Map<string, string[]>;
  timers: Map<string, TimerPart>;
}

type Body = { [key: string]: Packable };

const f64 = (v: number): Float64 => new Float64(v);

/** The bodies of the events for one interval, in order. */
export function intervalBodies(h: IntervalHeader, data: IntervalData): Body[] {
  return [...intervalParts(h, data)];
}

/**
 * The same, one body at a time: a body is cut off once it holds about
 * PART_BUDGET bytes, so a writer packs and sends each before the next is
 * built. Bodies are numbered by `part`; the last has `last: true`.
 */
export function* intervalParts(h: IntervalHeader, data: IntervalData): Generator<Body, void, void> {
  let part = 0;
  let body = newBody(h, part);
  let size = 0;
  function* room(bytes: number): Generator<Body, void, void> {
    if (size > 0 && size + bytes > PART_BUDGET) {
      yield body;
      body = newBody(h, ++part);
      size = 0;
    }
    size += bytes;
  }
  for (const [name, v] of data.counters) {
    yield* room(name.length + 12);
    (body.counters as Body)[name] = f64(v);
  }
  for (const [name, v] of data.gauges) {
    yield* room(name.length + 12);
    (body.gauges as Body)[name] = f64(v);
  }
  for (const [name, members] of data.sets) {
    if (members.size === 0) continue;
    let bytes = name.length + 8;
    for (const m of members) bytes += m.length + 2;
    yield* room(bytes);
    (body.sets as Body)[name] = [...members];
  }
  for (const [name, t] of data.timers) {
    if (t.n === 0) continue;
    const packed = timerBody(t);
    yield* room(name.length + 64 + estimate(packed));
    (body.timers as Body)[name] = packed;
  }
  body.last = true;
  yield body;
}

function newBody(h: IntervalHeader, part: number): Body {
  return { origin: h.origin, host: h.host, window_end: h.windowEnd, interval_ms: h.intervalMs, part, counters: {}, gauges: {}, sets: {}, timers: {} };
}

function timerBody(t: TimerSamples): Body {
  const out: Body = { count: f64(t.count), n: t.n, sum: f64(t.sum), sum_squares: f64(t.sumSquares), min: f64(t.min), max: f64(t.max) };
  if (t.sketch === null && t.samples.length <= RAW_SAMPLES_MAX) {
    out.samples = t.samples.map(f64);
  } else {
    const s = t.sketch ?? sketchOf(t.samples);
    const buckets: number[] = [];
    for (const [i, c] of s.buckets) buckets.push(i, c);
    out.sketch = { alpha: f64(s.alpha), zeros: s.zeros, buckets };
  }
  return out;
}

function sketchOf(samples: number[]): QuantileSketch {
  const s = new QuantileSketch();
  for (const v of samples) s.add(v);
  return s;
}

function estimate(b: Body): number {
  const samples = b.samples as unknown[] | undefined;
  const sketch = b.sketch as { buckets: unknown[] } | undefined;
  return (samples?.length ?? 0) * 9 + (sketch?.buckets.length ?? 0) * 5;
}

/** Why a body was not taken. */
export class IntervalBodyError extends Error {}

/** Reads a decoded body back; throws IntervalBodyError naming what is wrong. */
export function readIntervalBody(body: unknown): IntervalPart {
  const b = record(body, 'the body');
  const part: IntervalPart = {
    origin: text(b.origin, 'origin'),
    host: text(b.host, 'host'),
    windowEnd: whole(b.window_end, 'window_end'),
    intervalMs: whole(b.interval_ms, 'interval_ms'),
    counters: numbers(b.counters, 'counters'),
    gauges: numbers(b.gauges, 'gauges'),
    sets: new Map(),
    timers: new Map(),
  };
  if (part.intervalMs < 1) throw new IntervalBodyError('interval_ms must be positive');
  for (const [name, members] of Object.entries(record(b.sets, 'sets'))) {
    if (!Array.isArray(members) || !members.every((m) => typeof m === 'string')) throw new IntervalBodyError(`set ${name}: members must be strings`);
    part.sets.set(name, members as string[]);
  }
  for (const [name, t] of Object.entries(record(b.timers, 'timers'))) part.timers.set(name, readTimer(name, t));
  return part;
}

function readTimer(name: string, value: unknown): TimerPart {
  const t = record(value, `timer ${name}`);
  const num = (k: string): number => finite(t[k], `timer ${name} ${k}`);
  const part: TimerPart = { count: num('count'), n: whole(t.n, `timer ${name} n`), sum: num('sum'), sumSquares: num('sum_squares'), min: num('min'), max: num('max'), samples: null, sketch: null };
  if (Array.isArray(t.samples)) {
    part.samples = t.samples.map((v, i) => finite(v, `timer ${name} samples[${i}]`));
    if (part.samples.length !== part.n) throw new IntervalBodyError(`timer ${name}: ${part.samples.length} samples for n = ${part.n}`);
  } else {
    const s = record(t.sketch, `timer ${name} sketch`);
    const sketch = new QuantileSketch(finite(s.alpha, `timer ${name} alpha`));
    const zeros = whole(s.zeros, `timer ${name} zeros`);
    if (zeros > 0) sketch.add(0, zeros);
    const buckets = s.buckets;
    if (!Array.isArray(buckets) || buckets.length % 2 !== 0) throw new IntervalBodyError(`timer ${name}: buckets must be index, count pairs`);
    for (let i = 0; i < buckets.length; i += 2) {
      const index = buckets[i];
      const count = buckets[i + 1];
      if (!Number.isInteger(index) || !Number.isInteger(count) || (count as number) < 1) throw new IntervalBodyError(`timer ${name}: bad bucket`);
      sketch.buckets.set(index as number, (sketch.buckets.get(index as number) ?? 0) + (count as number));
      sketch.total += count as number;
    }
    if (sketch.total !== part.n) throw new IntervalBodyError(`timer ${name}: the sketch holds ${sketch.total} values for n = ${part.n}`);
    part.sketch = sketch;
  }
  return part;
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new IntervalBodyError(`${what} must be a map`);
  return v as Record<string, unknown>;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new IntervalBodyError(`${what} must be text`);
  return v;
}

function finite(v: unknown, what: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new IntervalBodyError(`${what} must be a finite number`);
  return n;
}

function whole(v: unknown, what: string): number {
  const n = finite(v, what);
  if (!Number.isInteger(n) || n < 0) throw new IntervalBodyError(`${what} must be a whole number`);
  return n;
}

function numbers(v: unknown, what: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, n] of Object.entries(record(v, what))) out.set(name, finite(n, `${what} ${name}`));
  return out;
}

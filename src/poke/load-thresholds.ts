/**
 * The thresholds of `oxpoke load` (`--threshold 'p95 < 200ms'`): what the
 * figures of a load run must be for it to pass, and their verdicts.
 *
 * A threshold is `METRIC OP VALUE`, spaces around OP optional:
 * - latencies: `pN` (the nearest-rank percentile N, from 0 to 100, decimals
 *   allowed: p50, p95, p99.9), `min`, `mean`, `max`, with a unit: `us`, `ms`
 *   or `s` (`p95 < 200ms`, `p99 <= 1s`, `max < 1.5s`);
 * - `errors`: a share of the runs with `%` (`errors < 1%`), or a number of
 *   runs without (`errors <= 10`);
 * - `rps`: runs per second, a number (`rps > 500`);
 * - OP: `<`, `<=`, `>` or `>=`.
 * Nothing else is read: a value without its unit, a unit of the wrong kind,
 * `=` or `==`, words around it. What is written is checked before the run
 * starts, so a typo does not cost a whole run.
 *
 * Verdicts: with no run at all, every threshold fails; with no answered run
 * (every probe refused, timed out...), every latency threshold fails: nothing
 * shows the service fast enough. Unless a threshold about errors is given,
 * `errors < 1%` is judged too (withDefaultThresholds).
 */
import { BlueOxError } from '../errors';
import { errorRate, type LatencySummary, runsPerSecond } from './latency-stats';

export type Comparison = '<' | '<=' | '>' | '>=';

export type Metric =
  | { kind: 'latency'; name: string; percentile: number | null; stat: 'min' | 'mean' | 'max' | null }
  | { kind: 'errors'; name: 'errors'; share: boolean }
  | { kind: 'rps'; name: 'rps' };

export interface Threshold {
  /** As written, spaces normalised: `p95 < 200ms`. */
  text: string;
  /** Not given but applied by default (DEFAULT_ERRORS_THRESHOLD). */
  implied?: boolean;
  metric: Metric;
  op: Comparison;
  /** Milliseconds for a latency, percent for a share of errors, runs for a number of errors, runs/s for rps. */
  value: number;
}

/** The figures thresholds judge. */
export interface LoadFigures {
  runs: number;
  errors: number;
  elapsedMs: number;
  /** The times of the answered runs. */
  latency: LatencySummary;
}

export interface Verdict {
  threshold: Threshold;
  holds: boolean;
  /** The figure compared, in the threshold's unit; null when there was none. */
  actual: number | null;
  /** The figure as the report shows it (`212 ms`, `0.52%`, `no answered runs`). */
  shown: string;
}

export const ALLOWED_THRESHOLDS =
  'a threshold is METRIC OP VALUE, OP one of <, <=, >, >=: a latency (pN for a percentile from 0 to 100 such as p50, p95 or p99.9; min, mean or max) ' +
  'with a unit, us, ms or s (p95 < 200ms); errors as a share of the runs (errors < 1%) or a number of runs (errors <= 10); rps, runs per second (rps > 500)';

const THRESHOLD = /^\s*([A-Za-z][A-Za-z0-9.]*)\s*(<=|>=|<|>|==|=|!=)\s*(\S+)\s*$/;
const NUMBER = /^\d+(?:\.\d+)?$/;
const LATENCY_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };
const LATENCY_VALUE = /^(\d+(?:\.\d+)?)(us|ms|s)$/;
const PERCENTILE = /^p(100|[1-9]?\d(?:\.\d+)?)$/;

function bad(text: string, problem: string): BlueOxError {
  return new BlueOxError('ETHRESHOLD', `bad threshold "${text}": ${problem}; ${ALLOWED_THRESHOLDS}`);
}

function readMetric(text: string, name: string): Metric {
  if (name === 'errors') return { kind: 'errors', name, share: false };
  if (name === 'rps') return { kind: 'rps', name };
  if (name === 'min' || name === 'mean' || name === 'max') return { kind: 'latency', name, percentile: null, stat: name };
  const p = PERCENTILE.exec(name);
  if (p !== null) return { kind: 'latency', name, percentile: Number(p[1]), stat: null };
  throw bad(text, `${name} is not a metric`);
}

/** The threshold `text` says, or a BlueOxError (code ETHRESHOLD) naming what is wrong and what is allowed. */
export function parseThreshold(text: string): Threshold {
  const m = THRESHOLD.exec(text);
  if (m === null) throw bad(text, 'it is not METRIC OP VALUE');
  const [, name, op, written] = m;
  const metric = readMetric(text, name);
  if (op === '=' || op === '==' || op === '!=') throw bad(text, `${op} is not a comparison a threshold makes`);
  let value: number;
  if (metric.kind === 'latency') {
    const v = LATENCY_VALUE.exec(written);
    if (v === null) throw bad(text, NUMBER.test(written) ? `${name} needs a unit (${written}ms? ${written}s?)` : `${written} is not a time`);
    value = Number(v[1]) * LATENCY_UNITS[v[2]];
  } else if (metric.kind === 'errors') {
    const share = written.endsWith('%');
    const number = share ? written.slice(0, -1) : written;
    if (!NUMBER.test(number)) throw bad(text, `${written} is not a share (1%) or a number of runs (10)`);
    value = Number(number);
    if (share && value > 100) throw bad(text, `${written} is more than all the runs`);
    if (!share && !Number.isInteger(value)) throw bad(text, `${written} is not a whole number of runs (a share is written with %)`);
    metric.share = share;
  } else {
    if (!NUMBER.test(written)) throw bad(text, `${written} is not a number of runs per second`);
    value = Number(written);
  }
  return { text: `${name} ${op} ${written}`, metric, op: op as Comparison, value };
}

export function compare(actual: number, op: Comparison, value: number): boolean {
  switch (op) {
    case '<':
      return actual < value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '>=':
      return actual >= value;
  }
}

/** A time for people: 3 significant digits below 100 ms (`0.42 ms`, `12.3 ms`), whole milliseconds above. */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return 'none';
  if (ms >= 100) return `${Math.round(ms)} ms`;
  return `${ms < 1 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
}

/** A share from 0 to 1 as a percentage with two decimals. */
export function formatShare(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

/** The figure a latency metric names. */
export function latencyOf(latency: LatencySummary, metric: Extract<Metric, { kind: 'latency' }>): number {
  if (metric.percentile !== null) return latency.percentile(metric.percentile);
  return metric.stat === 'min' ? latency.min : metric.stat === 'max' ? latency.max : latency.mean;
}

function verdict(t: Threshold, figures: LoadFigures): Verdict {
  const none = (shown: string): Verdict => ({ threshold: t, holds: false, actual: null, shown });
  if (figures.runs === 0) return none('no runs');
  let actual: number;
  let shown: string;
  switch (t.metric.kind) {
    case 'latency':
      if (figures.latency.count === 0) return none('no answered runs');
      actual = latencyOf(figures.latency, t.metric);
      shown = formatLatency(actual);
      break;
    case 'errors': {
      const share = errorRate(figures.errors, figures.runs);
      actual = t.metric.share ? share * 100 : figures.errors;
      shown = t.metric.share ? formatShare(share) : `${figures.errors} of ${figures.runs} runs`;
      break;
    }
    case 'rps':
      actual = runsPerSecond(figures.runs, figures.elapsedMs);
      shown = `${actual.toFixed(1)} runs/s`;
      break;
  }
  return { threshold: t, holds: compare(actual, t.op, t.value), actual, shown };
}

/**
 * What applies when no threshold given is about errors: a load test whose
 * requests fail does not pass, whatever its speed. The 1% an operator
 * usually allows; `--threshold 'errors <= 100%'` lifts it.
 */
export const DEFAULT_ERRORS_THRESHOLD = 'errors < 1%';

/** The thresholds to judge: those given, in their order, then DEFAULT_ERRORS_THRESHOLD unless one of them is about errors. */
export function withDefaultThresholds(given: readonly Threshold[]): Threshold[] {
  if (given.some((t) => t.metric.kind === 'errors')) return [...given];
  return [...given, { ...parseThreshold(DEFAULT_ERRORS_THRESHOLD), implied: true }];
}

/** The verdict of each threshold, in their order. */
export function judgeThresholds(thresholds: readonly Threshold[], figures: LoadFigures): Verdict[] {
  return thresholds.map((t) => verdict(t, figures));
}

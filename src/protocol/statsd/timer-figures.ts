/**
 * One timer's samples over an interval, and the figures statsd's Graphite
 * backend writes for it: count, count_ps, sum, sum_squares, mean, median,
 * std, upper, lower, for each percent threshold count_N, mean_N, upper_N (or
 * lower_topN for a negative one), sum_N, sum_squares_N, and histogram bins.
 *
 * While a timer holds at most `maxSamples` samples the figures are computed
 * from the sorted samples in statsd's own order of operations, so they agree
 * with statsd to the last digit. Past the cap the samples move into a
 * quantile sketch: count, sum, sum_squares, mean, std, upper and lower stay
 * exact, the percentile figures and the median are within the sketch's
 * relative accuracy (0.5 %).
 */
import type { TimerPart } from './interval-event';
import { QuantileSketch } from './quantile-sketch';

export interface HistogramRule {
  /** Applies to timers whose name contains this text (statsd's rule). */
  metric: string;
  bins: Array<number | 'inf'>;
}

export class TimerSamples {
  samples: number[] = [];
  sketch: QuantileSketch | null = null;
  /** Samples weighted by 1/rate: statsd's count. */
  count = 0;
  /** Samples received. */
  n = 0;
  sum = 0;
  sumSquares = 0;
  min = Infinity;
  max = -Infinity;

  /** False when taking the value would make a total infinite. */
  fits(value: number, rate: number): boolean {
    return Number.isFinite(this.count + 1 / rate) && Number.isFinite(this.sum + value) && Number.isFinite(this.sumSquares + value * value);
  }

  add(value: number, rate: number, maxSamples: number): void {
    this.count += 1 / rate;
    this.n++;
    this.sum += value;
    this.sumSquares += value * value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.sketch !== null) this.sketch.add(value);
    else if (this.samples.length < maxSamples) this.samples.push(value);
    else this.toSketch().add(value);
  }

  /**
   * Adds another host's timer for the same interval: exact while both hold
   * their samples and together stay within the cap, else through the sketch.
   */
  merge(part: TimerPart, maxSamples: number): boolean {
    if (!Number.isFinite(this.count + part.count) || !Number.isFinite(this.sum + part.sum) || !Number.isFinite(this.sumSquares + part.sumSquares)) return false;
    this.count += part.count;
    this.n += part.n;
    this.sum += part.sum;
    this.sumSquares += part.sumSquares;
    if (part.min < this.min) this.min = part.min;
    if (part.max > this.max) this.max = part.max;
    if (part.samples !== null && this.sketch === null && this.samples.length + part.samples.length <= maxSamples) {
      for (const v of part.samples) this.samples.push(v);
      return true;
    }
    const sketch = this.toSketch();
    if (part.sketch !== null) sketch.merge(part.sketch);
    else for (const v of part.samples!) sketch.add(v);
    return true;
  }

  /** Moves the samples into a sketch (past the cap, or to merge with other hosts). */
  toSketch(): QuantileSketch {
    if (this.sketch === null) {
      this.sketch = new QuantileSketch();
      for (const v of this.samples) this.sketch.add(v);
      this.samples = [];
    }
    return this.sketch;
  }
}

/** statsd's name for a threshold: 99.9 → 99_9, -10 → top10. */
export function thresholdName(pct: number): string {
  return String(pct).replace('.', '_').replace('-', 'top');
}

/**
 * The figures, in statsd's order, as [suffix, value]; histogram bins as
 * `histogram.bin_N`. An interval with no samples gives count and count_ps 0.
 */
export function timerFigures(
  t: TimerSamples,
  pcts: readonly number[],
  intervalMs: number,
  bins: ReadonlyArray<number | 'inf'> = [],
): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  if (t.n === 0) {
    out.push(['count', 0], ['count_ps', 0]);
    return out;
  }
  if (t.sketch === null) exactFigures(t, pcts, intervalMs, bins, out);
  else sketchFigures(t, t.sketch, pcts, intervalMs, bins, out);
  return out;
}

function exactFigures(t: TimerSamples, pcts: readonly number[], intervalMs: number, bins: ReadonlyArray<number | 'inf'>, out: Array<[string, number]>): void {
  const values = t.samples.slice().sort((a, b) => a - b);
  const count = values.length;
  const min = values[0];
  const max = values[count - 1];
  const cumulative = new Float64Array(count);
  const cumulativeSquares = new Float64Array(count);
  cumulative[0] = min;
  cumulativeSquares[0] = min * min;
  for (let i = 1; i < count; i++) {
    cumulative[i] = values[i] + cumulative[i - 1];
    cumulativeSquares[i] = values[i] * values[i] + cumulativeSquares[i - 1];
  }
  let sum = min;
  let sumSquares = min * min;
  let mean = min;
  let boundary = max;
  for (const pct of pcts) {
    let inThreshold = count;
    if (count > 1) {
      inThreshold = Math.round((Math.abs(pct) / 100) * count);
      if (inThreshold === 0) continue;
      if (pct > 0) {
        boundary = values[inThreshold - 1];
        sum = cumulative[inThreshold - 1];
        sumSquares = cumulativeSquares[inThreshold - 1];
      } else {
        boundary = values[count - inThreshold];
        // statsd reads index -1 as undefined here, making these NaN when the threshold is -100.
        const below = count - inThreshold - 1;
        sum = below >= 0 ? cumulative[count - 1] - cumulative[below] : NaN;
        sumSquares = below >= 0 ? cumulativeSquares[count - 1] - cumulativeSquares[below] : NaN;
      }
      mean = sum / inThreshold;
    }
    pushThreshold(out, pct, inThreshold, mean, boundary, sum, sumSquares);
  }
  sum = cumulative[count - 1];
  sumSquares = cumulativeSquares[count - 1];
  mean = sum / count;
  let diffs = 0;
  for (let i = 0; i < count; i++) diffs += (values[i] - mean) * (values[i] - mean);
  const mid = Math.floor(count / 2);
  const median = count % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  pushTotals(out, Math.sqrt(diffs / count), max, min, t.count, intervalMs, sum, sumSquares, mean, median);
  pushHistogram(out, bins, values, (v) => v);
}

function sketchFigures(
  t: TimerSamples,
  sketch: QuantileSketch,
  pcts: readonly number[],
  intervalMs: number,
  bins: ReadonlyArray<number | 'inf'>,
  out: Array<[string, number]>,
): void {
  const count = t.n;
  const ascending = sketch.ascending();
  for (const pct of pcts) {
    const inThreshold = count > 1 ? Math.round((Math.abs(pct) / 100) * count) : count;
    if (inThreshold === 0) continue;
    if (pct > 0) {
      const r = sketch.upTo(inThreshold - 1, ascending);
      pushThreshold(out, pct, inThreshold, r.sum / inThreshold, Math.min(t.max, Math.max(t.min, r.value)), r.sum, r.sumSquares);
    } else {
      const boundary = sketch.upTo(count - inThreshold, ascending).value;
      const r = sketch.from(count - inThreshold, ascending);
      pushThreshold(out, pct, inThreshold, r.sum / inThreshold, Math.min(t.max, Math.max(t.min, boundary)), r.sum, r.sumSquares);
    }
  }
  const mean = t.sum / count;
  const variance = Math.max(0, t.sumSquares / count - mean * mean);
  const mid = Math.floor(count / 2);
  const median =
    count % 2 ? sketch.upTo(mid, ascending).value : (sketch.upTo(mid - 1, ascending).value + sketch.upTo(mid, ascending).value) / 2;
  pushTotals(out, Math.sqrt(variance), t.max, t.min, t.count, intervalMs, t.sum, t.sumSquares, mean, median);
  const expanded: number[] = [];
  if (bins.length > 0) for (const [value, c] of ascending) for (let i = 0; i < c; i++) expanded.push(value);
  pushHistogram(out, bins, expanded, (v) => v);
}

function pushThreshold(out: Array<[string, number]>, pct: number, n: number, mean: number, boundary: number, sum: number, sumSquares: number): void {
  const name = thresholdName(pct);
  out.push([`count_${name}`, n], [`mean_${name}`, mean], [`${pct > 0 ? 'upper' : 'lower'}_${name}`, boundary], [`sum_${name}`, sum], [`sum_squares_${name}`, sumSquares]);
}

function pushTotals(
  out: Array<[string, number]>,
  std: number,
  max: number,
  min: number,
  count: number,
  intervalMs: number,
  sum: number,
  sumSquares: number,
  mean: number,
  median: number,
): void {
  out.push(['std', std], ['upper', max], ['lower', min], ['count', count], ['count_ps', count / (intervalMs / 1000)]);
  out.push(['sum', sum], ['sum_squares', sumSquares], ['mean', mean], ['median', median]);
}

/** Values at or beyond the last bound are left out unless it is `inf`, as statsd does. */
function pushHistogram(out: Array<[string, number]>, bins: ReadonlyArray<number | 'inf'>, sorted: number[], value: (v: number) => number): void {
  let i = 0;
  for (const bound of bins) {
    let freq = 0;
    for (; i < sorted.length && (bound === 'inf' || value(sorted[i]) < bound); i++) freq++;
    out.push([`histogram.bin_${String(bound).replace('.', '_')}`, freq]);
  }
}

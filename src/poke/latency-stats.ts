/**
 * The figures of a load run (`oxpoke load`): latency percentiles, throughput
 * and the error rate.
 *
 * Percentiles are exact, not estimated: every run's time is recorded (8 bytes
 * a run, so a minute at 50,000 runs/s holds 24 MB), and sorted once, at the
 * end. Percentile p is the nearest-rank value: the smallest recorded time such
 * that at least p% of the runs took no longer, so it is always a time some
 * run took (p100 is the maximum, p0 the minimum). An HDR histogram would bound
 * the memory and round each value; at the sizes a load run reaches, keeping
 * them all costs little and leaves nothing to explain.
 */

/** The percentiles every report shows. */
export const REPORTED_PERCENTILES: readonly number[] = [50, 90, 95, 99];

/** The times of the runs, in milliseconds, as they end. */
export class LatencyRecorder {
  private values = new Float64Array(4096);
  private length = 0;

  record(ms: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = ms;
  }

  get count(): number {
    return this.length;
  }

  /** The figures of what was recorded so far. */
  summary(): LatencySummary {
    // A typed array sorts numerically, and in place: sort a copy, so recording may go on.
    return new LatencySummary(this.values.slice(0, this.length).sort());
  }
}

export class LatencySummary {
  readonly mean: number;

  /** @param sorted the times in milliseconds, in ascending order */
  constructor(private readonly sorted: Float64Array) {
    let sum = 0;
    for (let i = 0; i < sorted.length; i++) sum += sorted[i];
    this.mean = sorted.length === 0 ? NaN : sum / sorted.length;
  }

  /** From times in any order. */
  static of(times: readonly number[]): LatencySummary {
    return new LatencySummary(Float64Array.from(times).sort());
  }

  get count(): number {
    return this.sorted.length;
  }

  get min(): number {
    return this.sorted.length === 0 ? NaN : this.sorted[0];
  }

  get max(): number {
    return this.sorted.length === 0 ? NaN : this.sorted[this.sorted.length - 1];
  }

  /** The nearest-rank percentile `p` (0 to 100); NaN when nothing was recorded. */
  percentile(p: number): number {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`a percentile is from 0 to 100, not ${p}`);
    const n = this.sorted.length;
    if (n === 0) return NaN;
    // Rounded before the ceiling, so that p7 of 100 values is the 7th and not the 8th (0.07 * 100 is 7.000000000000001).
    const rank = Math.ceil(Number(((p / 100) * n).toPrecision(12)));
    return this.sorted[Math.min(n, Math.max(1, rank)) - 1];
  }
}

/** Runs per second over `elapsedMs`; 0 when no time passed. */
export function runsPerSecond(runs: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (runs * 1000) / elapsedMs : 0;
}

/** The share of the runs that were errors, from 0 to 1; 0 when there were no runs. */
export function errorRate(errors: number, runs: number): number {
  return runs > 0 ? errors / runs : 0;
}

/**
 * A mergeable quantile sketch with a relative-error guarantee (the DDSketch
 * construction): a value v > 0 is counted in bucket ceil(log_γ v) with
 * γ = (1 + α) / (1 − α), and every bucket stands for the one value within α
 * of all it holds. Sketches of the same α merge by adding bucket counts, so
 * the percentiles of many hosts' timers are those of all their samples, to
 * within α, whatever their number.
 *
 * Used where keeping every sample is not bounded: a timer past its sample
 * cap, and intervals merged across the hierarchy.
 */

/** Relative accuracy: 0.5 %, half of the 1 % promised for merged percentiles. */
export const SKETCH_ALPHA = 0.005;

/** Values at or below this count as 0 (timers are never negative). */
const MIN_VALUE = 1e-9;

export class QuantileSketch {
  readonly gamma: number;
  private readonly logGamma: number;
  /** Bucket index → count. */
  readonly buckets = new Map<number, number>();
  zeros = 0;
  total = 0;

  constructor(readonly alpha = SKETCH_ALPHA) {
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
  }

  add(value: number, count = 1): void {
    this.total += count;
    if (value <= MIN_VALUE) {
      this.zeros += count;
      return;
    }
    const i = Math.ceil(Math.log(value) / this.logGamma);
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + count);
  }

  /** Adds every count of `other` (same alpha). */
  merge(other: QuantileSketch): void {
    if (other.alpha !== this.alpha) throw new Error(`cannot merge a sketch of alpha ${other.alpha} into one of ${this.alpha}`);
    this.zeros += other.zeros;
    this.total += other.total;
    for (const [i, c] of other.buckets) this.buckets.set(i, (this.buckets.get(i) ?? 0) + c);
  }

  /** The value a bucket stands for: within alpha of everything in it. */
  valueOf(index: number): number {
    return (2 * Math.pow(this.gamma, index)) / (this.gamma + 1);
  }

  /** Buckets in ascending order of value, zeros first, as [value, count]. */
  ascending(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    if (this.zeros > 0) out.push([0, this.zeros]);
    for (const i of [...this.buckets.keys()].sort((a, b) => a - b)) out.push([this.valueOf(i), this.buckets.get(i)!]);
    return out;
  }

  /**
   * The value of rank `rank` (0-based) among the values in ascending order,
   * and the sum and sum of squares of the values up to and including it.
   */
  upTo(rank: number, ascending = this.ascending()): { value: number; sum: number; sumSquares: number } {
    let seen = 0;
    let sum = 0;
    let sumSquares = 0;
    for (const [value, count] of ascending) {
      const take = Math.min(count, rank + 1 - seen);
      sum += value * take;
      sumSquares += value * value * take;
      seen += take;
      if (seen > rank) return { value, sum, sumSquares };
    }
    const last = ascending.length > 0 ? ascending[ascending.length - 1][0] : 0;
    return { value: last, sum, sumSquares };
  }

  /** The values from rank `from` (0-based) to the top: sum and sum of squares. */
  from(rank: number, ascending = this.ascending()): { sum: number; sumSquares: number } {
    let seen = 0;
    let sum = 0;
    let sumSquares = 0;
    for (const [value, count] of ascending) {
      const skip = Math.max(0, Math.min(count, rank - seen));
      seen += count;
      const take = count - skip;
      sum += value * take;
      sumSquares += value * value * take;
    }
    return { sum, sumSquares };
  }
}

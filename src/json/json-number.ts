/**
 * Numbers as JSON text.
 *
 * Integers (every msgpack width, up to 64 bits signed and unsigned) are
 * written with all their digits: JSON puts no limit on them, and a reader
 * that keeps big integers exact (Python's json, jq 1.7) gets them unchanged.
 *
 * Floats (float32 and float64) are written as Python's repr() writes them,
 * which is what the original BlueOx's tools printed: the shortest digits
 * that read back as the same float64, always with a `.` or an exponent so a
 * reader sees a float (`2.0`, `0.0`, `-0.0`, `0.125`, `1e+16`, `1e-05`,
 * `1.5e+300`); plain notation from 1e-4 up to 1e16, exponent notation
 * (sign and at least two digits) outside. A float32 is shown as the
 * float64 it widens to. Non-finite values are written as Python's json
 * writes them, `NaN`, `Infinity` and `-Infinity` (not strict JSON; Python's
 * json and jq read them), or as `null` when the reader cannot take those
 * (Elasticsearch).
 */

export type NonFinite = 'token' | 'null';

/** A float64 as JSON text. */
export function floatText(n: number, nonFinite: NonFinite): string {
  const a = n < 0 ? -n : n;
  if (a >= 1e-4 && a < 1e16) {
    // JavaScript writes this range in plain notation with the shortest digits, as Python does.
    const s = String(n);
    return s.indexOf('.') < 0 ? `${s}.0` : s;
  }
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  if (n !== n) return nonFinite === 'token' ? 'NaN' : 'null';
  if (a === Infinity) return nonFinite === 'null' ? 'null' : n > 0 ? 'Infinity' : '-Infinity';
  // toExponential() without digits gives the shortest digits that read back as n.
  const e = n.toExponential();
  const at = e.indexOf('e');
  const digits = e.length - at - 2;
  return digits >= 2 ? e : `${e.slice(0, at + 2)}0${e.slice(at + 2)}`;
}

const TWO_32 = 2 ** 32;
/** |hi| below this: hi * 2^32 + lo is below 2^53, exact as a number. */
const SAFE_HI = 2 ** 21;

/** Digits of a 64-bit unsigned integer given as its two 32-bit halves. */
export function uint64Text(hi: number, lo: number): string {
  if (hi < SAFE_HI) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** Digits of a 64-bit signed integer given as its signed high and unsigned low 32-bit halves. */
export function int64Text(hi: number, lo: number): string {
  if (hi >= -SAFE_HI && hi < SAFE_HI) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) + BigInt(lo)).toString();
}

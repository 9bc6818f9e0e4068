/**
 * Numbers in statsd lines. statsd accepts whatever JavaScript's isNaN does
 * (" 12 ", "0x1f", "Infinity", "1e309"); here a value is a plain decimal
 * number, `[+-]digits[.digits][e[+-]digits]`, and must be finite where it is
 * used, so a typo or an overflow is a counted bad line rather than an
 * infinite counter in Graphite.
 */

/** The number in `text[start, end)`, or NaN when it is not a plain decimal. */
export function parseStatsdNumber(text: string, start: number, end: number): number {
  if (start >= end) return NaN;
  let i = start;
  let c = text.charCodeAt(i);
  const negative = c === 0x2d;
  if (negative || c === 0x2b) {
    if (++i === end) return NaN;
    c = text.charCodeAt(i);
  }
  // Small integers, by far the most common value, without building a string.
  let n = 0;
  const digitsFrom = i;
  while (i < end && c >= 0x30 && c <= 0x39 && i - digitsFrom < 15) {
    n = n * 10 + (c - 0x30);
    c = text.charCodeAt(++i);
  }
  if (i === end && i > digitsFrom) return negative ? -n : n;
  // d.ddd with at most 15 digits: both n and 10^k are exact doubles, so the one division is
  // correctly rounded, the same double Number() gives for the text.
  if (c === 0x2e && i < end - 1 && i - digitsFrom < 15) {
    let k = 0;
    c = text.charCodeAt(++i);
    while (i < end && c >= 0x30 && c <= 0x39 && i - digitsFrom < 16) {
      n = n * 10 + (c - 0x30);
      k++;
      c = text.charCodeAt(++i);
    }
    if (i === end) {
      const v = n / POWERS[k];
      return negative ? -v : v;
    }
  }
  return decimal(text, start, end);
}

const POWERS = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function decimal(text: string, start: number, end: number): number {
  const s = text.slice(start, end);
  return DECIMAL.test(s) ? Number(s) : NaN;
}

/**
 * Seeded hostile statsd input: lines of the corpus (test/helpers/statsd-corpus.ts)
 * and lines built from hostile parts (1e309, NaN, -0, numbers hundreds of
 * digits long, rates that underflow, broken DogStatsD lengths), then mutated
 * as bytes: flips, inserted `:` `|` `@` `#` `\n` NUL, cut and doubled runs,
 * invalid UTF-8, now and then a 100 KB name. Datagrams hold one or more lines,
 * with blank lines, CRLF and trailing newlines; some are empty.
 *
 * Used by the in-process fuzz (test/unit/statsd-fuzz.test.ts) and the socket
 * one (test/integration/statsd-hostile.test.ts).
 */
import { datagrams, OXD_DIFFERS, QUIRKS, STATSD_CORPUS } from './statsd-corpus';

export type Rand = () => number;

/** Every line of the corpus, as bytes. */
export const CORPUS_LINES: readonly Buffer[] = (() => {
  const out: Buffer[] = [];
  for (const d of datagrams([...STATSD_CORPUS, ...OXD_DIFFERS, ...QUIRKS])) {
    const b = typeof d === 'string' ? Buffer.from(d) : d;
    let start = 0;
    for (let i = 0; i <= b.length; i++) {
      if (i === b.length || b[i] === 0x0a) {
        if (i > start) out.push(b.subarray(start, i));
        start = i + 1;
      }
    }
  }
  return out;
})();

const NUMBERS = ['1', '0', '-0', '+0', '-1', '1e309', '-1e309', 'NaN', 'Infinity', '-Infinity', '1e-400', '1e300', '1e-320', '0x10', '0b11', '.5', '5.', '1e', 'e5', '+', '-', '', ' ', '1 ', '1.2.3', '1e+308', '4.9e-324', '--1', '١٢'];
const TYPES = ['c', 'g', 'ms', 'h', 'd', 's', 'x', '', ' ms', 'ms ', 'mss', 'C', 'c\r', '|'];
const RATES = ['', '|@0.1', '|@0', '|@-1', '|@', '|@1e-300', '|@1e-320', '|@NaN', '|0.5', '|@2', '|@.5', '|@1e309', '|@0.5|extra', '|@0.5abc'];
const TAGS = ['', '|#', '|#env:prod', '|#a,b,c', '|#k:v:w,x;y', '|#|#two', '|#,,', '|#\u00e9t\u00e9:1'];
const NAMES = ['fz.a', 'fz.b.c', 'fz key', 'fz/slash', 'fz.é', '', ':', 'fz;t=1', 'fz\t\ttab', '_e', '_sc', '..', 'fz*?'];
const SPECIAL = [0x3a, 0x7c, 0x40, 0x23, 0x0a, 0x00]; // : | @ # \n NUL
const BAD_UTF8 = [[0xff], [0xc3], [0xe2, 0x82], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80, 0x80]];

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

/** A number hundreds of digits long, finite or not as it falls. */
function longNumber(rand: Rand): string {
  const digits = 1 + int(rand, 420);
  let s = String(1 + int(rand, 9));
  while (s.length < digits) s += String(int(rand, 10)).repeat(Math.min(digits - s.length, 1 + int(rand, 40)));
  return rand() < 0.3 ? `${s}.${s.slice(0, 20)}` : s;
}

function value(rand: Rand): string {
  const r = rand();
  if (r < 0.4) return String(int(rand, 1000) * (rand() < 0.2 ? -1 : 1));
  if (r < 0.5) return longNumber(rand);
  return pick(rand, NUMBERS);
}

function builtLine(rand: Rand): string {
  let line = pick(rand, NAMES) + (rand() < 0.5 ? String(int(rand, 50)) : '');
  const parts = 1 + (rand() < 0.2 ? int(rand, 5) : 0);
  for (let i = 0; i < parts; i++) {
    line += `:${value(rand)}`;
    if (rand() < 0.9) line += `|${pick(rand, TYPES)}${pick(rand, RATES)}`;
  }
  return line + pick(rand, TAGS);
}

/** DogStatsD events and checks whose lengths and fields are right, or not. */
function dogLine(rand: Rand): string {
  if (rand() < 0.5) {
    const title = pick(rand, ['t', 'title', 'tïtle', '']);
    const text = pick(rand, ['x', 'some text', 'a\\nb', '', 'ä|b']);
    const tl = rand() < 0.5 ? Buffer.byteLength(title) : int(rand, 12);
    const xl = rand() < 0.5 ? Buffer.byteLength(text) : pick(rand, [0, 1, 99, 999999, 1234567]);
    const head = pick(rand, [`_e{${tl},${xl}}:`, `_e{${tl},}:`, `_e{,${xl}}:`, `_e{${tl},${xl}`, `_e{${tl}${xl}}:`, '_e{']);
    return head + title + '|' + text + pick(rand, ['', '|d:123', '|d:x', '|h:host|p:low', '|#a,b', '|z:1', '|', '|k:']);
  }
  return `_sc|${pick(rand, ['chk', '', 'a b'])}|${pick(rand, ['0', '1', '3', '4', '', '-1', 'ok'])}${pick(rand, ['', '|d:5', '|d:', '|h:h', '|#t:1', '|m:msg|with|bars', '|q:1', '|'])}`;
}

function mutate(rand: Rand, line: Buffer): Buffer {
  let b = line;
  const n = rand() < 0.3 ? 0 : 1 + int(rand, 4);
  for (let k = 0; k < n; k++) {
    const at = int(rand, b.length + 1);
    switch (int(rand, 7)) {
      case 0: {
        if (b.length === 0) break;
        const copy = Buffer.from(b);
        copy[Math.min(at, copy.length - 1)] = rand() < 0.5 ? int(rand, 256) : copy[Math.min(at, copy.length - 1)] ^ (1 << int(rand, 8));
        b = copy;
        break;
      }
      case 1:
      case 2:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([pick(rand, SPECIAL)]), b.subarray(at)]);
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(rand, 6)))]);
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + int(rand, 12)), b.subarray(at)]);
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(rand, BAD_UTF8)), b.subarray(at)]);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(rand, NUMBERS)), b.subarray(at)]);
    }
  }
  return b;
}

/** A name of about 100 KB, before a value and type: refused as too long, or as the tail of a line. */
function hugeLine(rand: Rand, bytes: number): Buffer {
  const name = Buffer.alloc(bytes, pick(rand, ['a', 'é', '.', ' ', '/']));
  return Buffer.concat([name, Buffer.from(pick(rand, [':1|c', ':2|ms', '', ':x|g', ':1|c|#' + 't'.repeat(600)]))]);
}

/** One hostile line (no newline, unless a mutation inserted one). */
export function fuzzLine(rand: Rand, hugeBytes: number): Buffer {
  const r = rand();
  if (r < 0.0004 && hugeBytes > 0) return hugeLine(rand, hugeBytes);
  if (r < 0.45) return mutate(rand, pick(rand, CORPUS_LINES));
  if (r < 0.85) return mutate(rand, Buffer.from(builtLine(rand)));
  return mutate(rand, Buffer.from(dogLine(rand)));
}

export interface DatagramLimits {
  /** The largest datagram made (a UDP datagram is at most 65,507 bytes). */
  maxBytes: number;
  /** The size of the rare huge names; 0 for none. */
  hugeBytes: number;
}

/** One hostile datagram: empty, or 1 to 20 lines with the separators senders use and misuse. */
export function fuzzDatagram(rand: Rand, limits: DatagramLimits): Buffer {
  if (rand() < 0.02) return Buffer.alloc(0);
  const lines = rand() < 0.5 ? 1 : 1 + int(rand, 20);
  const parts: Buffer[] = [];
  let size = 0;
  for (let i = 0; i < lines; i++) {
    const line = fuzzLine(rand, limits.hugeBytes);
    const sep = i === 0 ? '' : pick(rand, ['\n', '\n', '\n', '\r\n', '\n\n', '\n\n\n']);
    if (size + sep.length + line.length > limits.maxBytes) break;
    parts.push(Buffer.from(sep), line);
    size += sep.length + line.length;
  }
  if (rand() < 0.1 && size < limits.maxBytes) parts.push(Buffer.from('\n'));
  return Buffer.concat(parts);
}

/** The non-empty lines of a datagram's text: statsd's metrics_received. */
export function nonEmptyLines(text: string): number {
  let n = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (end > start) n++;
    if (nl < 0) return n;
    start = nl + 1;
  }
}

/** Printable, short: for failure messages. */
export function show(b: Buffer | string, max = 300): string {
  const s = JSON.stringify(typeof b === 'string' ? b : b.toString('latin1'));
  return s.length > max ? `${s.slice(0, max)}… (${b.length} ${typeof b === 'string' ? 'chars' : 'bytes'})` : s;
}

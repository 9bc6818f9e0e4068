/**
 * A msgpack byte string (str or bin) as a JSON string.
 *
 * The rule, the same for every length and for keys and values:
 * - every well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
 *   surrogates, nothing past U+10FFFF) is the character it encodes;
 * - every other byte is the four characters `\xNN` (two lowercase hex
 *   digits), as Python's "backslashreplace" error handler writes it; a bad
 *   byte never takes a neighbour with it (`c3 28` is `\xc3(`);
 * - a backslash followed by `x` in the bytes is written `\x5c` (followed by
 *   that `x`), so that every `\xNN` in the text stands for one byte and the
 *   exact bytes can be had back: replace each `\xNN` by its byte and encode
 *   the rest as UTF-8. Any other backslash is itself.
 * JSON's own escaping then applies as JSON.stringify and Python's json do:
 * `\"`, `\\`, `\b \t \n \f \r` and `\u00XX` for other control characters;
 * all other characters are written as they are, in UTF-8.
 */
import { isUtf8 } from 'node:buffer';
import type { TextBuffer } from './text-buffer';

const HEX = '0123456789abcdef';
const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const LOWER_X = 0x78;

/** Bytes below 0x80 that go into a JSON string as they are (not `"`, `\` or a control character). */
const PLAIN = new Uint8Array(128);
for (let c = 0x20; c < 0x80; c++) PLAIN[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

/** The short escapes JSON has for some control characters (0: use \u00XX). */
const SHORT_ESCAPE = new Uint8Array(32);
SHORT_ESCAPE[0x08] = 0x62; // b
SHORT_ESCAPE[0x09] = 0x74; // t
SHORT_ESCAPE[0x0a] = 0x6e; // n
SHORT_ESCAPE[0x0c] = 0x66; // f
SHORT_ESCAPE[0x0d] = 0x72; // r

/**
 * Length of the well-formed UTF-8 sequence starting with the byte `c` (at
 * least 0x80) at `src[i]`, or 0 when that byte starts none.
 */
export function utf8SequenceLength(src: Uint8Array, i: number, end: number, c: number): number {
  if (c < 0xc2) return 0;
  if (c < 0xe0) return i + 1 < end && (src[i + 1] & 0xc0) === 0x80 ? 2 : 0;
  if (c < 0xf0) {
    if (i + 2 >= end) return 0;
    const c1 = src[i + 1];
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return c1 >= lo && c1 <= hi && (src[i + 2] & 0xc0) === 0x80 ? 3 : 0;
  }
  if (c < 0xf5) {
    if (i + 3 >= end) return 0;
    const c1 = src[i + 1];
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return c1 >= lo && c1 <= hi && (src[i + 2] & 0xc0) === 0x80 && (src[i + 3] & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

/** Appends `src[start, end)` as a JSON string, quotes included. */
export function writeJsonString(out: TextBuffer, src: Uint8Array, start: number, end: number): void {
  // Room for the common case (every byte copied) and the quotes; each escape makes its own room.
  out.ensure(end - start + 2);
  let buf = out.buf;
  let p = out.pos;
  buf[p++] = QUOTE;
  let i = start;
  while (i < end) {
    const c = src[i];
    if (c < 0x80) {
      if (PLAIN[c] === 1) {
        buf[p++] = c;
        i++;
        continue;
      }
      out.pos = p;
      out.ensure(8 + end - i);
      buf = out.buf;
      buf[p++] = BACKSLASH;
      if (c === QUOTE) buf[p++] = QUOTE;
      else if (c === BACKSLASH) {
        buf[p++] = BACKSLASH;
        if (i + 1 < end && src[i + 1] === LOWER_X) p = hexByte(buf, p, BACKSLASH);
      } else if (SHORT_ESCAPE[c] !== 0) buf[p++] = SHORT_ESCAPE[c];
      else {
        buf[p++] = 0x75; // u
        buf[p++] = 0x30;
        buf[p++] = 0x30;
        buf[p++] = HEX.charCodeAt(c >> 4);
        buf[p++] = HEX.charCodeAt(c & 15);
      }
      i++;
      continue;
    }
    const n = utf8SequenceLength(src, i, end, c);
    if (n > 0) {
      buf[p++] = c;
      buf[p++] = src[i + 1];
      if (n > 2) buf[p++] = src[i + 2];
      if (n > 3) buf[p++] = src[i + 3];
      i += n;
      continue;
    }
    out.pos = p;
    out.ensure(8 + end - i);
    buf = out.buf;
    buf[p++] = BACKSLASH;
    buf[p++] = BACKSLASH;
    p = hexByte(buf, p, c);
    i++;
  }
  buf[p++] = QUOTE;
  out.pos = p;
}

/** Writes `x` and the two hex digits of `b` (after the caller's escaped backslash); returns the new position. */
function hexByte(buf: Buffer, p: number, b: number): number {
  buf[p++] = LOWER_X;
  buf[p++] = HEX.charCodeAt(b >> 4);
  buf[p++] = HEX.charCodeAt(b & 15);
  return p;
}

/**
 * The text of `src[start, end)` by the same rule, as a string (not JSON):
 * for what is shown outside JSON, such as oxview's header line.
 */
export function bytesText(src: Buffer, start = 0, end = src.length): string {
  const slice = src.subarray(start, end);
  if (isUtf8(slice)) {
    const text = slice.toString('utf8');
    return text.includes('\\x') ? text.replace(/\\x/g, '\\x5cx') : text;
  }
  // Literal backslash-x in the valid runs first: a run ends before a bad byte, never between `\` and `x`.
  const run = (from: number, to: number): string => slice.toString('utf8', from, to).replace(/\\x/g, '\\x5cx');
  let text = '';
  let from = 0;
  let i = 0;
  while (i < slice.length) {
    const c = slice[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = utf8SequenceLength(slice, i, slice.length, c);
    if (n > 0) {
      i += n;
      continue;
    }
    text += run(from, i) + '\\x' + HEX[c >> 4] + HEX[c & 15];
    from = ++i;
  }
  return text + run(from, slice.length);
}

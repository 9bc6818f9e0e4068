/**
 * JSON text straight from msgpack bytes: the one conversion that oxview,
 * `oxstore cat --json` and oxstash use, so they show an event the same way
 * and show it exactly.
 *
 * Going from the bytes, rather than through decoded JavaScript values,
 * keeps what decoding would change: integers past 2^53, the difference
 * between a float and an integer, bytes that are not UTF-8. The rules:
 * - nil, true, false: `null`, `true`, `false`;
 * - integers of every width: all their digits (json-number.ts);
 * - float32 and float64: Python's repr(), always with `.` or an exponent;
 *   NaN and ±Infinity as `NaN`, `Infinity`, `-Infinity`, or `null` when
 *   the style asks for it (json-number.ts);
 * - str and bin alike (Python 2 senders never told them apart): JSON
 *   strings, with `\xNN` for each byte that is not well-formed UTF-8
 *   (json-string.ts);
 * - arrays and maps: JSON arrays and objects, in their order, duplicate
 *   keys kept; a key that is not a string becomes the text of its JSON
 *   value (`1`, `null`, `true`, `1.5`, `[1,2]`; non-finite floats always
 *   as `NaN`, `Infinity`, `-Infinity`);
 * - the timestamp extension (-1): its ISO 8601 text (msgpack-timestamp.ts);
 *   any other extension, or a timestamp without such text:
 *   `{"ext":TYPE,"base64":"DATA"}`.
 * Containers nested deeper than MAX_JSON_DEPTH, reserved bytes (0xc1) and
 * values cut short are refused with a MsgpackJsonError.
 *
 * Compact output has no spaces. With an indent, the layout is
 * JSON.stringify's with that indent (`"key": value`, one member per line,
 * `{}` and `[]` for empty ones), and each key may be wrapped in text such as
 * colour codes.
 */
import { floatText, int64Text, NonFinite, uint64Text } from './json-number';
import { writeJsonString } from './json-string';
import { timestampText } from './msgpack-timestamp';
import { TextBuffer } from './text-buffer';
import { MAX_DEPTH } from '../protocol/msgpack-extent';

/** As deep as the readers go (deeper is damage to them), so every event they find can be written. */
export const MAX_JSON_DEPTH = MAX_DEPTH;

export class MsgpackJsonError extends Error {}

export interface JsonStyle {
  /** How NaN and ±Infinity are written (default: 'token'). */
  nonFinite?: NonFinite;
  /** Spaces per level; 0 (the default) for compact output. */
  indent?: number;
  /** With an indent: text written before and after each key (its quotes included). */
  keyBefore?: string;
  keyAfter?: string;
}

const NESTED = `values are nested more than ${MAX_JSON_DEPTH} deep`;

export class JsonWriter extends TextBuffer {
  private readonly nonFinite: NonFinite;
  private readonly indent: number;
  private readonly keyBefore: string;
  private readonly keyAfter: string;
  /** Writes keys that are not strings (compact, non-finite floats as tokens); made when first needed. */
  private keyWriter: JsonWriter | null = null;

  constructor(style: JsonStyle = {}, initialBytes?: number) {
    super(initialBytes);
    this.nonFinite = style.nonFinite ?? 'token';
    this.indent = style.indent ?? 0;
    this.keyBefore = style.keyBefore ?? '';
    this.keyAfter = style.keyAfter ?? '';
  }

  /** Appends the JSON of the one msgpack value that fills `src[start, end)`. */
  whole(src: Buffer, start = 0, end = src.length): void {
    const mark = this.pos;
    try {
      if (this.value(src, start, end, 0) !== end) throw new MsgpackJsonError('bytes follow the msgpack value');
    } catch (err) {
      this.pos = mark;
      throw err;
    }
  }

  /**
   * Appends the members of the msgpack map that fills `src[start, end)`,
   * `"key":value` separated by commas, without braces and without the
   * string keys in `omit`; returns how many were written.
   */
  members(src: Buffer, omit: readonly Buffer[], start = 0, end = src.length): number {
    const mark = this.pos;
    try {
      let at = start;
      const [count, first] = mapHeader(src, at, end);
      if (count < 0) throw new MsgpackJsonError('the event is not a msgpack map');
      at = first;
      let written = 0;
      for (let i = 0; i < count; i++) {
        if (isOmitted(src, at, end, omit)) {
          // Measured by writing it, then dropped.
          const before = this.pos;
          at = this.value(src, this.value(src, at, end, 1), end, 1);
          this.pos = before;
          continue;
        }
        if (written++ > 0) this.byte(0x2c);
        at = this.key(src, at, end, 1);
        this.byte(0x3a);
        at = this.value(src, at, end, 1);
      }
      if (at !== end) throw new MsgpackJsonError('bytes follow the msgpack value');
      return written;
    } catch (err) {
      this.pos = mark;
      throw err;
    }
  }

  /** Writes the value at `src[at]`; returns where it ends. */
  private value(src: Buffer, at: number, end: number, depth: number): number {
    if (at >= end) throw cutShort();
    const tag = src[at++];
    if (tag < 0x80) {
      if (tag < 10) this.byte(0x30 + tag);
      else this.ascii(String(tag));
      return at;
    }
    if (tag >= 0xe0) {
      this.ascii(String(tag - 0x100));
      return at;
    }
    if (tag < 0x90) return this.map(src, at, end, tag & 0x0f, depth);
    if (tag < 0xa0) return this.array(src, at, end, tag & 0x0f, depth);
    if (tag < 0xc0) return this.string(src, at, end, tag & 0x1f);
    switch (tag) {
      case 0xc0:
        this.ascii('null');
        return at;
      case 0xc2:
        this.ascii('false');
        return at;
      case 0xc3:
        this.ascii('true');
        return at;
      case 0xc4:
      case 0xd9:
        need(at, 1, end);
        return this.string(src, at + 1, end, src[at]);
      case 0xc5:
      case 0xda:
        need(at, 2, end);
        return this.string(src, at + 2, end, src.readUInt16BE(at));
      case 0xc6:
      case 0xdb:
        need(at, 4, end);
        return this.string(src, at + 4, end, src.readUInt32BE(at));
      case 0xc7:
        need(at, 1, end);
        return this.ext(src, at + 1, end, src[at]);
      case 0xc8:
        need(at, 2, end);
        return this.ext(src, at + 2, end, src.readUInt16BE(at));
      case 0xc9:
        need(at, 4, end);
        return this.ext(src, at + 4, end, src.readUInt32BE(at));
      case 0xca:
        need(at, 4, end);
        this.ascii(floatText(src.readFloatBE(at), this.nonFinite));
        return at + 4;
      case 0xcb:
        need(at, 8, end);
        this.ascii(floatText(src.readDoubleBE(at), this.nonFinite));
        return at + 8;
      case 0xcc:
        need(at, 1, end);
        this.ascii(String(src[at]));
        return at + 1;
      case 0xcd:
        need(at, 2, end);
        this.ascii(String(src.readUInt16BE(at)));
        return at + 2;
      case 0xce:
        need(at, 4, end);
        this.ascii(String(src.readUInt32BE(at)));
        return at + 4;
      case 0xcf:
        need(at, 8, end);
        this.ascii(uint64Text(src.readUInt32BE(at), src.readUInt32BE(at + 4)));
        return at + 8;
      case 0xd0:
        need(at, 1, end);
        this.ascii(String(src.readInt8(at)));
        return at + 1;
      case 0xd1:
        need(at, 2, end);
        this.ascii(String(src.readInt16BE(at)));
        return at + 2;
      case 0xd2:
        need(at, 4, end);
        this.ascii(String(src.readInt32BE(at)));
        return at + 4;
      case 0xd3:
        need(at, 8, end);
        this.ascii(int64Text(src.readInt32BE(at), src.readUInt32BE(at + 4)));
        return at + 8;
      case 0xd4:
        return this.ext(src, at, end, 1);
      case 0xd5:
        return this.ext(src, at, end, 2);
      case 0xd6:
        return this.ext(src, at, end, 4);
      case 0xd7:
        return this.ext(src, at, end, 8);
      case 0xd8:
        return this.ext(src, at, end, 16);
      case 0xdc:
        need(at, 2, end);
        return this.array(src, at + 2, end, src.readUInt16BE(at), depth);
      case 0xdd:
        need(at, 4, end);
        return this.array(src, at + 4, end, src.readUInt32BE(at), depth);
      case 0xde:
        need(at, 2, end);
        return this.map(src, at + 2, end, src.readUInt16BE(at), depth);
      case 0xdf:
        need(at, 4, end);
        return this.map(src, at + 4, end, src.readUInt32BE(at), depth);
      default:
        throw new MsgpackJsonError(`0x${tag.toString(16)} is not a msgpack value`);
    }
  }

  private string(src: Buffer, at: number, end: number, length: number): number {
    need(at, length, end);
    writeJsonString(this, src, at, at + length);
    return at + length;
  }

  /** An extension value of `length` bytes after its type byte at `src[at]`. */
  private ext(src: Buffer, at: number, end: number, length: number): number {
    need(at, 1 + length, end);
    const type = src.readInt8(at);
    const data = at + 1;
    const iso = type === -1 ? timestampText(src, data, length) : null;
    if (iso !== null) this.ascii(`"${iso}"`);
    else this.ascii(`{"ext":${type},"base64":"${src.toString('base64', data, data + length)}"}`);
    return data + length;
  }

  private array(src: Buffer, at: number, end: number, count: number, depth: number): number {
    if (depth > MAX_JSON_DEPTH) throw new MsgpackJsonError(NESTED);
    this.byte(0x5b);
    if (count > 0) {
      for (let i = 0; i < count; i++) {
        if (i > 0) this.byte(0x2c);
        if (this.indent > 0) this.newline(depth + 1);
        at = this.value(src, at, end, depth + 1);
      }
      if (this.indent > 0) this.newline(depth);
    }
    this.byte(0x5d);
    return at;
  }

  private map(src: Buffer, at: number, end: number, count: number, depth: number): number {
    if (depth > MAX_JSON_DEPTH) throw new MsgpackJsonError(NESTED);
    this.byte(0x7b);
    if (count > 0) {
      for (let i = 0; i < count; i++) {
        if (i > 0) this.byte(0x2c);
        if (this.indent > 0) {
          this.newline(depth + 1);
          this.ascii(this.keyBefore);
          at = this.key(src, at, end, depth + 1);
          this.ascii(this.keyAfter);
          this.ascii(': ');
        } else {
          at = this.key(src, at, end, depth + 1);
          this.byte(0x3a);
        }
        at = this.value(src, at, end, depth + 1);
      }
      if (this.indent > 0) this.newline(depth);
    }
    this.byte(0x7d);
    return at;
  }

  /** A map key at `depth`: a string as it is, anything else as the JSON text of its value, quoted. */
  private key(src: Buffer, at: number, end: number, depth: number): number {
    if (at >= end) throw cutShort();
    if (isStringTag(src[at])) return this.value(src, at, end, depth);
    this.keyWriter ??= new JsonWriter({}, 256);
    const kw = this.keyWriter;
    kw.reset();
    const next = kw.value(src, at, end, depth);
    quoteText(this, kw.buf, kw.pos);
    return next;
  }

  private newline(depth: number): void {
    const n = depth * this.indent;
    this.ensure(n + 1);
    this.buf[this.pos++] = 0x0a;
    this.buf.fill(0x20, this.pos, this.pos + n);
    this.pos += n;
  }
}

function need(at: number, n: number, end: number): void {
  if (at + n > end) throw cutShort();
}

function cutShort(): MsgpackJsonError {
  return new MsgpackJsonError('the msgpack value is cut short');
}

/** The entry count and first entry's offset of the map at `src[at]`; count -1 when it is no map. */
function mapHeader(src: Buffer, at: number, end: number): [number, number] {
  if (at >= end) throw cutShort();
  const tag = src[at];
  if (tag >= 0x80 && tag <= 0x8f) return [tag & 0x0f, at + 1];
  if (tag === 0xde) return (need(at + 1, 2, end), [src.readUInt16BE(at + 1), at + 3]);
  if (tag === 0xdf) return (need(at + 1, 4, end), [src.readUInt32BE(at + 1), at + 5]);
  return [-1, at];
}

/** str and bin, the byte strings. */
function isStringTag(tag: number): boolean {
  return (tag >= 0xa0 && tag <= 0xbf) || (tag >= 0xd9 && tag <= 0xdb) || (tag >= 0xc4 && tag <= 0xc6);
}

/** True when the key at `src[at]` is a byte string equal to one of `omit`. */
function isOmitted(src: Buffer, at: number, end: number, omit: readonly Buffer[]): boolean {
  if (at >= end) throw cutShort();
  const tag = src[at];
  let start: number;
  let length: number;
  if (tag >= 0xa0 && tag <= 0xbf) [start, length] = [at + 1, tag & 0x1f];
  else if (tag === 0xd9 || tag === 0xc4) [start, length] = [at + 2, at + 1 < end ? src[at + 1] : 0];
  else if (tag === 0xda || tag === 0xc5) [start, length] = [at + 3, at + 2 < end ? src.readUInt16BE(at + 1) : 0];
  else if (tag === 0xdb || tag === 0xc6) [start, length] = [at + 5, at + 4 < end ? src.readUInt32BE(at + 1) : 0];
  else return false;
  if (start + length > end) return false; // cut short: writing the key says so
  for (const name of omit) if (name.length === length && src.compare(name, 0, length, start, start + length) === 0) return true;
  return false;
}

/** Appends JSON text (our own output: valid UTF-8, no control characters) as a JSON string. */
function quoteText(out: TextBuffer, text: Buffer, length: number): void {
  out.ensure(2 * length + 2);
  const buf = out.buf;
  let p = out.pos;
  buf[p++] = 0x22;
  for (let i = 0; i < length; i++) {
    const c = text[i];
    if (c === 0x22 || c === 0x5c) buf[p++] = 0x5c;
    buf[p++] = c;
  }
  buf[p++] = 0x22;
  out.pos = p;
}

/** The JSON text of the one msgpack value that `raw` holds. */
export function msgpackToJson(raw: Buffer, style?: JsonStyle): string {
  const writer = new JsonWriter(style, Math.max(256, 2 * raw.length));
  writer.whole(raw);
  return writer.takeString();
}

/**
 * JSON text straight from msgpack bytes, for Elasticsearch documents.
 *
 * Going from the bytes (rather than from a decoded object) lets every value
 * keep its exact meaning in JSON:
 * - byte strings (msgpack str, and bin, which Python 2 senders never
 *   distinguished) that are valid UTF-8 become JSON strings as they are;
 *   bytes that are not valid UTF-8 are written as the four characters
 *   `\xNN` (Python's "backslashreplace"), so the field stays a string (the
 *   index mapping does not change), the readable part stays readable, and the
 *   original bytes can be told from the text;
 * - 64-bit integers are written with all their digits;
 * - NaN and ±Infinity, which JSON cannot carry, become null;
 * - msgpack timestamps (ext -1) become ISO 8601 strings, other extension
 *   values `{"ext": type, "base64": data}`;
 * - map keys that are not strings become the text of their JSON value.
 */
import { isUtf8 } from 'node:buffer';

/** Containers nested deeper than this make the event unusable (oxd's own readers stop at 512). */
export const MAX_JSON_DEPTH = 512;

export class MsgpackJsonError extends Error {}

const HEX = '0123456789abcdef';

/** `bytes` as a JSON string: valid UTF-8 unchanged, every other byte as the text `\xNN`. */
export function bytesToJsonString(buf: Uint8Array, start = 0, end = buf.length): string {
  const slice = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
  if (isUtf8(slice)) return JSON.stringify(slice.toString('utf8'));
  let text = '';
  let runStart = 0;
  let i = 0;
  while (i < slice.length) {
    const n = validSequenceLength(slice, i);
    if (n > 0) {
      i += n;
      continue;
    }
    text += slice.toString('utf8', runStart, i) + '\\x' + HEX[slice[i] >> 4] + HEX[slice[i] & 15];
    i++;
    runStart = i;
  }
  text += slice.toString('utf8', runStart, i);
  return JSON.stringify(text);
}

/** Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function validSequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < b.length && b[i + k] >= lo && b[i + k] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** Converts one msgpack value; `pos` moves past it. */
class Converter {
  pos = 0;
  constructor(private readonly b: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new MsgpackJsonError('the msgpack value is cut short');
  }

  private take(n: number): number {
    this.need(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  private uint(bytes: 1 | 2 | 4): number {
    const at = this.take(bytes);
    return bytes === 1 ? this.b[at] : bytes === 2 ? this.b.readUInt16BE(at) : this.b.readUInt32BE(at);
  }

  private bytes(n: number): string {
    const at = this.take(n);
    return bytesToJsonString(this.b, at, at + n);
  }

  private ext(n: number): string {
    const type = this.b.readInt8(this.take(1));
    const at = this.take(n);
    if (type === -1) {
      const iso = timestampIso(this.b, at, n);
      if (iso) return JSON.stringify(iso);
    }
    return `{"ext":${type},"base64":${JSON.stringify(this.b.toString('base64', at, at + n))}}`;
  }

  /** Map entries as `"key":value`, leaving out top-level keys in `omit`. */
  mapBody(count: number, depth: number, omit?: ReadonlySet<string>): string[] {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) {
      const raw = this.value(depth + 1);
      const key = raw.startsWith('"') ? raw : JSON.stringify(raw);
      const value = this.value(depth + 1);
      if (omit && omit.has(JSON.parse(key) as string)) continue;
      parts.push(`${key}:${value}`);
    }
    return parts;
  }

  private array(count: number, depth: number): string {
    const parts: string[] = [];
    for (let i = 0; i < count; i++) parts.push(this.value(depth + 1));
    return `[${parts.join(',')}]`;
  }

  /** Reads a map header at `pos`; returns its entry count, or -1 when the value is not a map. */
  mapHeader(): number {
    this.need(1);
    const tag = this.b[this.pos];
    if (tag >= 0x80 && tag <= 0x8f) return (this.pos++, tag & 0x0f);
    if (tag === 0xde || tag === 0xdf) return (this.pos++, this.uint(tag === 0xde ? 2 : 4));
    return -1;
  }

  value(depth: number): string {
    if (depth > MAX_JSON_DEPTH) throw new MsgpackJsonError(`values are nested more than ${MAX_JSON_DEPTH} deep`);
    const tag = this.b[this.take(1)];
    const b = this.b;
    if (tag <= 0x7f) return String(tag);
    if (tag >= 0xe0) return String(tag - 0x100);
    if (tag <= 0x8f) return `{${this.mapBody(tag & 0x0f, depth).join(',')}}`;
    if (tag <= 0x9f) return this.array(tag & 0x0f, depth);
    if (tag <= 0xbf) return this.bytes(tag & 0x1f);
    switch (tag) {
      case 0xc0: return 'null';
      case 0xc2: return 'false';
      case 0xc3: return 'true';
      case 0xc4: case 0xd9: return this.bytes(this.uint(1));
      case 0xc5: case 0xda: return this.bytes(this.uint(2));
      case 0xc6: case 0xdb: return this.bytes(this.uint(4));
      case 0xc7: return this.ext(this.uint(1));
      case 0xc8: return this.ext(this.uint(2));
      case 0xc9: return this.ext(this.uint(4));
      case 0xca: return jsonNumber(b.readFloatBE(this.take(4)));
      case 0xcb: return jsonNumber(b.readDoubleBE(this.take(8)));
      case 0xcc: return String(this.uint(1));
      case 0xcd: return String(this.uint(2));
      case 0xce: return String(this.uint(4));
      case 0xcf: return b.readBigUInt64BE(this.take(8)).toString();
      case 0xd0: return String(b.readInt8(this.take(1)));
      case 0xd1: return String(b.readInt16BE(this.take(2)));
      case 0xd2: return String(b.readInt32BE(this.take(4)));
      case 0xd3: return b.readBigInt64BE(this.take(8)).toString();
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xdc: return this.array(this.uint(2), depth);
      case 0xdd: return this.array(this.uint(4), depth);
      case 0xde: return `{${this.mapBody(this.uint(2), depth).join(',')}}`;
      case 0xdf: return `{${this.mapBody(this.uint(4), depth).join(',')}}`;
      default: throw new MsgpackJsonError(`0x${tag.toString(16)} is not a msgpack value`);
    }
  }
}

/** The msgpack timestamp extension (4, 8 or 12 bytes) as ISO 8601, or null when out of range. */
function timestampIso(b: Buffer, at: number, n: number): string | null {
  let sec: number;
  let nsec: number;
  if (n === 4) {
    sec = b.readUInt32BE(at);
    nsec = 0;
  } else if (n === 8) {
    const hi = b.readUInt32BE(at);
    nsec = hi >>> 2;
    sec = (hi & 3) * 2 ** 32 + b.readUInt32BE(at + 4);
  } else if (n === 12) {
    nsec = b.readUInt32BE(at);
    sec = Number(b.readBigInt64BE(at + 4));
  } else {
    return null;
  }
  const d = new Date(sec * 1000 + Math.floor(nsec / 1e6));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Any msgpack value as JSON text. Throws MsgpackJsonError on bytes that are not one whole value. */
export function msgpackToJson(raw: Buffer): string {
  const c = new Converter(raw);
  const text = c.value(0);
  if (c.pos !== raw.length) throw new MsgpackJsonError('bytes follow the msgpack value');
  return text;
}

/**
 * The entries of the msgpack map in `raw` as JSON `"key":value` members,
 * without the keys in `omit`, so a caller can add its own and close the object.
 */
export function msgpackMapMembers(raw: Buffer, omit?: ReadonlySet<string>): string[] {
  const c = new Converter(raw);
  const count = c.mapHeader();
  if (count < 0) throw new MsgpackJsonError('the event is not a msgpack map');
  const members = c.mapBody(count, 0, omit);
  if (c.pos !== raw.length) throw new MsgpackJsonError('bytes follow the msgpack value');
  return members;
}

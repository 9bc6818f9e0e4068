/**
 * A msgpack encoder that writes strings in the old "raw" family only
 * (fixraw, raw16, raw32), as the Python 2 BlueOx did.
 *
 * Modern encoders (including @msgpack/msgpack) write 32..255-byte strings as
 * str8 (0xd9), which the msgpack libraries of Python 2 era readers reject. The
 * control replies oxd sends must be readable by those tools, so they go
 * through this encoder. Decoding needs nothing special: every current decoder
 * reads the raw family as strings.
 */

/** Forces a number to be written as a float64, as Python writes a float. */
export class Float64 {
  constructor(readonly value: number) {}
}

export type Packable =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Float64
  | Packable[]
  | Map<string, Packable>
  | { [key: string]: Packable };

class Writer {
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  // The offset is reserved before `this.buf` is read: reserve() may replace the buffer.
  u8(v: number): void {
    const at = this.reserve(1);
    this.buf[at] = v;
  }
  u16(v: number): void {
    const at = this.reserve(2);
    this.buf.writeUInt16BE(v, at);
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.buf.writeUInt32BE(v, at);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  head(tag: number, write: (at: number) => void, size: number): void {
    this.u8(tag);
    write(this.reserve(size));
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
  get raw(): Buffer {
    return this.buf;
  }
}

function packRaw(w: Writer, bytes: Uint8Array): void {
  const n = bytes.length;
  if (n < 32) w.u8(0xa0 | n);
  else if (n <= 0xffff) {
    w.u8(0xda);
    w.u16(n);
  } else {
    w.u8(0xdb);
    w.u32(n);
  }
  w.bytes(bytes);
}

function packInteger(w: Writer, v: number | bigint): void {
  const n = typeof v === 'bigint' ? v : BigInt(v);
  if (n >= 0n) {
    if (n < 128n) w.u8(Number(n));
    else if (n <= 0xffn) w.head(0xcc, (at) => (w.raw[at] = Number(n)), 1);
    else if (n <= 0xffffn) w.head(0xcd, (at) => w.raw.writeUInt16BE(Number(n), at), 2);
    else if (n <= 0xffffffffn) w.head(0xce, (at) => w.raw.writeUInt32BE(Number(n), at), 4);
    else w.head(0xcf, (at) => w.raw.writeBigUInt64BE(BigInt.asUintN(64, n), at), 8);
  } else if (n >= -32n) w.u8(Number(n) & 0xff);
  else if (n >= -0x80n) w.head(0xd0, (at) => w.raw.writeInt8(Number(n), at), 1);
  else if (n >= -0x8000n) w.head(0xd1, (at) => w.raw.writeInt16BE(Number(n), at), 2);
  else if (n >= -0x80000000n) w.head(0xd2, (at) => w.raw.writeInt32BE(Number(n), at), 4);
  else w.head(0xd3, (at) => w.raw.writeBigInt64BE(BigInt.asIntN(64, n), at), 8);
}

function packFloat(w: Writer, v: number): void {
  w.head(0xcb, (at) => w.raw.writeDoubleBE(v, at), 8);
}

function packContainerHead(w: Writer, n: number, fix: number, tag16: number, tag32: number): void {
  if (n < 16) w.u8(fix | n);
  else if (n <= 0xffff) {
    w.u8(tag16);
    w.u16(n);
  } else {
    w.u8(tag32);
    w.u32(n);
  }
}

function pack(w: Writer, v: Packable, depth: number): void {
  if (depth > 64) throw new RangeError('compat-pack: value nested deeper than 64 levels');
  if (v === null || v === undefined) w.u8(0xc0);
  else if (v === true) w.u8(0xc3);
  else if (v === false) w.u8(0xc2);
  else if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) packInteger(w, v);
    else packFloat(w, v);
  } else if (typeof v === 'bigint') packInteger(w, v);
  else if (typeof v === 'string') packRaw(w, Buffer.from(v, 'utf8'));
  else if (v instanceof Float64) packFloat(w, v.value);
  else if (v instanceof Uint8Array) packRaw(w, v);
  else if (Array.isArray(v)) {
    packContainerHead(w, v.length, 0x90, 0xdc, 0xdd);
    for (const item of v) pack(w, item, depth + 1);
  } else if (v instanceof Map) {
    packContainerHead(w, v.size, 0x80, 0xde, 0xdf);
    for (const [key, item] of v) {
      packRaw(w, Buffer.from(key, 'utf8'));
      pack(w, item, depth + 1);
    }
  } else {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    packContainerHead(w, keys.length, 0x80, 0xde, 0xdf);
    for (const key of keys) {
      packRaw(w, Buffer.from(key, 'utf8'));
      pack(w, v[key], depth + 1);
    }
  }
}

/** Encodes `value` with strings and byte strings in the msgpack raw family. */
export function compatPack(value: Packable): Buffer {
  const w = new Writer();
  pack(w, value, 0);
  return w.result();
}

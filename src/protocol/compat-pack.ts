/**
 * A msgpack encoder that writes strings in the old "raw" family only
 * (fixraw, raw16, raw32), as the Python 2 BlueOx did.
 *
 * Modern encoders (including @msgpack/msgpack) write 32..255-byte strings as
 * str8 (0xd9), which the msgpack libraries of Python 2 era readers reject;
 * oxd's control replies and the client's event bodies must be readable by
 * them. Decoding needs nothing special: current decoders read the raw family
 * as strings.
 *
 * Any JavaScript value can be packed; what msgpack cannot carry as it is
 * becomes something close (see `RawPacker.value`), so packing an
 * application's data never fails on its shape. It throws only when reading
 * the value itself throws (a getter or a toJSON that throws).
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

/** Containers nested deeper than this are written as the string "[Too deep]". */
export const MAX_DEPTH = 32;

const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);

export class RawPacker {
  private buf: Buffer;
  private pos = 0;
  /** Containers being written, outermost first, to spot circular references. */
  private readonly path: object[] = [];

  constructor(initialSize = 8192) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Starts a new message, reusing the buffer. */
  reset(): void {
    this.pos = 0;
    this.path.length = 0;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes packed since reset(); valid until the next reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  nil(): void {
    this.byte(0xc0);
  }

  bool(v: boolean): void {
    this.byte(v ? 0xc3 : 0xc2);
  }

  float(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.buf.writeDoubleBE(v, this.pos + 1);
    this.pos += 9;
  }

  /** Smallest encoding, as Python's msgpack chooses it. */
  int(v: number): void {
    if (v >= 0) {
      if (v < 128) return this.byte(v);
      this.ensure(9);
      const at = this.pos;
      if (v <= 0xff) {
        this.buf[at] = 0xcc;
        this.buf[at + 1] = v;
        this.pos += 2;
      } else if (v <= 0xffff) {
        this.buf[at] = 0xcd;
        this.buf.writeUInt16BE(v, at + 1);
        this.pos += 3;
      } else if (v <= 0xffffffff) {
        this.buf[at] = 0xce;
        this.buf.writeUInt32BE(v, at + 1);
        this.pos += 5;
      } else {
        this.buf[at] = 0xcf;
        this.buf.writeBigUInt64BE(BigInt(v), at + 1);
        this.pos += 9;
      }
      return;
    }
    if (v >= -32) return this.byte(v & 0xff);
    this.ensure(9);
    const at = this.pos;
    if (v >= -0x80) {
      this.buf[at] = 0xd0;
      this.buf.writeInt8(v, at + 1);
      this.pos += 2;
    } else if (v >= -0x8000) {
      this.buf[at] = 0xd1;
      this.buf.writeInt16BE(v, at + 1);
      this.pos += 3;
    } else if (v >= -0x80000000) {
      this.buf[at] = 0xd2;
      this.buf.writeInt32BE(v, at + 1);
      this.pos += 5;
    } else {
      this.buf[at] = 0xd3;
      this.buf.writeBigInt64BE(BigInt(v), at + 1);
      this.pos += 9;
    }
  }

  number(v: number): void {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) this.int(v);
    else this.float(v);
  }

  bigint(v: bigint): void {
    if (v >= MIN_INT64 && v <= MAX_UINT64) {
      if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return this.int(Number(v));
      this.ensure(9);
      this.buf[this.pos] = v < 0n ? 0xd3 : 0xcf;
      if (v < 0n) this.buf.writeBigInt64BE(v, this.pos + 1);
      else this.buf.writeBigUInt64BE(v, this.pos + 1);
      this.pos += 9;
    } else {
      // Beyond 64 bits: the decimal digits, so nothing is lost.
      this.string(v.toString());
    }
  }

  private rawHeader(n: number): void {
    this.ensure(5);
    const at = this.pos;
    if (n < 32) {
      this.buf[at] = 0xa0 | n;
      this.pos += 1;
    } else if (n <= 0xffff) {
      this.buf[at] = 0xda;
      this.buf.writeUInt16BE(n, at + 1);
      this.pos += 3;
    } else {
      this.buf[at] = 0xdb;
      this.buf.writeUInt32BE(n, at + 1);
      this.pos += 5;
    }
  }

  string(s: string): void {
    const n = s.length;
    if (n < 64) {
      // Short ASCII, the common case (keys, names, 32-character ids): one pass, no native call.
      const header = n < 32 ? 1 : 3;
      this.ensure(header + n);
      const buf = this.buf;
      let p = this.pos + header;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        const at = this.pos;
        if (header === 1) {
          buf[at] = 0xa0 | n;
        } else {
          buf[at] = 0xda;
          buf[at + 1] = 0;
          buf[at + 2] = n;
        }
        this.pos = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.rawHeader(bytes);
    this.ensure(bytes);
    this.pos += this.buf.write(s, this.pos, bytes, 'utf8');
  }

  bytes(b: Uint8Array): void {
    this.rawHeader(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  mapHeader(n: number): void {
    this.containerHeader(n, 0x80, 0xde, 0xdf);
  }

  arrayHeader(n: number): void {
    this.containerHeader(n, 0x90, 0xdc, 0xdd);
  }

  private containerHeader(n: number, fix: number, tag16: number, tag32: number): void {
    if (n < 16) return this.byte(fix | n);
    this.ensure(5);
    const at = this.pos;
    if (n <= 0xffff) {
      this.buf[at] = tag16;
      this.buf.writeUInt16BE(n, at + 1);
      this.pos += 3;
    } else {
      this.buf[at] = tag32;
      this.buf.writeUInt32BE(n, at + 1);
      this.pos += 5;
    }
  }

  /**
   * Packs any value. Conversions, for what msgpack has no type for:
   * undefined, functions and symbols: nil (and left out of maps, like JSON);
   * bigint: a 64-bit integer, or its decimal string beyond 64 bits;
   * Date: float seconds since the epoch (nil when invalid);
   * Error: its stack (or "Name: message");
   * Buffer, typed arrays, ArrayBuffer, DataView: raw bytes;
   * Map: a map with String(key) keys; Set: an array;
   * objects with toJSON(): what it returns; other objects: their own enumerable properties;
   * a container inside itself: "[Circular]"; deeper than MAX_DEPTH: "[Too deep]".
   */
  value(v: unknown, depth = 0): void {
    switch (typeof v) {
      case 'string':
        return this.string(v);
      case 'number':
        return this.number(v);
      case 'boolean':
        return this.bool(v);
      case 'bigint':
        return this.bigint(v);
      case 'object':
        if (v === null) return this.nil();
        return this.object(v, depth);
      default:
        return this.nil();
    }
  }

  private object(v: object, depth: number): void {
    if (v instanceof Float64) return this.float(v.value);
    if (v instanceof Uint8Array) return this.bytes(v);
    if (v instanceof Date) {
      const t = v.getTime();
      return Number.isNaN(t) ? this.nil() : this.float(t / 1000);
    }
    if (v instanceof Error) return this.string(v.stack ?? `${v.name}: ${v.message}`);
    if (ArrayBuffer.isView(v)) return this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (v instanceof ArrayBuffer) return this.bytes(new Uint8Array(v));
    if (depth >= MAX_DEPTH) return this.string('[Too deep]');
    if (this.path.includes(v)) return this.string('[Circular]');
    this.path.push(v);
    try {
      if (Array.isArray(v)) {
        this.arrayHeader(v.length);
        for (let i = 0; i < v.length; i++) this.value(v[i], depth + 1);
      } else if (v instanceof Map) {
        this.mapHeader(v.size);
        for (const [key, item] of v) {
          this.string(String(key));
          this.value(item, depth + 1);
        }
      } else if (v instanceof Set) {
        this.arrayHeader(v.size);
        for (const item of v) this.value(item, depth + 1);
      } else if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        this.value((v as { toJSON(): unknown }).toJSON(), depth + 1);
      } else {
        this.plainObject(v as Record<string, unknown>, depth);
      }
    } finally {
      this.path.pop();
    }
  }

  private plainObject(o: Record<string, unknown>, depth: number): void {
    let n = 0;
    for (const key in o) {
      if (Object.prototype.hasOwnProperty.call(o, key) && isPresent(o[key])) n++;
    }
    this.mapHeader(n);
    for (const key in o) {
      if (!Object.prototype.hasOwnProperty.call(o, key)) continue;
      const item = o[key];
      if (!isPresent(item)) continue;
      this.string(key);
      this.value(item, depth + 1);
    }
  }
}

function isPresent(v: unknown): boolean {
  const t = typeof v;
  return t !== 'undefined' && t !== 'function' && t !== 'symbol';
}

const shared = new RawPacker(256);

/** Encodes `value` with strings and byte strings in the msgpack raw family. */
export function compatPack(value: unknown): Buffer {
  shared.reset();
  try {
    shared.value(value);
    return Buffer.from(shared.view());
  } finally {
    shared.reset();
  }
}

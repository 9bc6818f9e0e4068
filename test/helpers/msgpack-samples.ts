/**
 * msgpack values built byte by byte, each in the width asked for (a str of
 * 3 bytes as fixstr, str8, str16 or str32...), so tests can cover every
 * type and width the format has, whatever an encoder would choose.
 */

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function fits(n: number, max: number): number {
  if (n > max) throw new Error(`${n} does not fit a fix type (at most ${max})`);
  return n;
}

function header(tag: number, width: 1 | 2 | 4, n: number): Buffer {
  const b = Buffer.alloc(1 + width);
  b[0] = tag;
  if (width === 1) b.writeUInt8(n, 1); // throws when n does not fit
  else if (width === 2) b.writeUInt16BE(n, 1);
  else b.writeUInt32BE(n, 1);
  return b;
}

export type Width = 'fix' | 8 | 16 | 32;
const W = { 8: 1, 16: 2, 32: 4 } as const;

export const nil = (): Buffer => hex('c0');
export const bool = (v: boolean): Buffer => hex(v ? 'c3' : 'c2');

/** An unsigned integer as uint8/16/32/64 (0xcc-0xcf), or as positive fixint. */
export function uint(width: 'fix' | 8 | 16 | 32 | 64, n: bigint): Buffer {
  if (width === 'fix') return Buffer.from([Number(n)]);
  const b = Buffer.alloc(1 + width / 8);
  b[0] = { 8: 0xcc, 16: 0xcd, 32: 0xce, 64: 0xcf }[width];
  if (width === 64) b.writeBigUInt64BE(n, 1);
  else b.writeUIntBE(Number(n), 1, width / 8);
  return b;
}

/** A signed integer as int8/16/32/64 (0xd0-0xd3), or as negative fixint. */
export function int(width: 'fix' | 8 | 16 | 32 | 64, n: bigint): Buffer {
  if (width === 'fix') return Buffer.from([Number(n) & 0xff]);
  const b = Buffer.alloc(1 + width / 8);
  b[0] = { 8: 0xd0, 16: 0xd1, 32: 0xd2, 64: 0xd3 }[width];
  if (width === 64) b.writeBigInt64BE(n, 1);
  else b.writeIntBE(Number(n), 1, width / 8);
  return b;
}

export function f32(x: number): Buffer {
  const b = Buffer.alloc(5);
  b[0] = 0xca;
  b.writeFloatBE(x, 1);
  return b;
}

export function f64(x: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 0xcb;
  b.writeDoubleBE(x, 1);
  return b;
}

/** A float64 from its bit pattern (for NaNs with payloads and every other pattern). */
export function f64bits(bits: bigint): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 0xcb;
  b.writeBigUInt64BE(bits, 1);
  return b;
}

export function str(bytes: Buffer | string, width: Width = 'fix'): Buffer {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  if (width === 'fix') return Buffer.concat([Buffer.from([0xa0 | fits(data.length, 31)]), data]);
  return Buffer.concat([header({ 8: 0xd9, 16: 0xda, 32: 0xdb }[width], W[width], data.length), data]);
}

export function bin(bytes: Buffer | string, width: 8 | 16 | 32 = 8): Buffer {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return Buffer.concat([header({ 8: 0xc4, 16: 0xc5, 32: 0xc6 }[width], W[width], data.length), data]);
}

export function array(items: Buffer[], width: 'fix' | 16 | 32 = 'fix'): Buffer {
  const head = width === 'fix' ? Buffer.from([0x90 | fits(items.length, 15)]) : header(width === 16 ? 0xdc : 0xdd, W[width], items.length);
  return Buffer.concat([head, ...items]);
}

export function map(pairs: Array<[Buffer, Buffer]>, width: 'fix' | 16 | 32 = 'fix'): Buffer {
  const head = width === 'fix' ? Buffer.from([0x80 | fits(pairs.length, 15)]) : header(width === 16 ? 0xde : 0xdf, W[width], pairs.length);
  return Buffer.concat([head, ...pairs.flat()]);
}

/** An extension value, as fixext when the data has 1, 2, 4, 8 or 16 bytes unless a width is asked for. */
export function ext(type: number, data: Buffer, width: 'fix' | 8 | 16 | 32 = 'fix'): Buffer {
  const t = Buffer.from([type & 0xff]);
  if (width === 'fix') {
    const tag = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }[data.length];
    if (tag === undefined) throw new Error(`no fixext for ${data.length} bytes`);
    return Buffer.concat([Buffer.from([tag]), t, data]);
  }
  return Buffer.concat([header({ 8: 0xc7, 16: 0xc8, 32: 0xc9 }[width], W[width], data.length), t, data]);
}

/** The timestamp extension: 32-bit seconds. */
export function timestamp32(seconds: number): Buffer {
  const d = Buffer.alloc(4);
  d.writeUInt32BE(seconds);
  return ext(-1, d);
}

/** 30-bit nanoseconds and 34-bit seconds. */
export function timestamp64(seconds: number, nanos: number): Buffer {
  const d = Buffer.alloc(8);
  d.writeBigUInt64BE((BigInt(nanos) << 34n) | BigInt(seconds));
  return ext(-1, d);
}

/** 32-bit nanoseconds and signed 64-bit seconds (ext8 with 12 bytes). */
export function timestamp96(seconds: bigint, nanos: number): Buffer {
  const d = Buffer.alloc(12);
  d.writeUInt32BE(nanos);
  d.writeBigInt64BE(seconds, 4);
  return ext(-1, d, 8);
}

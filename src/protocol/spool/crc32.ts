/**
 * CRC-32 (IEEE 802.3, the one zlib, gzip and PNG use) over part of a
 * buffer, continuing from an earlier value. Node's zlib computes it natively
 * from Node 20.15 and 22.2; Debian bookworm's Node 18 has no such function,
 * so a table-driven one stands in there. Both give the same values, so a
 * spool written under one Node is read under the other.
 */
import * as zlib from 'node:zlib';

type NativeCrc32 = (data: Uint8Array, value?: number) => number;
const native = (zlib as { crc32?: NativeCrc32 }).crc32;

/** Eight tables of 256: a byte at a time costs about 2 ns here, eight at a time about 0.6 ns a byte. */
const TABLES = new Int32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLES[n] = c;
}
for (let n = 0; n < 256; n++) {
  for (let t = 1; t < 8; t++) TABLES[t * 256 + n] = (TABLES[(t - 1) * 256 + n] >>> 8) ^ TABLES[TABLES[(t - 1) * 256 + n] & 0xff];
}

/** The table-driven CRC-32 of `buf[start, end)`, continuing from `value`. */
export function crc32Portable(buf: Uint8Array, start: number, end: number, value: number): number {
  const T = TABLES;
  let c = ~value;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c =
      T[1792 + (c & 0xff)] ^
      T[1536 + ((c >>> 8) & 0xff)] ^
      T[1280 + ((c >>> 16) & 0xff)] ^
      T[1024 + (c >>> 24)] ^
      T[768 + buf[i + 4]] ^
      T[512 + buf[i + 5]] ^
      T[256 + buf[i + 6]] ^
      T[buf[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Below this many bytes the table-driven CRC is faster than the native one,
 * whose call and the view it needs cost about 300 ns (a spool record of a
 * 200-byte event is about 370 bytes).
 */
const NATIVE_FROM = 1024;

/** CRC-32 of `buf[start, end)`, continuing from `value` (0 to start). */
export function crc32(buf: Uint8Array, start: number, end: number, value: number): number {
  if (native === undefined || end - start < NATIVE_FROM) return crc32Portable(buf, start, end, value);
  return native(buf.subarray(start, end), value);
}

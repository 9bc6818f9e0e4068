/**
 * The disk spool's record: one event (its meta and body frames, unchanged)
 * with the sequence number the spool gave it and the time it was spooled,
 * behind a header that lets a reader check it and find the next one.
 *
 *   offset  size  field
 *   0       1     marker 0xD5
 *   1       1     format version, 1
 *   2       2     meta frame length (big-endian, as everything here)
 *   4       4     body frame length
 *   8       8     sequence number (u64; below 2^53)
 *   16      8     spooled at, milliseconds since the epoch (float64)
 *   24      4     CRC-32 (IEEE, zlib's) of bytes 0..23, the meta and the body
 *   28            meta frame, then body frame
 *
 * Pure: bytes in, values out. A reader that meets bytes that are not a
 * record (a write torn by a crash, a disk error, bytes overwritten) looks for
 * the next offset where a whole record checks out, so one damaged record
 * costs only itself.
 */
import { crc32 } from './crc32';

export const RECORD_MARKER = 0xd5;
export const RECORD_VERSION = 1;
export const RECORD_HEADER = 28;
/** Frames larger than this are not events oxd takes (max_event_size is far below), so a header claiming more is damage. */
export const RECORD_MAX_FRAME = 256 * 1024 * 1024;
const CRC_AT = 24;
const TWO_32 = 0x1_0000_0000;

/** Bytes a record of these frames takes. */
export function recordSize(metaLength: number, bodyLength: number): number {
  return RECORD_HEADER + metaLength + bodyLength;
}

/**
 * Writes the record at `out[at]` (room for recordSize bytes must be there);
 * returns where it ends.
 */
export function writeRecord(
  out: Buffer,
  at: number,
  seq: number,
  spooledAt: number,
  meta: Uint8Array,
  metaStart: number,
  metaEnd: number,
  body: Uint8Array,
  bodyStart: number,
  bodyEnd: number,
): number {
  const metaLength = metaEnd - metaStart;
  const bodyLength = bodyEnd - bodyStart;
  out[at] = RECORD_MARKER;
  out[at + 1] = RECORD_VERSION;
  out.writeUInt16BE(metaLength, at + 2);
  out.writeUInt32BE(bodyLength, at + 4);
  out.writeUInt32BE(Math.floor(seq / TWO_32), at + 8);
  out.writeUInt32BE(seq >>> 0, at + 12);
  out.writeDoubleBE(spooledAt, at + 16);
  const data = at + RECORD_HEADER;
  out.set(meta.subarray(metaStart, metaEnd), data);
  out.set(body.subarray(bodyStart, bodyEnd), data + metaLength);
  const end = data + metaLength + bodyLength;
  let crc = crc32(out, at, at + CRC_AT, 0);
  crc = crc32(out, data, end, crc);
  out.writeUInt32BE(crc, at + CRC_AT);
  return end;
}

/** A record read in place: its frames are `buf[metaStart, metaEnd)` and `buf[metaEnd, end)`. */
export interface SpoolRecord {
  seq: number;
  spooledAt: number;
  start: number;
  metaStart: number;
  metaEnd: number;
  end: number;
}

/** What readRecord found at an offset. */
export const RECORD_INCOMPLETE = -1;
export const RECORD_DAMAGED = -2;

/**
 * The record at `buf[at]` into `into`, returning its end; RECORD_INCOMPLETE
 * when `buf[at, end)` holds only the start of what could be a record (read
 * more, or at the end of a file: a torn write); RECORD_DAMAGED when the bytes
 * there are not a record.
 */
export function readRecord(buf: Buffer, at: number, end: number, into: SpoolRecord): number {
  if (end - at < 1) return RECORD_INCOMPLETE;
  if (buf[at] !== RECORD_MARKER) return RECORD_DAMAGED;
  if (end - at < 2) return RECORD_INCOMPLETE;
  if (buf[at + 1] !== RECORD_VERSION) return RECORD_DAMAGED;
  if (end - at < RECORD_HEADER) return RECORD_INCOMPLETE;
  const metaLength = buf.readUInt16BE(at + 2);
  const bodyLength = buf.readUInt32BE(at + 4);
  const seqHigh = buf.readUInt32BE(at + 8);
  if (bodyLength > RECORD_MAX_FRAME || seqHigh >= 0x20_0000) return RECORD_DAMAGED;
  const recordEnd = at + RECORD_HEADER + metaLength + bodyLength;
  if (recordEnd > end) return RECORD_INCOMPLETE;
  let crc = crc32(buf, at, at + CRC_AT, 0);
  crc = crc32(buf, at + RECORD_HEADER, recordEnd, crc);
  if (crc !== buf.readUInt32BE(at + CRC_AT)) return RECORD_DAMAGED;
  into.seq = seqHigh * TWO_32 + buf.readUInt32BE(at + 12);
  into.spooledAt = buf.readDoubleBE(at + 16);
  into.start = at;
  into.metaStart = at + RECORD_HEADER;
  into.metaEnd = at + RECORD_HEADER + metaLength;
  into.end = recordEnd;
  return recordEnd;
}

/**
 * After damage at `from`: the next offset in `buf[from + 1, end)` where a
 * whole record checks out, or where one may start but is cut off by `end`
 * (RECORD_INCOMPLETE there: read more and look again), or -1 when none is
 * in these bytes.
 */
export function nextRecord(buf: Buffer, from: number, end: number, scratch: SpoolRecord): number {
  for (let at = buf.indexOf(RECORD_MARKER, from + 1); at >= 0 && at < end; at = buf.indexOf(RECORD_MARKER, at + 1)) {
    if (readRecord(buf, at, end, scratch) !== RECORD_DAMAGED) return at;
  }
  return -1;
}

/** The bytes and number of the whole records at the start of `buf[0, end)` that take at most `room` bytes. */
export function wholeRecordsWithin(buf: Buffer, end: number, room: number): { bytes: number; records: number } {
  let bytes = 0;
  let records = 0;
  while (bytes < end) {
    const next = bytes + RECORD_HEADER + buf.readUInt16BE(bytes + 2) + buf.readUInt32BE(bytes + 4);
    if (next > room) break;
    bytes = next;
    records++;
  }
  return { bytes, records };
}

/**
 * Event ids as the original made them: 32 hex characters, the first 8 the
 * big-endian unix time in seconds (so ids sort roughly by time), the rest 12
 * random bytes. Random bytes are drawn from the OS in blocks, so an id costs
 * one hex conversion rather than a system call. oxd writes the ids of the
 * events it makes straight into their frames, as ASCII hex.
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
const POOL_BYTES = ID_BYTES * 256;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** Characters of an id. */
export const EVENT_ID_LENGTH = 2 * ID_BYTES;
const HEX = Buffer.from('0123456789abcdef');

/** The next 16 bytes of the pool, the first 4 the time; returns where they are. */
function nextId(nowMs: number): number {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  // The first 4 of the 16 random bytes are replaced by the time.
  pool.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, offset);
  const at = offset;
  offset += ID_BYTES;
  return at;
}

export function newEventId(nowMs: number = Date.now()): string {
  const at = nextId(nowMs);
  return pool.toString('hex', at, at + ID_BYTES);
}

/** A new id's 32 hex characters written at `buf[at]`, without making a string. */
export function writeEventId(buf: Uint8Array, at: number, nowMs: number): void {
  const from = nextId(nowMs);
  for (let i = 0; i < ID_BYTES; i++) {
    const b = pool[from + i];
    buf[at + 2 * i] = HEX[b >> 4];
    buf[at + 2 * i + 1] = HEX[b & 15];
  }
}

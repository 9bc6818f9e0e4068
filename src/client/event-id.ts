/**
 * Event ids as the original made them: 32 hex characters, the first 8 the
 * big-endian unix time in seconds (so ids sort roughly by time), the rest 12
 * random bytes. Random bytes are drawn from the OS in blocks, so an id costs
 * one hex conversion rather than a system call.
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
const POOL_BYTES = ID_BYTES * 256;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

export function newEventId(nowMs: number = Date.now()): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  // The first 4 of the 16 random bytes are replaced by the time.
  pool.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, offset);
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id;
}

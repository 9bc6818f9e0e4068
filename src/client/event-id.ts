/**
 * Event ids as the original made them: 32 hex characters, the first 8 the
 * big-endian unix time in seconds (so ids sort roughly by time), the rest 12
 * random bytes. Random bytes are drawn from the OS in blocks, so an id costs
 * a few table lookups rather than a system call.
 */
import { randomFillSync } from 'node:crypto';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_BYTES = 12 * 256;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

export function newEventId(nowMs: number = Date.now()): string {
  if (offset + 12 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const t = Math.floor(nowMs / 1000) >>> 0;
  let id = HEX[t >>> 24] + HEX[(t >>> 16) & 0xff] + HEX[(t >>> 8) & 0xff] + HEX[t & 0xff];
  for (let i = 0; i < 12; i++) id += HEX[pool[offset + i]];
  offset += 12;
  return id;
}

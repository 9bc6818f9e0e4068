/**
 * The benchmark's pre-serialised traffic: K two-frame events (137-byte meta
 * frame, body of exactly BODY_SIZE bytes packed in the raw string family as
 * the Python 2 client did), ZMTP-encoded back to back in one Buffer that a
 * sender writes again and again.
 */
import { randomBytes } from 'node:crypto';
import { compatPack, Float64 } from '../../src/protocol/compat-pack';
import { encodeMeta } from '../../src/protocol/meta';
import { encodeMessage } from '../../src/protocol/zmtp/frame';

export const BODY_SIZE = 200;
/** Event types cycled through, so the file store keeps several files open. */
export const TYPES = ['request', 'request.db', 'worker.job'];

/** One body of exactly `size` bytes: the client's envelope plus a user map padded to fit. */
export function eventBody(type: string, host: string, end: number, size: number): Buffer {
  const id = randomBytes(16).toString('hex');
  const make = (pad: number, user: number): Buffer =>
    compatPack({
      id,
      type,
      host,
      pid: 4242,
      start: new Float64(end - 0.0123),
      end: new Float64(end),
      body: { method: 'GET', path: '/api/v1/items', status: 200, user: 'bench'.padEnd(5 + user, '0'), pad: 'x'.repeat(pad) },
    });
  // A raw string of 32 bytes or more has a 3-byte header instead of 1, so some
  // totals cannot be reached by the pad alone: lengthen another string a little.
  for (let user = 0; user < 4; user++) {
    for (let pad = 0; pad <= size; pad++) {
      const out = make(pad, user);
      if (out.length === size) return out;
      if (out.length > size) break;
    }
  }
  throw new Error(`cannot pack a ${size}-byte body for type ${type} and host ${host}`);
}

export interface Payload {
  /** K encoded messages, back to back. */
  bytes: Buffer;
  messages: number;
  bodySize: number;
}

export function buildPayload(messages: number, host: string, bodySize = BODY_SIZE): Payload {
  const end = Date.now() / 1000;
  const parts: Buffer[] = [];
  for (let i = 0; i < messages; i++) {
    const type = TYPES[i % TYPES.length];
    parts.push(encodeMessage([encodeMeta({ end, host, type }), eventBody(type, host, end, bodySize)]));
  }
  return { bytes: Buffer.concat(parts), messages, bodySize };
}

/**
 * What a restarting oxd tells the next one about the collect connections it
 * hands over through systemd's file descriptor store (fd-store.ts): for
 * each, the sender's address (to find its socket among the descriptors
 * passed back), whether it speaks ZMTP 3 or 2, and where it is in the
 * stream: the frames of the message begun, the bytes of a frame begun, how
 * much of an oversized frame is left to skip. The next oxd reads on from
 * there, so not a byte a sender wrote is lost or read twice, and no sender
 * sees its connection close.
 *
 * Kept as JSON in a memfd beside the sockets; its own version number, so an
 * oxd never guesses at another version's state (it closes such connections
 * instead, and their senders connect again).
 */

export const HANDOVER_VERSION = 1;

export interface ConnectionHandover {
  /** The sender's address:port, as CollectConnection names it. */
  peer: string;
  /** ZMTP 3 (command frames) rather than 2. */
  commands: boolean;
  /** Frames of the current message already read (0: between messages). */
  frameIndex: number;
  /** A frame of the current message was over the size limit. */
  oversized: boolean;
  meta: Buffer | null;
  body: Buffer | null;
  /** Bytes of a frame begun, as read. */
  pending: Buffer;
  /** Bytes of an oversized frame still to skip. */
  skip: number;
}

interface Written {
  peer: string;
  commands: boolean;
  frameIndex: number;
  oversized: boolean;
  meta: string | null;
  body: string | null;
  pending: string;
  skip: number;
}

export function encodeHandover(connections: ConnectionHandover[]): Buffer {
  const written: Written[] = connections.map((c) => ({
    ...c,
    meta: c.meta === null ? null : c.meta.toString('base64'),
    body: c.body === null ? null : c.body.toString('base64'),
    pending: c.pending.toString('base64'),
  }));
  return Buffer.from(JSON.stringify({ version: HANDOVER_VERSION, connections: written }));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBase64 = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v);

/** The connections in a handover, or a text saying why it cannot be used. */
export function decodeHandover(bytes: Buffer): ConnectionHandover[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const top = parsed as { version?: unknown; connections?: unknown };
  if (top === null || typeof top !== 'object') return 'not an object';
  if (top.version !== HANDOVER_VERSION) return `version ${String(top.version)}, this oxd reads ${HANDOVER_VERSION}`;
  if (!Array.isArray(top.connections)) return 'no list of connections';
  const out: ConnectionHandover[] = [];
  for (const c of top.connections as Partial<Written>[]) {
    const ok =
      c !== null &&
      typeof c === 'object' &&
      typeof c.peer === 'string' &&
      typeof c.commands === 'boolean' &&
      isCount(c.frameIndex) &&
      typeof c.oversized === 'boolean' &&
      (c.meta === null || isBase64(c.meta)) &&
      (c.body === null || isBase64(c.body)) &&
      isBase64(c.pending) &&
      isCount(c.skip) &&
      (c.frameIndex < 1 || c.meta !== null) &&
      (c.frameIndex < 2 || c.body !== null);
    if (!ok) return `a connection entry that does not fit: ${JSON.stringify(c).slice(0, 200)}`;
    out.push({
      peer: c.peer!,
      commands: c.commands!,
      frameIndex: c.frameIndex!,
      oversized: c.oversized!,
      meta: c.meta == null ? null : Buffer.from(c.meta, 'base64'),
      body: c.body == null ? null : Buffer.from(c.body, 'base64'),
      pending: Buffer.from(c.pending!, 'base64'),
      skip: c.skip!,
    });
  }
  return out;
}

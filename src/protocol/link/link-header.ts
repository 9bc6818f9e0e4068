/**
 * The header frame of the link's messages (doc/link.md): BATCH, from the
 * forwarding oxd, and ACK, from the upstream. Pure: values to bytes and back.
 */

export const LINK_MAGIC = Buffer.from('BXL1', 'latin1');
export const LINK_HEADER_SIZE = 46;
export const KIND_BATCH = 1;
export const KIND_ACK = 2;
/**
 * A BATCH that starts a connection: every event of the link before `first`
 * was acknowledged, by this upstream or another one the sender failed over
 * to, so a range beyond what this upstream took is not a lost batch.
 */
export const KIND_RESUME = 3;
export const COMPRESS_NONE = 0;
export const COMPRESS_ZLIB = 1;
/** Zstandard (RFC 8878): sent only to an upstream that announces it can decode it. */
export const COMPRESS_ZSTD = 2;
/** A batch's payload is at most this many bytes before compression (the sender makes them far smaller). */
export const MAX_BATCH_BYTES = 64 * 1024 * 1024;
/** The READY property by which our collect port announces its link port. */
export const LINK_PROPERTY = 'X-BlueOx-Link';
/** The READY property by which it announces that its link requires CURVE, and with which public key (Z85). */
export const LINK_CURVE_PROPERTY = 'X-BlueOx-Link-Curve';
/** The READY property by which it announces the compressions its link decodes, space-separated (`zlib zstd`); absent: zlib only. */
export const LINK_CODECS_PROPERTY = 'X-BlueOx-Link-Codecs';

export interface LinkHeader {
  kind: typeof KIND_BATCH | typeof KIND_ACK | typeof KIND_RESUME;
  compression: number;
  /** 32 hex characters. */
  link: string;
  /** BATCH: the first event's sequence number; ACK: every event up to this one is taken. */
  first: number;
  last: number;
  count: number;
  /** The payload's bytes before compression. */
  rawBytes: number;
}

const TWO_32 = 0x1_0000_0000;

function writeU64(b: Buffer, at: number, n: number): void {
  b.writeUInt32BE(Math.floor(n / TWO_32), at);
  b.writeUInt32BE(n >>> 0, at + 4);
}

function readU64(b: Buffer, at: number): number | null {
  const high = b.readUInt32BE(at);
  return high >= 0x20_0000 ? null : high * TWO_32 + b.readUInt32BE(at + 4);
}

export function encodeLinkHeader(h: LinkHeader): Buffer {
  const b = Buffer.alloc(LINK_HEADER_SIZE);
  LINK_MAGIC.copy(b, 0);
  b[4] = h.kind;
  b[5] = h.compression;
  b.write(h.link, 6, 16, 'hex');
  writeU64(b, 22, h.first);
  writeU64(b, 30, h.last);
  b.writeUInt32BE(h.count, 38);
  b.writeUInt32BE(h.rawBytes, 42);
  return b;
}

/** The header in `frame`, or a text saying what is wrong with it. */
export function decodeLinkHeader(frame: Buffer): LinkHeader | string {
  if (frame.length !== LINK_HEADER_SIZE) return `a link header is ${LINK_HEADER_SIZE} bytes, not ${frame.length}`;
  if (!frame.subarray(0, 4).equals(LINK_MAGIC)) return 'not a link message (no BXL1 magic)';
  const kind = frame[4];
  if (kind !== KIND_BATCH && kind !== KIND_ACK && kind !== KIND_RESUME) return `unknown link message kind ${kind}`;
  const compression = frame[5];
  if (compression !== COMPRESS_NONE && compression !== COMPRESS_ZLIB && compression !== COMPRESS_ZSTD) return `unknown compression ${compression}`;
  const first = readU64(frame, 22);
  const last = readU64(frame, 30);
  if (first === null || last === null) return 'a sequence number over 2^53';
  const count = frame.readUInt32BE(38);
  if (kind !== KIND_ACK && (count === 0 || last < first || last - first + 1 < count)) return `a batch of ${count} events cannot run from ${first} to ${last}`;
  const rawBytes = frame.readUInt32BE(42);
  if (rawBytes > MAX_BATCH_BYTES) return `a batch of ${rawBytes} bytes, over ${MAX_BATCH_BYTES}`;
  return { kind, compression, link: frame.toString('hex', 6, 22), first, last, count, rawBytes };
}

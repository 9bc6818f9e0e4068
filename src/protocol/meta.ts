/**
 * The meta frame: the first of the two frames of an event on the collect port.
 *
 * Layout (Python struct `!Bd64p64p`, 137 bytes, big-endian):
 *   0       version, always 3
 *   1..8    end time, float64 seconds since the epoch
 *   9..72   host, Pascal string in a 64-byte field
 *   73..136 type, Pascal string in a 64-byte field
 *
 * oxd routes on this frame alone, so the decoder works on offsets into a
 * larger buffer and never allocates unless asked for strings.
 */
import { BlueOxError } from '../errors';

export const META_VERSION = 3;
export const META_SIZE = 137;
export const PASCAL_FIELD = 64;
/** The first byte of a Pascal field is the length, so 63 bytes fit. */
export const PASCAL_MAX = PASCAL_FIELD - 1;
export const META_END_OFFSET = 1;
export const META_HOST_OFFSET = 9;
export const META_TYPE_OFFSET = META_HOST_OFFSET + PASCAL_FIELD;

export interface Meta {
  version: number;
  end: number;
  host: string;
  type: string;
}

/**
 * Python's `p` format stores min(len, 63) in the length byte and truncates.
 * The original client refused names over 64 bytes before packing, and silently
 * truncated 64-byte ones; we refuse anything that would not round-trip.
 */
function writePascal(target: Buffer, offset: number, value: string, field: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > PASCAL_MAX) {
    throw new BlueOxError(
      'EMETA_FIELD_TOO_LONG',
      `event ${field} is ${bytes.length} bytes; the meta frame holds at most ${PASCAL_MAX}: use a shorter ${field}`,
    );
  }
  target[offset] = bytes.length;
  bytes.copy(target, offset + 1);
}

export function encodeMeta(meta: { end: number; host: string; type: string }): Buffer {
  const buf = Buffer.alloc(META_SIZE);
  buf[0] = META_VERSION;
  buf.writeDoubleBE(meta.end, META_END_OFFSET);
  writePascal(buf, META_HOST_OFFSET, meta.host, 'host');
  writePascal(buf, META_TYPE_OFFSET, meta.type, 'type');
  return buf;
}

/** Length of a Pascal field, clamped as Python does when it unpacks. */
export function pascalLength(buf: Buffer, fieldOffset: number): number {
  const n = buf[fieldOffset];
  return n > PASCAL_MAX ? PASCAL_MAX : n;
}

/**
 * Decodes a meta frame that starts at `offset` and is `length` bytes long.
 * Returns null when the frame is not a valid version-3 meta frame.
 */
export function decodeMeta(buf: Buffer, offset = 0, length = buf.length - offset): Meta | null {
  if (length !== META_SIZE || buf[offset] !== META_VERSION) return null;
  const hostAt = offset + META_HOST_OFFSET;
  const typeAt = offset + META_TYPE_OFFSET;
  return {
    version: META_VERSION,
    end: buf.readDoubleBE(offset + META_END_OFFSET),
    host: buf.toString('utf8', hostAt + 1, hostAt + 1 + pascalLength(buf, hostAt)),
    type: buf.toString('utf8', typeAt + 1, typeAt + 1 + pascalLength(buf, typeAt)),
  };
}

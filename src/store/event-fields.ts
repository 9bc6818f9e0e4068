/**
 * The few top-level fields of an event that the tools act on (to filter,
 * group, name an index, print a header), read from its msgpack bytes
 * without decoding the rest: the body and every other value are stepped
 * over. What the tools print comes from the bytes themselves (src/json/).
 */
import { bytesText } from '../json/json-string';
import { msgpackExtent } from '../protocol/msgpack-extent';

export interface EventFields {
  /** Strings by src/json's rule (`\xNN` for bytes that are not UTF-8); numbers as numbers. */
  type?: unknown;
  id?: unknown;
  host?: unknown;
  pid?: unknown;
  start?: unknown;
  end?: unknown;
  /** Where the body's msgpack value is in the event's bytes: [bodyStart, bodyEnd), or -1. */
  bodyStart: number;
  bodyEnd: number;
}

const NAMES = ['type', 'id', 'host', 'pid', 'start', 'end', 'body'] as const;
const NAME_BYTES = NAMES.map((n) => Buffer.from(n));

/** True when `raw` is exactly one complete msgpack map (what an event is). */
export function isEventBytes(raw: Buffer): boolean {
  if (raw.length === 0) return false;
  const tag = raw[0];
  if (!((tag >= 0x80 && tag <= 0x8f) || tag === 0xde || tag === 0xdf)) return false;
  return msgpackExtent(raw, 0, raw.length) === raw.length;
}

/** The fields of the event `raw` (one complete msgpack map, see isEventBytes). */
export function eventFields(raw: Buffer): EventFields {
  const fields: EventFields = { bodyStart: -1, bodyEnd: -1 };
  const tag = raw[0];
  let count: number;
  let at: number;
  if (tag >= 0x80 && tag <= 0x8f) [count, at] = [tag & 0x0f, 1];
  else if (tag === 0xde) [count, at] = [raw.readUInt16BE(1), 3];
  else [count, at] = [raw.readUInt32BE(1), 5];
  for (let i = 0; i < count && at < raw.length; i++) {
    const keyTag = raw[at];
    const keyEnd = msgpackExtent(raw, at, raw.length);
    if (keyEnd < 0) break;
    const valueEnd = msgpackExtent(raw, keyEnd, raw.length);
    if (valueEnd < 0) break;
    // Event keys are short strings (fixstr).
    const name = keyTag >= 0xa0 && keyTag <= 0xbf ? NAME_BYTES.findIndex((n) => n.length === (keyTag & 0x1f) && raw.compare(n, 0, n.length, at + 1, keyEnd) === 0) : -1;
    if (name === 6) [fields.bodyStart, fields.bodyEnd] = [keyEnd, valueEnd];
    else if (name >= 0) fields[NAMES[name] as Exclude<(typeof NAMES)[number], 'body'>] = scalar(raw, keyEnd, valueEnd);
    at = valueEnd;
  }
  return fields;
}

/** A 64-bit integer as a number when that is exact, else as a bigint (an id must not change). */
function exact(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** A str, number, bool or nil value as a JavaScript value; containers and extensions as undefined. */
function scalar(raw: Buffer, at: number, end: number): unknown {
  const tag = raw[at];
  if (tag <= 0x7f) return tag;
  if (tag >= 0xe0) return tag - 0x100;
  if (tag >= 0xa0 && tag <= 0xbf) return bytesText(raw, at + 1, end);
  switch (tag) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xd9:
    case 0xc4:
      return bytesText(raw, at + 2, end);
    case 0xda:
    case 0xc5:
      return bytesText(raw, at + 3, end);
    case 0xdb:
    case 0xc6:
      return bytesText(raw, at + 5, end);
    case 0xca:
      return raw.readFloatBE(at + 1);
    case 0xcb:
      return raw.readDoubleBE(at + 1);
    case 0xcc:
      return raw[at + 1];
    case 0xcd:
      return raw.readUInt16BE(at + 1);
    case 0xce:
      return raw.readUInt32BE(at + 1);
    case 0xcf:
      return exact(raw.readBigUInt64BE(at + 1));
    case 0xd0:
      return raw.readInt8(at + 1);
    case 0xd1:
      return raw.readInt16BE(at + 1);
    case 0xd2:
      return raw.readInt32BE(at + 1);
    case 0xd3:
      return exact(raw.readBigInt64BE(at + 1));
    default:
      return undefined;
  }
}

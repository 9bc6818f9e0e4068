/**
 * How many bytes the msgpack value at a position takes, without decoding
 * it. Log files are msgpack maps one after another with nothing between
 * them; knowing where each ends lets a reader decode events one by one, tell
 * a value cut off at the end of the data (a file still being written) from a
 * corrupt one, and step over garbage to the next event.
 *
 * The strict scan also refuses what is well-formed msgpack but makes a strict
 * reader such as Python's `msgpack.Unpacker` raise: oxd uses it to keep such
 * bodies out of its files, where they would stop every reader at that point.
 */

/** The value is complete and ends at this offset. */
export type Extent = number;
/** More bytes are needed to know. */
export const INCOMPLETE = -1;
/** The bytes cannot be msgpack (the reserved tag 0xc1), or containers nest too deep. */
export const INVALID = -2;
/**
 * Well-formed msgpack that strict readers refuse (strict scan only): a map or
 * array used as a map key (Python cannot hash it), or an extension type with a
 * negative code other than a well-formed timestamp (Python refuses codes the
 * msgpack specification reserves, and timestamps of another size or with
 * nanoseconds of 10^9 or more).
 */
export const UNREADABLE = -3;

/** Containers nested deeper than this are treated as corrupt data, not recursed into. */
export const MAX_DEPTH = 512;

/** Filled by msgpackExtent when asked: whether the value holds byte strings or extension types. */
export interface ExtentInfo {
  binary: boolean;
}

export function isMapTag(tag: number): boolean {
  return (tag >= 0x80 && tag <= 0x8f) || tag === 0xde || tag === 0xdf;
}

/**
 * The end offset of the value starting at `pos` in `buf[pos, end)`, or
 * INCOMPLETE, or INVALID. Iterative: a hostile file cannot exhaust the stack.
 */
export function msgpackExtent(
  buf: Uint8Array,
  pos: number,
  end: number = buf.length,
  info?: ExtentInfo,
): Extent | typeof INCOMPLETE | typeof INVALID {
  return scan(buf, pos, end, info) as Extent | typeof INCOMPLETE | typeof INVALID;
}

/**
 * As msgpackExtent (for buffers under 2 GiB), and UNREADABLE for values that
 * strict readers refuse. A container declaring more values than bytes are left
 * is INCOMPLETE at once.
 */
export function strictExtent(buf: Uint8Array, pos: number, end: number): Extent | typeof INCOMPLETE | typeof INVALID | typeof UNREADABLE {
  return scanStrict(buf, pos, end);
}

const EXT_TIMESTAMP = 0xff; // ext code -1
const NANOS_PER_SECOND = 1_000_000_000;

/*
 * Bytes taken by each value whose size its first byte gives (integers,
 * floats, nil, booleans, fixstr), 0 for the rest. Most values in an event are
 * of these kinds, so the scans' common step is one table lookup.
 */
const FIXED_SIZE = new Uint8Array(256);
for (let tag = 0; tag < 256; tag++) {
  if (tag <= 0x7f || tag >= 0xe0 || tag === 0xc0 || tag === 0xc2 || tag === 0xc3) FIXED_SIZE[tag] = 1;
  else if (tag >= 0xa0 && tag <= 0xbf) FIXED_SIZE[tag] = 1 + (tag & 0x1f);
}
FIXED_SIZE[0xcc] = FIXED_SIZE[0xd0] = 2;
FIXED_SIZE[0xcd] = FIXED_SIZE[0xd1] = 3;
FIXED_SIZE[0xca] = FIXED_SIZE[0xce] = FIXED_SIZE[0xd2] = 5;
FIXED_SIZE[0xcb] = FIXED_SIZE[0xcf] = FIXED_SIZE[0xd3] = 9;

/** Set by `header` for a map or array: how many values follow it, and whether they are key-value pairs. */
let items = 0;
let itemsAreEntries = false;

/**
 * For a value FIXED_SIZE does not cover, starting at `p`: its size, or for a
 * map or array the size of its header (with `items` set), or INCOMPLETE when
 * the header is cut off, or INVALID for 0xc1.
 */
function header(buf: Uint8Array, p: number, end: number, tag: number): number {
  items = 0;
  itemsAreEntries = false;
  if (tag <= 0x8f) {
    items = (tag & 0x0f) * 2;
    itemsAreEntries = true;
    return 1;
  }
  if (tag <= 0x9f) {
    items = tag & 0x0f;
    return 1;
  }
  switch (tag) {
    case 0xc4: // bin8
    case 0xd9: // str8
      return p + 2 > end ? INCOMPLETE : 2 + buf[p + 1];
    case 0xc5: // bin16
    case 0xda: // str16 / raw16
      return p + 3 > end ? INCOMPLETE : 3 + ((buf[p + 1] << 8) | buf[p + 2]);
    case 0xc6: // bin32
    case 0xdb: // str32 / raw32
      return p + 5 > end ? INCOMPLETE : 5 + readU32(buf, p + 1);
    case 0xc7: // ext8: size, code, data
      return p + 2 > end ? INCOMPLETE : 3 + buf[p + 1];
    case 0xc8: // ext16
      return p + 3 > end ? INCOMPLETE : 4 + ((buf[p + 1] << 8) | buf[p + 2]);
    case 0xc9: // ext32
      return p + 5 > end ? INCOMPLETE : 6 + readU32(buf, p + 1);
    case 0xd4: // fixext 1, 2, 4, 8, 16: code, data
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      return 2 + (1 << (tag - 0xd4));
    case 0xdc: // array16
      if (p + 3 > end) return INCOMPLETE;
      items = (buf[p + 1] << 8) | buf[p + 2];
      return 3;
    case 0xdd: // array32
      if (p + 5 > end) return INCOMPLETE;
      items = readU32(buf, p + 1);
      return 5;
    case 0xde: // map16
      if (p + 3 > end) return INCOMPLETE;
      items = ((buf[p + 1] << 8) | buf[p + 2]) * 2;
      itemsAreEntries = true;
      return 3;
    case 0xdf: // map32
      if (p + 5 > end) return INCOMPLETE;
      items = readU32(buf, p + 1) * 2;
      itemsAreEntries = true;
      return 5;
    default: // 0xc1, never used
      return INVALID;
  }
}

const isContainer = (tag: number): boolean => (tag >= 0x80 && tag <= 0x9f) || (tag >= 0xdc && tag <= 0xdf);
const isExtension = (tag: number): boolean => (tag >= 0xc7 && tag <= 0xc9) || (tag >= 0xd4 && tag <= 0xd8);

/**
 * Whether a strict reader accepts the extension of `size` bytes at `p` (all
 * inside the buffer): codes 0..127 are the application's, -1 is the
 * timestamp, the other negative codes are reserved.
 */
function readableExtension(buf: Uint8Array, p: number, tag: number, size: number): boolean {
  const head = tag >= 0xd4 ? 2 : tag === 0xc7 ? 3 : tag === 0xc8 ? 4 : 6; // the code is the header's last byte
  const code = buf[p + head - 1];
  if (code < 0x80) return true;
  if (code !== EXT_TIMESTAMP) return false;
  const data = p + head;
  const length = size - head;
  if (length === 4) return true;
  // timestamp 64: nanoseconds in the top 30 bits; timestamp 96: a u32 before the seconds.
  if (length === 8) return ((buf[data] << 22) | (buf[data + 1] << 14) | (buf[data + 2] << 6) | (buf[data + 3] >> 2)) < NANOS_PER_SECOND;
  if (length === 12) return readU32(buf, data) < NANOS_PER_SECOND;
  return false;
}

/*
 * The two scans walk values one by one. Per open container the stack holds
 * the values still to skip at the level above; `remaining` counts down the
 * values of the current level.
 */
const plainStack = new Float64Array(MAX_DEPTH); // a map32 declares up to 2 * (2^32 - 1) values

function scan(buf: Uint8Array, pos: number, end: number, info: ExtentInfo | undefined): number {
  let remaining = 1;
  let depth = 0;
  let p = pos;
  while (true) {
    if (remaining === 0) {
      // A fixed-size value may have run past the end: only now is it known to be needed whole.
      if (depth === 0) return p <= end ? p : INCOMPLETE;
      remaining = plainStack[--depth];
      continue;
    }
    if (p >= end) return INCOMPLETE;
    const tag = buf[p];
    remaining--;
    const fixed = FIXED_SIZE[tag];
    if (fixed !== 0) {
      p += fixed;
      continue;
    }
    if (info !== undefined && (isExtension(tag) || (tag >= 0xc4 && tag <= 0xc6))) info.binary = true;
    const size = header(buf, p, end, tag);
    if (size < 0) return size;
    p += size;
    if (p > end) return INCOMPLETE;
    if (items > 0) {
      if (depth >= MAX_DEPTH) return INVALID;
      plainStack[depth++] = remaining;
      remaining = items;
    }
  }
}

/*
 * The strict scan runs for every event oxd receives: it must not allocate,
 * and keeps its counts in small integers. A container declaring more values
 * than bytes are left cannot be complete (each value takes a byte at least),
 * so every count fits.
 */
const strictStack = new Int32Array(MAX_DEPTH);
const strictInMap = new Uint8Array(MAX_DEPTH);

function scanStrict(buf: Uint8Array, pos: number, end: number): number {
  let remaining = 1;
  let inMap = 0; // the current level is a map: its values alternate key, value
  let depth = 0;
  let p = pos;
  while (true) {
    if (remaining === 0) {
      if (depth === 0) return p <= end ? p : INCOMPLETE;
      depth--;
      remaining = strictStack[depth];
      inMap = strictInMap[depth];
      continue;
    }
    if (p >= end) return INCOMPLETE;
    const tag = buf[p];
    remaining--;
    const fixed = FIXED_SIZE[tag];
    if (fixed !== 0) {
      p += fixed;
      continue;
    }
    // A map of n entries counts 2n values down to zero: a key leaves an odd number.
    const isKey = inMap === 1 && (remaining & 1) === 1;
    let size: number;
    let n: number;
    let entries: boolean;
    // fixmap, fixarray and raw16 (strings of 32 bytes or more from Python 2) are common
    // in events: handled here rather than by a call to `header`.
    if (tag <= 0x9f) {
      if (isKey) return UNREADABLE;
      size = 1;
      entries = tag <= 0x8f;
      n = entries ? (tag & 0x0f) * 2 : tag & 0x0f;
    } else if (tag === 0xda) {
      if (p + 3 > end) return INCOMPLETE;
      size = 3 + ((buf[p + 1] << 8) | buf[p + 2]);
      n = 0;
      entries = false;
    } else {
      if (isKey && isContainer(tag)) return UNREADABLE;
      size = header(buf, p, end, tag);
      if (size < 0) return size;
      if (p + size <= end && isExtension(tag) && !readableExtension(buf, p, tag, size)) return UNREADABLE;
      n = items;
      entries = itemsAreEntries;
    }
    p += size;
    if (p > end) return INCOMPLETE;
    if (n > 0) {
      if (n > end - p) return INCOMPLETE;
      if (depth >= MAX_DEPTH) return INVALID;
      strictStack[depth] = remaining;
      strictInMap[depth] = inMap;
      depth++;
      remaining = n;
      inMap = entries ? 1 : 0;
    }
  }
}

function readU32(buf: Uint8Array, at: number): number {
  return buf[at] * 0x1000000 + ((buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]);
}

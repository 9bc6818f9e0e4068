/**
 * How many bytes the msgpack value at a position takes, without decoding
 * it. Log files are msgpack maps one after another with nothing between
 * them; knowing where each ends lets a reader decode events one by one, tell
 * a value cut off at the end of the data (a file still being written) from a
 * corrupt one, and step over garbage to the next event.
 */

/** The value is complete and ends at this offset. */
export type Extent = number;
/** More bytes are needed to know. */
export const INCOMPLETE = -1;
/** The bytes cannot be msgpack (the reserved tag 0xc1). */
export const INVALID = -2;

/** Containers nested deeper than this are treated as corrupt data, not recursed into. */
export const MAX_DEPTH = 512;

/**
 * The end offset of the value starting at `pos` in `buf[pos, end)`, or
 * INCOMPLETE, or INVALID. Iterative: a hostile file cannot exhaust the stack.
 */
export function msgpackExtent(buf: Uint8Array, pos: number, end: number = buf.length): Extent | typeof INCOMPLETE | typeof INVALID {
  let remaining = 1; // values still to skip at the current level, and above
  const stack: number[] = [];
  let p = pos;
  while (true) {
    if (remaining === 0) {
      if (stack.length === 0) return p;
      remaining = stack.pop()!;
      continue;
    }
    if (p >= end) return INCOMPLETE;
    const tag = buf[p];
    remaining--;
    let children = 0;
    let skip: number;
    if (tag <= 0x7f || tag >= 0xe0) skip = 1;
    else if (tag <= 0x8f) {
      skip = 1;
      children = (tag & 0x0f) * 2;
    } else if (tag <= 0x9f) {
      skip = 1;
      children = tag & 0x0f;
    } else if (tag <= 0xbf) skip = 1 + (tag & 0x1f);
    else {
      switch (tag) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          skip = 1;
          break;
        case 0xc1:
          return INVALID;
        case 0xc4: // bin8
        case 0xd9: // str8
          if (p + 2 > end) return INCOMPLETE;
          skip = 2 + buf[p + 1];
          break;
        case 0xc5: // bin16
        case 0xda: // str16 / raw16
          if (p + 3 > end) return INCOMPLETE;
          skip = 3 + ((buf[p + 1] << 8) | buf[p + 2]);
          break;
        case 0xc6: // bin32
        case 0xdb: // str32 / raw32
          if (p + 5 > end) return INCOMPLETE;
          skip = 5 + readU32(buf, p + 1);
          break;
        case 0xc7: // ext8
          if (p + 2 > end) return INCOMPLETE;
          skip = 3 + buf[p + 1];
          break;
        case 0xc8: // ext16
          if (p + 3 > end) return INCOMPLETE;
          skip = 4 + ((buf[p + 1] << 8) | buf[p + 2]);
          break;
        case 0xc9: // ext32
          if (p + 5 > end) return INCOMPLETE;
          skip = 6 + readU32(buf, p + 1);
          break;
        case 0xca:
          skip = 5;
          break;
        case 0xcb:
          skip = 9;
          break;
        case 0xcc:
        case 0xd0:
          skip = 2;
          break;
        case 0xcd:
        case 0xd1:
          skip = 3;
          break;
        case 0xce:
        case 0xd2:
          skip = 5;
          break;
        case 0xcf:
        case 0xd3:
          skip = 9;
          break;
        case 0xd4:
          skip = 3;
          break;
        case 0xd5:
          skip = 4;
          break;
        case 0xd6:
          skip = 6;
          break;
        case 0xd7:
          skip = 10;
          break;
        case 0xd8:
          skip = 18;
          break;
        case 0xdc: // array16
          if (p + 3 > end) return INCOMPLETE;
          skip = 3;
          children = (buf[p + 1] << 8) | buf[p + 2];
          break;
        case 0xdd: // array32
          if (p + 5 > end) return INCOMPLETE;
          skip = 5;
          children = readU32(buf, p + 1);
          break;
        case 0xde: // map16
          if (p + 3 > end) return INCOMPLETE;
          skip = 3;
          children = ((buf[p + 1] << 8) | buf[p + 2]) * 2;
          break;
        default: // 0xdf map32
          if (p + 5 > end) return INCOMPLETE;
          skip = 5;
          children = readU32(buf, p + 1) * 2;
          break;
      }
    }
    p += skip;
    if (p > end) return INCOMPLETE;
    if (children > 0) {
      if (stack.length >= MAX_DEPTH) return INVALID;
      stack.push(remaining);
      remaining = children;
    }
  }
}

function readU32(buf: Uint8Array, at: number): number {
  return buf[at] * 0x1000000 + ((buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]);
}

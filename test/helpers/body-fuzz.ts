/**
 * Fuzzed body frames: random msgpack values built to reach every rule of the
 * body check (maps and arrays as keys, reserved extension codes, timestamps of
 * every size, cut-offs, trailing bytes), and real event bodies with bytes
 * flipped, cut or added. Deterministic for a given random source.
 */
import { EVENT_BODY } from './body-cases';

type Rand = () => number;

const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

/** The header of a map or array of `n` items, in a random one of its encodings. */
function containerHeader(rand: Rand, map: boolean, n: number): number[] {
  const form = n < 16 ? int(rand, 3) : 1 + int(rand, 2);
  if (form === 0) return [(map ? 0x80 : 0x90) | n];
  if (form === 1) return [map ? 0xde : 0xdc, n >> 8, n & 0xff];
  return [map ? 0xdf : 0xdd, 0, 0, n >> 8, n & 0xff];
}

/** An extension value: mostly timestamps (code -1) of legal and illegal sizes, or other codes. */
function extension(rand: Rand, out: number[]): void {
  const code = rand() < 0.5 ? 0xff : rand() < 0.5 ? int(rand, 128) : 0x80 + int(rand, 128);
  const size = [1, 2, 4, 8, 12, 16, 0, 3, 5][int(rand, 9)];
  const data = Array.from({ length: size }, () => (rand() < 0.6 ? 0 : int(rand, 256)));
  if (size === 1 || size === 2 || size === 4 || size === 8 || size === 16) {
    if (rand() < 0.7) {
      out.push(0xd4 + [1, 2, 4, 8, 16].indexOf(size), code, ...data);
      return;
    }
  }
  const form = int(rand, 3);
  if (form === 0) out.push(0xc7, size, code, ...data);
  else if (form === 1) out.push(0xc8, 0, size, code, ...data);
  else out.push(0xc9, 0, 0, 0, size, code, ...data);
}

function scalar(rand: Rand, out: number[]): void {
  switch (int(rand, 10)) {
    case 0:
      out.push(int(rand, 128));
      break;
    case 1:
      out.push([0xc0, 0xc2, 0xc3][int(rand, 3)]);
      break;
    case 2:
      out.push(0xe0 + int(rand, 32));
      break;
    case 3: {
      const n = int(rand, 8);
      out.push(0xa0 | n, ...Array.from({ length: n }, () => int(rand, 256)));
      break;
    }
    case 4:
      out.push(0xcb, ...Array.from({ length: 8 }, () => int(rand, 256)));
      break;
    case 5:
      out.push(0xcd, int(rand, 256), int(rand, 256));
      break;
    case 6:
      out.push(0xc4, 2, int(rand, 256), int(rand, 256));
      break;
    case 7:
      out.push(0xd9, 1, 0x61);
      break;
    default:
      extension(rand, out);
  }
}

/** A random value; `key` says it is a map key (where containers are mostly avoided). */
function value(rand: Rand, out: number[], depth: number, key: boolean): void {
  const containerChance = key ? 0.03 : depth > 4 ? 0 : 0.3;
  if (rand() >= containerChance) return scalar(rand, out);
  const map = rand() < 0.5;
  const n = int(rand, 4);
  out.push(...containerHeader(rand, map, n));
  for (let i = 0; i < n; i++) {
    if (map) value(rand, out, depth + 1, true);
    value(rand, out, depth + 1, false);
  }
}

/** A random msgpack value, a map most of the time. */
export function randomValue(rand: Rand): Buffer {
  const out: number[] = [];
  if (rand() < 0.85) {
    const n = int(rand, 6);
    out.push(...containerHeader(rand, true, n));
    for (let i = 0; i < n; i++) {
      value(rand, out, 1, true);
      value(rand, out, 1, false);
    }
  } else {
    value(rand, out, 0, false);
  }
  return Buffer.from(out);
}

/** `body` with one to three changes: bytes replaced, cut off, bytes or another value appended. */
export function mutateBody(rand: Rand, body: Buffer): Buffer {
  let out = Buffer.from(body);
  for (let m = 1 + int(rand, 3); m > 0; m--) {
    const which = int(rand, 6);
    if (which <= 1 && out.length > 0) out[int(rand, out.length)] = int(rand, 256);
    else if (which === 2 && out.length > 0) out[int(rand, out.length)] = [0x80, 0x90, 0xc1, 0xd4, 0xd7, 0xdf, 0xdd, 0xff][int(rand, 8)];
    else if (which === 3) out = out.subarray(0, int(rand, out.length + 1));
    else if (which === 4) out = Buffer.concat([out, Buffer.from(Array.from({ length: 1 + int(rand, 4) }, () => int(rand, 256)))]);
    else out = Buffer.concat([out, randomValue(rand)]);
  }
  return out;
}

/** One fuzzed body: a random value, a mutated random value, or a mutated real event body. */
export function fuzzBody(rand: Rand): Buffer {
  const kind = rand();
  if (kind < 0.4) return randomValue(rand);
  if (kind < 0.6) return mutateBody(rand, randomValue(rand));
  return mutateBody(rand, EVENT_BODY);
}

/**
 * Body frames of every kind, for the body check's unit test, the hostile
 * collect tests and the comparison with Python's strict reader: bodies oxd
 * must write, and bodies it must refuse with the problem it should find.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compatPack, Float64 } from '../../src/protocol/compat-pack';
import { msgpackExtent } from '../../src/protocol/msgpack-extent';
import { eventFrames } from './events';
import { REPO } from './oxd-process';

export type Problem = 'not-map' | 'incomplete' | 'trailing-bytes' | 'invalid' | 'unreadable';

const b = (...bytes: number[]): Buffer => Buffer.from(bytes);
const cat = (...parts: Buffer[]): Buffer => Buffer.concat(parts);
const u32 = (n: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n);
  return out;
};
/** A one-entry map {1: value}. */
const inMap = (value: Buffer): Buffer => cat(b(0x81, 0x01), value);
/** A one-entry map {key: 1}. */
const asKey = (key: Buffer): Buffer => cat(b(0x81), key, b(0x01));
/** `depth` fixarrays of one element each around nil. */
const nestedArrays = (depth: number): Buffer => cat(Buffer.alloc(depth, 0x91), b(0xc0));
/** Timestamp 64: nanoseconds in the top 30 bits, seconds in the low 34. */
const ts64 = (nanos: number, seconds: number): Buffer => {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE((BigInt(nanos) << 34n) | BigInt(seconds));
  return out;
};

/** A real event body, as the original client packs it. */
// Fixed time and pid: the fuzzing tests mutate these bytes, and must mutate the same bytes on every run.
export const EVENT_BODY = eventFrames({
  type: 'request',
  end: 1_764_864_164.25,
  pid: 4242,
  body: { path: '/x', status: 200, tags: ['a', 'b'], nested: { deeper: { n: 1.5 } } },
})[1];

/** The bodies the original oxd wrote, one by one, from the fixture files. */
export function originalBodies(): Buffer[] {
  const file = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'original', 'daily', 'request-20261121.log'));
  const out: Buffer[] = [];
  for (let p = 0; p < file.length; ) {
    const e = msgpackExtent(file, p) as number;
    out.push(file.subarray(p, e));
    p = e;
  }
  return out;
}

export const GOOD_BODIES: Array<[string, Buffer]> = [
  ['an event body', EVENT_BODY],
  ['empty fixmap', b(0x80)],
  ['empty map16', b(0xde, 0, 0)],
  ['empty map32', b(0xdf, 0, 0, 0, 0)],
  ['map16 with one entry', b(0xde, 0, 1, 0xa1, 0x61, 0x01)],
  ['map32 with one entry', b(0xdf, 0, 0, 0, 1, 0xa1, 0x61, 0x01)],
  ['values of every type', compatPack({ n: null, t: true, f: false, i: -5, u: 2 ** 40, d: new Float64(0.5), s: 'é', a: [1, [2]], m: { k: {} }, bin: Buffer.from([0, 255]) })],
  ['str8, bin8, float32, int64', inMap(cat(b(0x94, 0xd9, 1, 0x61, 0xc4, 1, 0xff, 0xca), Buffer.alloc(4), b(0xd3), Buffer.alloc(8)))],
  ['non-UTF-8 string bytes', inMap(b(0xa2, 0xff, 0xfe))],
  ['integer, nil, float, bin and bool keys', cat(b(0x85, 0x07, 0x01, 0xc0, 0x02, 0xcb), Buffer.alloc(8), b(0x03, 0xc4, 1, 0x41, 0x04, 0xc3, 0x05))],
  ['an extension with code 5', inMap(b(0xd4, 5, 0))],
  ['an extension with code 127 as a key', asKey(b(0xc7, 3, 127, 1, 2, 3))],
  ['timestamp 32', inMap(cat(b(0xd6, 0xff), u32(1_700_000_000)))],
  ['timestamp 64', inMap(cat(b(0xd7, 0xff), ts64(999_999_999, 5)))],
  ['timestamp 96', inMap(cat(b(0xc7, 12, 0xff), u32(999_999_999), Buffer.alloc(8, 0xff)))],
  ['timestamp 32 in ext8', inMap(cat(b(0xc7, 4, 0xff), u32(7)))],
  ['timestamp 64 in ext16', inMap(cat(b(0xc8, 0, 8, 0xff), ts64(1, 1)))],
  ['timestamp 96 in ext32', inMap(cat(b(0xc9, 0, 0, 0, 12, 0xff), Buffer.alloc(12)))],
  ['a timestamp as a key', asKey(cat(b(0xd6, 0xff), u32(1)))],
  ['arrays and maps as values under a key', compatPack({ list: [{ a: [1, { b: [] }] }], m: { x: [[], {}] } })],
  ['512 nested containers', inMap(nestedArrays(511))],
];

/** The same event twice in one frame, and other ways to be more than one map. */
const twoValues = cat(EVENT_BODY, EVENT_BODY);

export const BAD_BODIES: Array<[string, Buffer, Problem]> = [
  ['ASCII garbage', Buffer.from('hello, oxd'), 'not-map'],
  ['garbage starting with a map tag', cat(b(0x83), Buffer.from('hello')), 'incomplete'],
  ['JSON', Buffer.from('{"type": "request"}'), 'not-map'],
  ['nil', b(0xc0), 'not-map'],
  ['false', b(0xc2), 'not-map'],
  ['true', b(0xc3), 'not-map'],
  ['positive fixint', b(0x05), 'not-map'],
  ['negative fixint', b(0xff), 'not-map'],
  ['uint8', b(0xcc, 200), 'not-map'],
  ['uint16', b(0xcd, 1, 0), 'not-map'],
  ['uint32', cat(b(0xce), u32(1)), 'not-map'],
  ['uint64', cat(b(0xcf), Buffer.alloc(8)), 'not-map'],
  ['int8', b(0xd0, 0x80), 'not-map'],
  ['int16', b(0xd1, 0x80, 0), 'not-map'],
  ['int32', cat(b(0xd2), u32(1)), 'not-map'],
  ['int64', cat(b(0xd3), Buffer.alloc(8)), 'not-map'],
  ['float32', cat(b(0xca), Buffer.alloc(4)), 'not-map'],
  ['float64', cat(b(0xcb), Buffer.alloc(8)), 'not-map'],
  ['fixstr', b(0xa1, 0x61), 'not-map'],
  ['str8', b(0xd9, 1, 0x61), 'not-map'],
  ['str16', b(0xda, 0, 1, 0x61), 'not-map'],
  ['str32', cat(b(0xdb), u32(1), b(0x61)), 'not-map'],
  ['bin8', b(0xc4, 1, 0), 'not-map'],
  ['bin16', b(0xc5, 0, 1, 0), 'not-map'],
  ['bin32', cat(b(0xc6), u32(1), b(0)), 'not-map'],
  ['fixarray holding a map', cat(b(0x91), EVENT_BODY), 'not-map'],
  ['array16', b(0xdc, 0, 1, 0x80), 'not-map'],
  ['array32', cat(b(0xdd), u32(1), b(0x80)), 'not-map'],
  ['fixext1', b(0xd4, 1, 0), 'not-map'],
  ['fixext16', cat(b(0xd8, 1), Buffer.alloc(16)), 'not-map'],
  ['ext8', b(0xc7, 1, 1, 0), 'not-map'],
  ['ext16', b(0xc8, 0, 1, 1, 0), 'not-map'],
  ['ext32', cat(b(0xc9), u32(1), b(1, 0)), 'not-map'],
  ['timestamp 32', cat(b(0xd6, 0xff), u32(1)), 'not-map'],
  ['the never-used tag 0xc1', b(0xc1), 'not-map'],
  ['an event body cut off by one byte', EVENT_BODY.subarray(0, EVENT_BODY.length - 1), 'incomplete'],
  ['an event body cut in half', EVENT_BODY.subarray(0, EVENT_BODY.length >> 1), 'incomplete'],
  ['a map tag alone', b(0x81), 'incomplete'],
  ['map16 header cut off', b(0xde, 0), 'incomplete'],
  ['map32 header cut off', b(0xdf, 0, 0, 0), 'incomplete'],
  ['map32 declaring 2^32-1 entries', cat(b(0xdf), u32(0xffffffff), b(0x01, 0x02)), 'incomplete'],
  ['map16 declaring 65535 entries', b(0xde, 0xff, 0xff, 0x01, 0x02), 'incomplete'],
  ['str32 value declaring 4 GiB', inMap(cat(b(0xdb), u32(0xffffffff), b(0x61))), 'incomplete'],
  ['bin32 value declaring 4 GiB', inMap(cat(b(0xc6), u32(0xffffffff))), 'incomplete'],
  ['array32 value declaring 2^32-1 items', inMap(cat(b(0xdd), u32(0xffffffff), b(0xc0))), 'incomplete'],
  ['ext32 value declaring 4 GiB', inMap(cat(b(0xc9), u32(0xffffffff), b(1))), 'incomplete'],
  ['two event bodies in one frame', twoValues, 'trailing-bytes'],
  ['two empty maps', b(0x80, 0x80), 'trailing-bytes'],
  ['an event body and a zero byte', cat(EVENT_BODY, b(0x00)), 'trailing-bytes'],
  ['an event body and garbage', cat(EVENT_BODY, Buffer.from('garbage')), 'trailing-bytes'],
  ['an event body and 0xc1', cat(EVENT_BODY, b(0xc1)), 'trailing-bytes'],
  ['an event body and a cut-off map', cat(EVENT_BODY, EVENT_BODY.subarray(0, 10)), 'trailing-bytes'],
  ['0xc1 as a value', inMap(b(0xc1)), 'invalid'],
  ['0xc1 as a key', asKey(b(0xc1)), 'invalid'],
  ['0xc1 deep inside', inMap(cat(b(0x91, 0x81, 0xa1, 0x61, 0x92, 0x01), b(0xc1))), 'invalid'],
  ['513 nested containers', inMap(nestedArrays(512)), 'invalid'],
  ['60000 nested containers', inMap(nestedArrays(60_000)), 'invalid'],
  ['a map as a key', asKey(b(0x81, 0x01, 0x02)), 'unreadable'],
  ['an empty map as a key', asKey(b(0x80)), 'unreadable'],
  ['an array as a key', asKey(b(0x91, 0x01)), 'unreadable'],
  ['an empty array as a key', asKey(b(0x90)), 'unreadable'],
  ['map16 as a key', asKey(b(0xde, 0, 0)), 'unreadable'],
  ['array32 as a key', asKey(cat(b(0xdd), u32(0))), 'unreadable'],
  ['a map as a key deep inside', inMap(b(0x91, 0x81, 0x80, 0x01)), 'unreadable'],
  ['a map as the second key', cat(b(0x82, 0x01, 0x02, 0x81, 0x01, 0x02, 0x03)), 'unreadable'],
  ['an extension with code -2', inMap(b(0xd4, 0xfe, 0)), 'unreadable'],
  ['an extension with code -128', inMap(b(0xc7, 2, 0x80, 0, 0)), 'unreadable'],
  ['a 1-byte timestamp', inMap(b(0xd4, 0xff, 0)), 'unreadable'],
  ['a 2-byte timestamp', inMap(b(0xd5, 0xff, 0, 0)), 'unreadable'],
  ['a 16-byte timestamp', inMap(cat(b(0xd8, 0xff), Buffer.alloc(16))), 'unreadable'],
  ['an empty timestamp', inMap(b(0xc7, 0, 0xff)), 'unreadable'],
  ['a 5-byte timestamp', inMap(cat(b(0xc7, 5, 0xff), Buffer.alloc(5))), 'unreadable'],
  ['timestamp 64 with 10^9 nanoseconds', inMap(cat(b(0xd7, 0xff), ts64(1_000_000_000, 5))), 'unreadable'],
  ['timestamp 64 with all bits set', inMap(cat(b(0xd7, 0xff), Buffer.alloc(8, 0xff))), 'unreadable'],
  ['timestamp 96 with 10^9 nanoseconds', inMap(cat(b(0xc7, 12, 0xff), u32(1_000_000_000), Buffer.alloc(8))), 'unreadable'],
  ['a bad timestamp as a key', asKey(b(0xd4, 0xff, 0)), 'unreadable'],
];

import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode } from '@msgpack/msgpack';
import { compatPack, Float64, MAX_DEPTH, Packable } from '../../src/protocol/compat-pack';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/original/control');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));

test('requests are packed exactly as a Python 2 tool packs them', (t) => {
  for (const cmd of ['STATUS', 'SOCK_STREAM', 'SOCK_COLLECT', 'NOPE']) {
    t.true(compatPack({ cmd }).equals(fixture(`control-${cmd.toLowerCase()}.request.msgpack`)), cmd);
  }
});

test('the original replies are reproduced byte for byte', (t) => {
  t.true(compatPack({ error: 'Unknown Command' }).equals(fixture('control-nope.reply.msgpack')));
  t.true(compatPack({ port: 35176 }).equals(fixture('control-sock_stream.reply.msgpack')));
  t.true(compatPack({ port: 3724 }).equals(fixture('control-sock_collect.reply.msgpack')));
  // STATUS: every number in it is a Python float.
  const floats = (v: unknown): Packable =>
    typeof v === 'number'
      ? new Float64(v)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, floats(x)]))
        : (v as Packable);
  const status = fixture('control-status.reply.msgpack');
  t.true(compatPack(floats(decode(status))).equals(status));
});

test('strings use the raw family only: fixraw, raw16, raw32, never str8 or bin', (t) => {
  t.is(compatPack('a'.repeat(31))[0], 0xbf);
  const s40 = compatPack('b'.repeat(40));
  t.deepEqual([...s40.subarray(0, 3)], [0xda, 0x00, 40]);
  const s70k = compatPack('c'.repeat(70_000));
  t.deepEqual([...s70k.subarray(0, 5)], [0xdb, 0x00, 0x01, 0x11, 0x70]);
  const bytes = compatPack(Buffer.from([0xff, 0xfe]));
  t.deepEqual([...bytes], [0xa2, 0xff, 0xfe]);
  t.is(decode(s40), 'b'.repeat(40));
});

test('integers take the smallest encoding, as Python msgpack does', (t) => {
  const hex = (v: Packable): string => compatPack(v).toString('hex');
  t.is(hex(0), '00');
  t.is(hex(127), '7f');
  t.is(hex(128), 'cc80');
  t.is(hex(256), 'cd0100');
  t.is(hex(65536), 'ce00010000');
  t.is(hex(2 ** 32), 'cf0000000100000000');
  t.is(hex(-1), 'ff');
  t.is(hex(-32), 'e0');
  t.is(hex(-33), 'd0df');
  t.is(hex(-129), 'd1ff7f');
  t.is(hex(-32769), 'd2ffff7fff');
  t.is(hex(-(2 ** 31) - 1), 'd3ffffffff7fffffff');
  t.is(hex(2n ** 64n - 1n), 'cfffffffffffffffff');
});

test('floats, nil, booleans, arrays and maps', (t) => {
  t.is(compatPack(1.5).toString('hex'), 'cb3ff8000000000000');
  t.is(compatPack(new Float64(2)).toString('hex'), 'cb4000000000000000');
  t.is(compatPack(null).toString('hex'), 'c0');
  t.is(compatPack([true, false]).toString('hex'), '92c3c2');
  const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
  const packed = compatPack({ big, list: Array.from({ length: 17 }, (_, i) => i) });
  t.deepEqual(decode(packed), { big, list: Array.from({ length: 17 }, (_, i) => i) });
  t.is(compatPack(new Map([['a', 1]])).toString('hex'), '81a16101');
  t.is(compatPack({ a: undefined, b: 1 }).toString('hex'), '81a16201');
});

test('a value nested past MAX_DEPTH levels is cut short rather than overflowing the stack', (t) => {
  let deep: Packable = 1;
  for (let i = 0; i < 70; i++) deep = [deep];
  let v: unknown = decode(compatPack(deep));
  let levels = 0;
  while (Array.isArray(v)) {
    v = v[0];
    levels++;
  }
  t.is(levels, MAX_DEPTH);
  t.is(v, '[Too deep]');
});

test('values msgpack has no type for are converted, never thrown on', (t) => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const err = new TypeError('bad');
  const packed = decode(
    compatPack({
      date: new Date(1500),
      badDate: new Date(NaN),
      big: 2n ** 70n,
      int64: -(2n ** 40n),
      err,
      map: new Map<unknown, unknown>([[1, 'one'], ['k', new Set([1, 2])]]),
      point: new Point(1, 2),
      json: { toJSON: () => 'from toJSON' },
      buf: Buffer.from([1, 2]),
      u16: new Uint16Array([1]),
      undef: undefined,
      fn: () => 1,
      list: [undefined, () => 1],
      circular,
    } as never),
  ) as Record<string, unknown>;
  t.is(packed.date, 1.5);
  t.is(packed.badDate, null);
  t.is(packed.big, (2n ** 70n).toString());
  t.is(packed.int64, -(2 ** 40));
  t.is(packed.err, err.stack);
  t.deepEqual(packed.map, { 1: 'one', k: [1, 2] });
  t.deepEqual(packed.point, { x: 1, y: 2 });
  t.is(packed.json, 'from toJSON');
  t.deepEqual(packed.buf, Buffer.from([1, 2]).toString('latin1'));
  t.false('undef' in packed);
  t.false('fn' in packed);
  t.deepEqual(packed.list, [null, null]);
  t.deepEqual(packed.circular, { a: 1, self: '[Circular]' });
});

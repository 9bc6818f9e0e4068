import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode, decodeMulti } from '@msgpack/msgpack';
import { EventReader } from '../../src/store/event-reader';
import { INCOMPLETE, INVALID, msgpackExtent } from '../../src/protocol/msgpack-extent';
import { compatPack, Float64 } from '../../src/protocol/compat-pack';
import { array, bool, ext, f64, hex, map, nil, str, uint } from '../helpers/msgpack-samples';

const FIXTURE = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/original/daily/request-20261121.log'));

function read(data: Buffer, chunk: number) {
  const events: unknown[] = [];
  const r = new EventReader((raw) => void events.push(decode(raw)));
  for (let i = 0; i < data.length; i += chunk) r.push(data.subarray(i, i + chunk));
  r.end();
  return { events, skipped: r.skipped };
}

test('msgpackExtent measures values of every kind without decoding them', (t) => {
  const values = [1, -1, 300, 1.5, 'x'.repeat(40), 'y'.repeat(70_000), [1, [2, 3]], { a: { b: [null, true] } }, Buffer.alloc(300)];
  for (const v of values) {
    const packed = compatPack(v as never);
    const framed = Buffer.concat([Buffer.from([0xff]), packed, Buffer.from([0xff])]);
    t.is(msgpackExtent(framed, 1), 1 + packed.length, JSON.stringify(v).slice(0, 20));
    for (let cut = 1; cut < packed.length; cut += Math.max(1, Math.floor(packed.length / 50))) {
      t.is(msgpackExtent(packed, 0, cut), INCOMPLETE, `cut at ${cut}`);
    }
  }
  t.is(msgpackExtent(Buffer.from([0x92, 0x01, 0xc1]), 0), INVALID);
});

test('every event of a file comes out the same whatever the chunking', (t) => {
  const expected = [...decodeMulti(FIXTURE)];
  for (const chunk of [1, 7, 100, 137, 4096, FIXTURE.length]) {
    const { events, skipped } = read(FIXTURE, chunk);
    t.deepEqual(skipped, [], `chunk ${chunk}`);
    t.is(events.length, expected.length);
  }
  t.deepEqual(read(FIXTURE, 333).events, expected);
});

test('damage is stepped over to the next event; a cut-off end is reported as truncated', (t) => {
  const damaged = Buffer.from(FIXTURE);
  damaged.fill(0xc1, 2000, 2010);
  const data = Buffer.concat([damaged, FIXTURE.subarray(0, 50)]);
  for (const chunk of [64, 1000, data.length]) {
    const { events, skipped } = read(data, chunk);
    t.is(events.length, 49, `chunk ${chunk}: only the event holding the damage is lost`);
    t.is(skipped.filter((s) => s.reason === 'corrupt').length, 1);
    t.deepEqual(skipped[skipped.length - 1], { offset: damaged.length, bytes: 50, reason: 'truncated' });
    t.is(skipped.reduce((n, s) => n + s.bytes, 0) + events.reduce<number>((n, e) => n + exactLength(e), 0), data.length);
  }
});

test('msgpack values that are not maps are skipped as damage; the events around them are read', (t) => {
  const first = FIXTURE.subarray(0, msgpackExtent(FIXTURE, 0) as number);
  const data = Buffer.concat([compatPack([1, 2]), first, compatPack('stray'), first]);
  const { events, skipped } = read(data, 16);
  t.is(events.length, 2);
  t.deepEqual(skipped.map((s) => s.reason), ['corrupt', 'corrupt']);
  t.is(skipped.reduce((n, s) => n + s.bytes, 0), data.length - 2 * first.length);
});

test('events are handed on as their bytes, whatever they hold: keys that are not strings, any extension, bad UTF-8', (t) => {
  const odd = [
    map([[array([uint('fix', 1n)]), nil()]]),
    map([[str('t'), ext(-1, hex('0102'))]]),
    map([[str(hex('c3 28')), uint(64, 2n ** 64n - 1n)]]),
    map([[bool(true), map([[nil(), f64(Number.NaN)]])]]),
  ];
  const data = Buffer.concat([...odd, FIXTURE]);
  for (const chunk of [1, 5, data.length]) {
    const raws: Buffer[] = [];
    const r = new EventReader((raw) => void raws.push(Buffer.from(raw)));
    for (let i = 0; i < data.length; i += chunk) r.push(data.subarray(i, i + chunk));
    r.end();
    t.deepEqual(r.skipped, [], `chunk ${chunk}`);
    t.deepEqual(raws.slice(0, odd.length), odd);
    t.true(Buffer.concat(raws).equals(data), 'every byte, in order');
  }
});

/** Bytes an event took in the fixture: re-encoding reproduces them exactly (see event-body.test.ts). */
function exactLength(e: unknown): number {
  const conv = (v: unknown, key = ''): unknown =>
    typeof v === 'number' && ['start', 'end', 'request_time'].includes(key)
      ? new Float64(v)
      : Array.isArray(v)
        ? v.map((x) => conv(x))
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, conv(x, k)]))
          : v;
  return compatPack(conv(e) as never).length;
}

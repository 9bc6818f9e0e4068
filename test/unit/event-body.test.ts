import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeMulti, Decoder } from '@msgpack/msgpack';
import { compatPack, Float64, Packable } from '../../src/protocol/compat-pack';

const ORIGINAL = path.resolve(__dirname, '../../../test/fixtures/original');
const FLOAT_KEYS = new Set(['start', 'end', 'request_time']);

/** Rebuilds a decoded event with Python's number types: the float fields as floats, the rest as ints. */
function asPython(v: unknown, key = ''): Packable {
  if (typeof v === 'number') return FLOAT_KEYS.has(key) ? new Float64(v) : v;
  if (Array.isArray(v)) return v.map((x) => asPython(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asPython(x, k)]));
  return v as Packable;
}

for (const file of ['request-20261121.log', 'request.db-20261121.log', 'request.cache-20261121.log', 'request.log-20261121.log']) {
  test(`event bodies written by the original re-encode byte for byte: ${file}`, (t) => {
    const bytes = fs.readFileSync(path.join(ORIGINAL, 'daily', file));
    const events = [...decodeMulti(bytes)];
    t.true(events.length >= 10);
    const again = Buffer.concat(events.map((e) => compatPack(asPython(e))));
    t.true(again.equals(bytes), 'same bytes, in the raw string family with the same integer and float encodings');
  });
}

test('an event body is a map of id, type, host, pid, start, end and body', (t) => {
  const bytes = fs.readFileSync(path.join(ORIGINAL, 'daily', 'request.db-20261121.log'));
  const [first] = decodeMulti(bytes) as Iterable<Record<string, unknown>>;
  t.deepEqual(Object.keys(first).sort(), ['body', 'end', 'host', 'id', 'pid', 'start', 'type']);
  t.regex(first.id as string, /^[0-9a-f]{32}$/);
  // The first 4 bytes of the id are the big-endian unix time when the context was created.
  const idTime = parseInt((first.id as string).slice(0, 8), 16);
  t.true(Math.abs(idTime - (first.start as number)) < 2);
  t.is(first.type, 'request.db');
  t.is(typeof first.pid, 'number');
  t.true((first.end as number) >= (first.start as number));
});

test('children share the id of their parent context across files', (t) => {
  const ids = (file: string): Set<string> =>
    new Set([...decodeMulti(fs.readFileSync(path.join(ORIGINAL, 'daily', file)))].map((e) => (e as { id: string }).id));
  const parents = ids('request-20261121.log');
  for (const child of ['request.db-20261121.log', 'request.cache-20261121.log', 'request.log-20261121.log']) {
    for (const id of ids(child)) t.true(parents.has(id), `${child}: ${id} belongs to a request`);
  }
});

test('a body holding bytes that are not UTF-8 still decodes with a lenient reader', (t) => {
  const body = compatPack({ id: 'a'.repeat(32), body: { blob: Buffer.from([0xff, 0xfe, 0x41]) } });
  const decoder = new Decoder({ rawStrings: true });
  const decoded = decoder.decode(body) as { body: { blob: Uint8Array } };
  t.deepEqual([...decoded.body.blob], [0xff, 0xfe, 0x41]);
});

import test from 'ava';
import { decode, encode } from '@msgpack/msgpack';
import { compatPack, Float64 } from '../../src/protocol/compat-pack';
import { buildEntry, documentId, endMillis, EventProblem, indexDay, indexNameProblem } from '../../src/ship/document';
import { bytesToJsonString, MsgpackJsonError, msgpackToJson } from '../../src/ship/msgpack-json';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
/** The text a JSON string holds. */
const text = (bytes: Buffer): string => JSON.parse(bytesToJsonString(bytes)) as string;

test('valid UTF-8 is kept as it is, every invalid byte becomes the text \\xNN', (t) => {
  t.is(text(Buffer.from('café ☃ 𝄞', 'utf8')), 'café ☃ 𝄞');
  t.is(text(hex('61 ff 62')), 'a\\xffb');
  t.is(text(hex('c0 80')), '\\xc0\\x80', 'overlong NUL');
  t.is(text(hex('ed a0 80')), '\\xed\\xa0\\x80', 'UTF-16 surrogate encoded as UTF-8');
  t.is(text(hex('f4 90 80 80')), '\\xf4\\x90\\x80\\x80', 'beyond U+10FFFF');
  t.is(text(hex('e2 82')), '\\xe2\\x82', 'cut off at the end');
  t.is(text(hex('e2 82 41')), '\\xe2\\x82A', 'cut off before an ASCII byte');
  t.is(text(Buffer.concat([Buffer.from('café '), hex('ff'), Buffer.from(' ok')])), 'café \\xff ok');
  t.is(text(hex('00 1f 22 5c')), '\u0000\u001f"\\', 'control characters, quotes and backslashes are escaped by JSON, not changed');
});

test('msgpack values become the JSON values they mean', (t) => {
  const json = (bytes: Buffer | Uint8Array): unknown => JSON.parse(msgpackToJson(Buffer.from(bytes)));
  t.deepEqual(json(encode({ a: [1, -1, -33, 300, 70000, -70000, 1.5, true, false, null, 'x'], b: { c: {} } })), {
    a: [1, -1, -33, 300, 70000, -70000, 1.5, true, false, null, 'x'],
    b: { c: {} },
  });
  t.is(msgpackToJson(hex('cf ffffffffffffffff')), '18446744073709551615', 'uint64 keeps every digit');
  t.is(msgpackToJson(hex('d3 8000000000000000')), '-9223372036854775808');
  t.is(msgpackToJson(hex('ca 3f800000')), '1', 'float32');
  t.is(msgpackToJson(hex('cb 7ff8000000000000')), 'null', 'NaN');
  t.is(msgpackToJson(hex('cb 7ff0000000000000')), 'null', 'Infinity');
  t.is(msgpackToJson(hex('c4 03 61 ff 62')), '"a\\\\xffb"', 'bin follows the same rule as str');
  t.is(msgpackToJson(hex('c4 02 68 69')), '"hi"');
  t.deepEqual(json(hex('83 01 a1 61 c0 a1 6e c3 a1 74')), { 1: 'a', null: 'n', true: 't' }, 'keys that are not strings');
  t.deepEqual(json(hex('81 a2 61 ff 01')), { 'a\\xff': 1 }, 'keys that are not UTF-8');
});

test('msgpack timestamps become ISO 8601, other extensions say what they are', (t) => {
  t.is(msgpackToJson(hex('d6 ff 5f5e1000')), '"2020-09-13T12:26:40.000Z"', 'timestamp32');
  // timestamp64: 500 ms in nanoseconds (30 bits) << 34 | seconds
  const ns = 500_000_000;
  const ts64 = Buffer.alloc(10);
  ts64[0] = 0xd7;
  ts64[1] = 0xff;
  ts64.writeUInt32BE(((ns << 2) >>> 0) | 0, 2);
  ts64.writeUInt32BE(1_600_000_000, 6);
  t.is(msgpackToJson(ts64), '"2020-09-13T12:26:40.500Z"', 'timestamp64');
  t.is(msgpackToJson(hex('c7 0c ff 00000000 0000000000000000')), '"1970-01-01T00:00:00.000Z"', 'timestamp96');
  t.is(msgpackToJson(hex('d4 05 2a')), '{"ext":5,"base64":"Kg=="}');
});

test('bytes that are not one whole msgpack value, or nest too deep, are refused', (t) => {
  t.throws(() => msgpackToJson(hex('92 01')), { instanceOf: MsgpackJsonError });
  t.throws(() => msgpackToJson(hex('01 02')), { instanceOf: MsgpackJsonError });
  t.throws(() => msgpackToJson(hex('c1')), { instanceOf: MsgpackJsonError });
  t.throws(() => msgpackToJson(Buffer.alloc(600, 0x91)), { instanceOf: MsgpackJsonError, message: /nested/ });
});

const END = Date.UTC(2026, 10, 21, 23, 59, 59, 250) / 1000;
function event(extra: Record<string, unknown> = {}, end = END): { decoded: Record<string, unknown>; raw: Buffer } {
  const raw = compatPack({
    id: 'a'.repeat(32),
    type: 'request.db',
    host: 'web1',
    pid: 4242,
    start: new Float64(end - 0.125),
    end: new Float64(end),
    body: { query: 'select 1', rows: 3, nested: { list: [1, 'two', null] }, blob: Buffer.from([0x61, 0xff]) },
    ...extra,
  });
  return { decoded: decode(raw) as Record<string, unknown>, raw };
}
const base = { base: 'blueox', fixed: null };

test('the bulk entry: an index action with _index and _id (no type), then the event with @timestamp and duration', (t) => {
  const { decoded, raw } = event();
  const entry = buildEntry(decoded, raw, base);
  const [action, source, rest] = entry.text.split('\n');
  t.is(rest, '', 'each line ends with a newline');
  t.deepEqual(JSON.parse(action), { index: { _index: 'blueox-2026.11.21', _id: documentId(raw) } });
  t.deepEqual(JSON.parse(source), {
    id: 'a'.repeat(32),
    type: 'request.db',
    host: 'web1',
    pid: 4242,
    start: END - 0.125,
    end: END,
    body: { query: 'select 1', rows: 3, nested: { list: [1, 'two', null] }, blob: 'a\\xff' },
    '@timestamp': '2026-11-21T23:59:59.250Z',
    duration: END - (END - 0.125),
  });
  t.is(entry.index, 'blueox-2026.11.21');
  t.is(entry.type, 'request.db');
});

test('the index follows the end time in UTC across midnight; fixed names and other bases', (t) => {
  const before = event({}, Date.UTC(2026, 11, 31, 23, 59, 59, 999) / 1000);
  const after = event({}, Date.UTC(2027, 0, 1, 0, 0, 0, 0) / 1000);
  t.is(buildEntry(before.decoded, before.raw, base).index, 'blueox-2026.12.31');
  t.is(buildEntry(after.decoded, after.raw, base).index, 'blueox-2027.01.01');
  t.is(buildEntry(after.decoded, after.raw, { base: 'app', fixed: null }).index, 'app-2027.01.01');
  t.is(buildEntry(after.decoded, after.raw, { base: 'blueox', fixed: 'everything' }).index, 'everything');
  // Rounded to the millisecond once: the index and @timestamp never disagree.
  const edge = event({}, Date.UTC(2026, 11, 31, 23, 59, 59, 999) / 1000 + 0.0006);
  const e = buildEntry(edge.decoded, edge.raw, base);
  t.is(e.index, 'blueox-2027.01.01');
  t.regex(e.text, /"@timestamp":"2027-01-01T00:00:00.000Z"/);
  t.is(indexDay(0), '1970.01.01');
});

test('an event\'s own @timestamp and duration are replaced; no start means no duration', (t) => {
  const own = event({ '@timestamp': 'old', duration: 'old' });
  const doc = JSON.parse(buildEntry(own.decoded, own.raw, base).text.split('\n')[1]);
  t.is(doc['@timestamp'], '2026-11-21T23:59:59.250Z');
  t.is(doc.duration, END - (END - 0.125));
  t.is(Object.keys(doc).filter((k) => k === 'duration').length, 1);
  const noStart = event({ start: 'never' });
  t.false('duration' in JSON.parse(buildEntry(noStart.decoded, noStart.raw, base).text.split('\n')[1]));
});

test('events without a usable end time cannot become documents', (t) => {
  for (const end of ['soon', null, Number.NaN, 1e15, -1e12]) {
    const raw = compatPack({ type: 'x', end: end as never });
    t.throws(() => buildEntry(decode(raw) as Record<string, unknown>, raw, base), { instanceOf: EventProblem });
  }
  t.is(endMillis(1.0005), 1001);
});

test('the _id depends on every byte of the event and nothing else', (t) => {
  const a = event();
  const b = event({ pid: 4243 });
  t.is(documentId(a.raw), documentId(Buffer.from(a.raw)));
  t.not(documentId(a.raw), documentId(b.raw));
  t.regex(documentId(a.raw), /^[A-Za-z0-9_-]{27}$/);
});

test('index names follow Elasticsearch\'s rules', (t) => {
  t.is(indexNameProblem('blueox-2026.11.21'), null);
  t.regex(indexNameProblem('BlueOx')!, /lowercase/);
  t.regex(indexNameProblem('a b')!, /contain/);
  t.regex(indexNameProblem('a:b')!, /contain/);
  t.regex(indexNameProblem('_x')!, /start/);
  t.regex(indexNameProblem('..')!, /"\."/);
  t.regex(indexNameProblem('x'.repeat(256))!, /255/);
  t.regex(indexNameProblem('')!, /empty/);
});

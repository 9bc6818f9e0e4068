import test from 'ava';
import { compatPack, Float64 } from '../../src/protocol/compat-pack';
import { buildEntry, documentId, endMillis, EventProblem, indexDay, indexNameProblem } from '../../src/ship/document';
import { eventFields, EventFields } from '../../src/store/event-fields';
import { msgpackToJson } from '../../src/json/json-writer';
import { f64, hex, map, str, uint } from '../helpers/msgpack-samples';

const END = Date.UTC(2026, 10, 21, 23, 59, 59, 250) / 1000;
function event(extra: Record<string, unknown> = {}, end = END): { decoded: EventFields; raw: Buffer } {
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
  return { decoded: eventFields(raw), raw };
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

test('the document is the event as oxview writes it, with NaN and the infinities as null; duration is a float', (t) => {
  const raw = map([
    [str('type'), str('request')],
    [str('start'), f64(END - 2)],
    [str('end'), f64(END)],
    [
      str('body'),
      map([
        [str('n'), uint(64, 2n ** 64n - 1n)],
        [str('f'), f64(2)],
        [str('nan'), f64(Number.NaN)],
        [str('inf'), f64(-Infinity)],
        [f64(Infinity), str('an infinite key stays a name')],
        [str('s'), str(hex('c3 28'))],
      ]),
    ],
  ]);
  const doc = buildEntry(eventFields(raw), raw, base).text.split('\n')[1];
  const event = msgpackToJson(raw, { nonFinite: 'null' });
  t.is(doc, `${event.slice(0, -1)},"@timestamp":"2026-11-21T23:59:59.250Z","duration":2.0}`);
  t.is(event, '{"type":"request","start":1795305597.25,"end":1795305599.25,"body":{"n":18446744073709551615,"f":2.0,"nan":null,"inf":null,"Infinity":"an infinite key stays a name","s":"\\\\xc3("}}');
  t.notRegex(doc, /NaN|:-?Infinity/, 'Elasticsearch refuses the bare tokens');
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
    t.throws(() => buildEntry(eventFields(raw), raw, base), { instanceOf: EventProblem });
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

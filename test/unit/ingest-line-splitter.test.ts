import test from 'ava';
import { LineSplitter } from '../../src/ingest/line-splitter';

type Out = Array<[string, number]>;

function feedAll(s: LineSplitter, chunks: string[], at = 0): Out {
  const out: Out = [];
  for (const c of chunks) {
    const b = Buffer.from(c);
    t_ok(s.feed(b, at, (text, end) => out.push([text, end]) > 0));
    at += b.length;
  }
  return out;
}
function t_ok(v: boolean): void {
  if (!v) throw new Error('feed refused');
}

test('lines with the offset just past each; trailing whitespace and CR removed, leading kept', (t) => {
  const s = new LineSplitter(1000, false);
  t.deepEqual(feedAll(s, ['a\n  b \t\r\n\nc']), [['a', 2], ['  b', 9], ['', 10]]);
  t.is(s.pending, 1);
});

test('a line cut across chunks is held until its newline; offsets count bytes, not characters', (t) => {
  const s = new LineSplitter(1000, false);
  t.deepEqual(feedAll(s, ['caf', 'é', ' ok\nn', 'ext\n']), [['café ok', 9], ['next', 14]]);
  t.is(s.pending, 0);
});

test('long lines are split into pieces of at most maxLineBytes, between UTF-8 characters', (t) => {
  const s = new LineSplitter(10, false);
  t.deepEqual(feedAll(s, ['0123456789abcdefghij!\nx\n']), [['0123456789', 10], ['abcdefghij', 20], ['!', 22], ['x', 24]]);
  t.deepEqual(s.counts, { split: 1, truncated: 0 });
  const u = new LineSplitter(10, false);
  const line = 'x' + 'é'.repeat(8); // 17 bytes; byte 10 is inside the 5th "é"
  t.deepEqual(feedAll(u, [line + '\n']), [['x' + 'é'.repeat(4), 9], ['é'.repeat(4), 18]]);
});

test('a split line whose rest is only whitespace does not make an empty event; exact multiples neither', (t) => {
  const s = new LineSplitter(4, false);
  t.deepEqual(feedAll(s, ['abcd\r\nabcdefgh\nij\n']), [['abcd', 4], ['abcd', 10], ['efgh', 15], ['ij', 18]]);
  t.is(s.counts.split, 2);
});

test('a long line split across many small chunks is counted once', (t) => {
  const s = new LineSplitter(8, false);
  const out = feedAll(s, ['abc', 'defgh', 'ijklm', 'nopqrst', 'u\n']);
  t.deepEqual(out.map((o) => o[0]), ['abcdefgh', 'ijklmnop', 'qrstu']);
  t.is(out[out.length - 1][1], 22);
  t.is(s.counts.split, 1);
});

test('truncation keeps the head and skips to the newline, across chunks', (t) => {
  const s = new LineSplitter(5, true);
  t.deepEqual(feedAll(s, ['abcdefghij', 'klmno', 'pq\nshort\nxyzxyzxyz\n']), [['abcde', 18], ['short', 24], ['xyzxy', 34]]);
  t.deepEqual(s.counts, { split: 0, truncated: 2 });
});

test('flush hands on the partial line with the offset of everything fed', (t) => {
  const s = new LineSplitter(5, true);
  feedAll(s, ['ok\nabcdefgh']);
  const out: Out = [];
  t.true(s.flush((text, end) => out.push([text, end]) > 0));
  t.deepEqual(out, [['abcde', 11]]);
  t.is(s.pending, 0);
  t.true(s.flush(() => false)); // nothing held: nothing to refuse
});

test('a refused line stops the feed; after reset the bytes from the last accepted offset read the same', (t) => {
  const s = new LineSplitter(100, false);
  const data = Buffer.from('one\ntwo\nthree\n');
  const got: Out = [];
  let room = 2;
  t.false(s.feed(data, 0, (text, end) => room-- > 0 && got.push([text, end]) > 0));
  t.deepEqual(got, [['one', 4], ['two', 8]]);
  s.reset();
  t.true(s.feed(data.subarray(8), 8, (text, end) => got.push([text, end]) > 0));
  t.deepEqual(got.map((g) => g[0]), ['one', 'two', 'three']);
  t.is(got[2][1], 14);
});

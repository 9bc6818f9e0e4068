import test from 'ava';
import { compatPack } from '../../src/protocol/compat-pack';
import { isInterleaving } from '../helpers/collect-oracle';

const v = (n: number): Buffer => compatPack({ n });
const file = (...values: Buffer[]): Buffer => Buffer.concat(values);

test('a file of each connection\'s bodies interleaved, each in order, is recognised', (t) => {
  const a = [v(1), v(2), v(3)];
  const b = [v(10), v(20)];
  t.true(isInterleaving(file(v(1), v(10), v(2), v(3), v(20)), [a, b]));
  t.true(isInterleaving(file(...a, ...b), [a, b]));
  t.true(isInterleaving(Buffer.alloc(0), [[], []]));
});

test('bodies out of order, missing, extra or changed are not', (t) => {
  const a = [v(1), v(2)];
  const b = [v(10)];
  t.false(isInterleaving(file(v(2), v(1), v(10)), [a, b]), 'out of order');
  t.false(isInterleaving(file(v(1), v(10)), [a, b]), 'missing');
  t.false(isInterleaving(file(v(1), v(2), v(10), v(10)), [a, b]), 'extra');
  t.false(isInterleaving(file(v(1), v(3), v(10)), [a, b]), 'changed');
  t.false(isInterleaving(Buffer.concat([file(v(1), v(2), v(10)), Buffer.from([0x81])]), [a, b]), 'a cut-off value at the end');
});

test('identical bodies from several connections are tried each way', (t) => {
  // Giving the first v(5) to `a` leads nowhere (a then wants v(6) but v(7) comes); only `b` works.
  const a = [v(5), v(6)];
  const b = [v(5), v(7)];
  const c = [v(5)];
  t.true(isInterleaving(file(v(5), v(7), v(5), v(6), v(5)), [a, b, c]));
  t.true(isInterleaving(file(v(5), v(5), v(5), v(7), v(6)), [a, b, c]));
  t.false(isInterleaving(file(v(5), v(7), v(6), v(5), v(5)), [a, b, c]));
});

test('long files are checked without deep recursion', (t) => {
  const a = Array.from({ length: 100_000 }, (_, i) => v(i));
  const b = Array.from({ length: 100_000 }, () => v(-1));
  const mixed: Buffer[] = [];
  for (let i = 0; i < a.length; i++) mixed.push(a[i], b[i]);
  t.true(isInterleaving(Buffer.concat(mixed), [a, b]));
});

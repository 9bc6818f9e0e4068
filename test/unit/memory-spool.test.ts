import test from 'ava';
import { MemorySpool } from '../../src/daemon/sinks/memory-spool';

test('first in, first out, across many blocks', (t) => {
  const spool = new MemorySpool<number>(Infinity);
  for (let i = 0; i < 10_000; i++) t.true(spool.push(i, 1));
  t.is(spool.length, 10_000);
  for (let i = 0; i < 6_000; i++) {
    if (spool.shift(1) !== i) return t.fail(`expected ${i}`);
  }
  for (let i = 10_000; i < 12_000; i++) spool.push(i, 1);
  const rest: number[] = [];
  for (let v = spool.peek(); v !== undefined; v = spool.peek()) rest.push(spool.shift(1)!);
  t.is(rest.length, 6_000);
  t.is(rest[0], 6_000);
  t.is(rest[rest.length - 1], 11_999);
  t.is(spool.bytes, 0);
  t.is(spool.shift(1), undefined);
});

test('bounded by bytes: a push that would exceed the limit is refused and nothing is kept', (t) => {
  const spool = new MemorySpool<string>(100);
  t.true(spool.push('a', 60));
  t.false(spool.push('b', 41));
  t.true(spool.push('c', 40));
  t.is(spool.length, 2);
  t.is(spool.bytes, 100);
  spool.shift(60);
  t.true(spool.push('d', 60));
  t.deepEqual([spool.shift(40), spool.shift(60)], ['c', 'd']);
});

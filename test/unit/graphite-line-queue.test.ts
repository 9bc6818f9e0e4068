import test from 'ava';
import { LineQueue } from '../../src/daemon/sinks/line-queue';

function queueOf(n: number): LineQueue {
  const q = new LineQueue();
  for (let i = 0; i < n; i++) q.push(`m.${i} ${i} 1700000000`);
  return q;
}

test('lines come out in order, in chunks of whole lines up to the byte budget', (t) => {
  const q = queueOf(10);
  const lineBytes = 'm.0 0 1700000000\n'.length;
  const first = q.take(lineBytes * 3 + 2);
  t.deepEqual(first, ['m.0 0 1700000000', 'm.1 1 1700000000', 'm.2 2 1700000000']);
  t.is(q.length, 7);
  t.is(q.firstSeq, 3);
  // A line larger than the budget still goes, alone: a chunk is never empty.
  t.deepEqual(q.take(1), ['m.3 3 1700000000']);
  t.is(q.take(1_000_000).length, 6);
  t.is(q.length, 0);
  t.is(q.firstSeq, q.pushed);
  t.deepEqual(q.take(100), []);
});

test('dropping takes the oldest first and numbering follows', (t) => {
  const q = queueOf(10);
  q.dropOldest(4);
  t.is(q.length, 6);
  t.is(q.firstSeq, 4);
  t.deepEqual(q.take(18), ['m.4 4 1700000000']);
  q.dropOldest(100);
  t.is(q.length, 0);
  t.is(q.firstSeq, 10);
  q.push('late 1 1');
  t.is(q.firstSeq, 10);
  t.is(q.pushed, 11);
});

test('lines put back go first, numbered from where they were taken', (t) => {
  const q = queueOf(6);
  const taken = q.take(40);
  t.deepEqual(taken, ['m.0 0 1700000000', 'm.1 1 1700000000']);
  q.push('m.6 6 1700000000');
  q.unshift(taken, 0);
  t.is(q.firstSeq, 0);
  t.is(q.length, 7);
  t.deepEqual(q.take(1_000_000).map((l) => l.split(' ')[0]), ['m.0', 'm.1', 'm.2', 'm.3', 'm.4', 'm.5', 'm.6']);
});

test('after lines are put back in front of dropped ones, the numbering runs behind, never ahead', (t) => {
  const q = queueOf(10);
  const taken = q.take(17 * 2);
  q.dropOldest(3); // m.2 .. m.4: newer than the two taken
  q.unshift(taken, 0);
  t.is(q.firstSeq, 0);
  q.take(17 * 3); // m.0, m.1, m.5: m.5 is line 5, the count says 3
  t.true(q.firstSeq <= 6);
  q.take(1_000_000);
  t.is(q.firstSeq, q.pushed);
});

test('the queue stays right across the compaction of a long outage', (t) => {
  const q = queueOf(20_000);
  for (let i = 0; i < 19; i++) q.dropOldest(1000);
  t.is(q.length, 1000);
  t.is(q.firstSeq, 19_000);
  t.is(q.take(1_000_000)[0], 'm.19000 19000 1700000000');
});

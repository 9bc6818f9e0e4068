/**
 * The figures of a load run: nearest-rank percentiles exact from the
 * recorded times (whatever order they came in, however many), min, max,
 * mean, runs per second and the error rate.
 */
import test from 'ava';
import { errorRate, LatencyRecorder, LatencySummary, runsPerSecond } from '../../src/poke/latency-stats';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

test('percentiles of 1..100 are the nearest-rank values: p50 is 50, p95 is 95, p100 the max, p0 the min', (t) => {
  const s = LatencySummary.of(oneToHundred);
  t.deepEqual([50, 90, 95, 99, 100, 0].map((p) => s.percentile(p)), [50, 90, 95, 99, 100, 1]);
  t.is(s.count, 100);
  t.is(s.min, 1);
  t.is(s.max, 100);
  t.is(s.mean, 50.5);
});

test('a rank that floating point puts a hair off a whole number is that number (0.07 * 100 is 7.000000000000001)', (t) => {
  const s = LatencySummary.of(oneToHundred);
  t.is(s.percentile(7), 7);
  t.is(s.percentile(56), 56);
  t.is(s.percentile(57), 57);
  t.is(s.percentile(99.9), 100);
  t.is(s.percentile(0.5), 1);
});

test('few values: the percentile is always a time some run took, rounded up to the next rank', (t) => {
  const ten = LatencySummary.of([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
  t.is(ten.percentile(50), 5);
  t.is(ten.percentile(51), 6);
  t.is(ten.percentile(90), 9);
  t.is(ten.percentile(95), 10);
  const one = LatencySummary.of([3.25]);
  t.deepEqual([0, 50, 99, 100].map((p) => one.percentile(p)), [3.25, 3.25, 3.25, 3.25]);
  t.is(one.mean, 3.25);
});

test('nothing recorded: every figure is NaN and the count 0', (t) => {
  const s = new LatencyRecorder().summary();
  t.is(s.count, 0);
  t.true(Number.isNaN(s.percentile(95)));
  t.true(Number.isNaN(s.min) && Number.isNaN(s.max) && Number.isNaN(s.mean));
});

test('the recorder grows past its first size and sorts numerically (not as text: 9 before 10)', (t) => {
  const r = new LatencyRecorder();
  for (let i = 10_000; i >= 1; i--) r.record(i / 10);
  t.is(r.count, 10_000);
  const s = r.summary();
  t.is(s.min, 0.1);
  t.is(s.max, 1000);
  t.is(s.percentile(50), 500);
  t.is(s.percentile(99), 990);
  t.is(s.percentile(99.99), 999.9);
  t.is(Math.round(s.mean * 1000) / 1000, 500.05);
});

test('a summary is a snapshot: recording goes on without changing it', (t) => {
  const r = new LatencyRecorder();
  r.record(2);
  r.record(1);
  const before = r.summary();
  r.record(100);
  t.is(before.max, 2);
  t.is(before.count, 2);
  t.is(r.summary().max, 100);
});

test('a percentile outside 0..100 is a mistake, not a figure', (t) => {
  const s = LatencySummary.of([1]);
  t.throws(() => s.percentile(101), { instanceOf: RangeError });
  t.throws(() => s.percentile(-1), { instanceOf: RangeError });
  t.throws(() => s.percentile(NaN), { instanceOf: RangeError });
});

test('throughput is runs per second of the elapsed time; the error rate a share of the runs', (t) => {
  t.is(runsPerSecond(500, 2000), 250);
  t.is(runsPerSecond(3, 1500), 2);
  t.is(runsPerSecond(0, 1000), 0);
  t.is(runsPerSecond(5, 0), 0);
  t.is(errorRate(1, 200), 0.005);
  t.is(errorRate(0, 0), 0);
  t.is(errorRate(7, 7), 1);
});

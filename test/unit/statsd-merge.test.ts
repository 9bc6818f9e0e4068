import { decode } from '@msgpack/msgpack';
import test from 'ava';
import { compatPack } from '../../src/protocol/compat-pack';
import { MetricKind, StatsdAggregator } from '../../src/protocol/statsd/aggregator';
import { intervalBodies, IntervalBodyError, readIntervalBody } from '../../src/protocol/statsd/interval-event';
import { MergedWindow, NameMemory } from '../../src/protocol/statsd/interval-merge';
import { timerFigures } from '../../src/protocol/statsd/timer-figures';

function hostInterval(lines: string) {
  const agg = new StatsdAggregator({ maxNames: 100_000, maxTimerSamples: 10_000, deleteIdle: new Set<MetricKind>(), prefixStats: 'statsd' });
  agg.packet(lines);
  return agg.flush();
}

/** The interval as it travels: bodies packed as msgpack and read back. */
function travel(host: string, lines: string) {
  const bodies = intervalBodies({ origin: host, host, windowEnd: 10_000, intervalMs: 10_000 }, hostInterval(lines));
  return bodies.map((b) => readIntervalBody(decode(compatPack(b))));
}

test('an interval travels as msgpack and merges back: counters add, sets unite, timers stay exact when few', (t) => {
  const w = new MergedWindow(10_000, 1000, 10_000);
  for (const part of [...travel('a', 'c:1|c\ns:x|s\nt:1|ms\nt:3|ms\ng:5|g'), ...travel('b', 'c:2|c|@0.5\ns:y|s\ns:x|s\nt:2|ms\ng:7|g')]) w.addPart(part);
  w.mergeNow();
  t.is(w.data.counters.get('c'), 5);
  t.deepEqual([...w.data.sets.get('s')!].sort(), ['x', 'y']);
  t.is(w.data.gauges.get('g'), 7);
  const f = new Map(timerFigures(w.data.timers.get('t')!, [90], 10_000));
  t.is(f.get('count'), 3);
  t.is(f.get('median'), 2);
  t.is(f.get('upper_90'), 3);
  t.is(f.get('sum_squares'), 14);
  t.deepEqual([...w.hosts].sort(), ['a', 'b']);
});

test('many samples travel as a sketch; a big interval is cut into parts that merge to the whole', (t) => {
  const lines: string[] = [];
  for (let i = 1; i <= 5000; i++) lines.push(`big:${i}|ms`);
  for (let i = 0; i < 30_000; i++) lines.push(`name.number.${i}:1|c`);
  const parts = travel('a', lines.join('\n'));
  t.true(parts.length > 1, `${parts.length} parts`);
  const w = new MergedWindow(10_000, 100_000, 10_000);
  for (const p of parts) w.addPart(p);
  w.mergeNow();
  t.is(w.data.counters.size, 30_000 + 3, 'every counter (and the three of statsd itself)');
  const timer = w.data.timers.get('big')!;
  t.not(timer.sketch, null);
  const f = new Map(timerFigures(timer, [90], 10_000));
  t.is(f.get('count'), 5000);
  t.is(f.get('upper'), 5000);
  t.true(Math.abs(f.get('upper_90')! / 4500 - 1) <= 0.01, `upper_90 ${f.get('upper_90')}`);
});

test('per-host series: each host also under host=NAME', (t) => {
  const w = new MergedWindow(10_000, 1000, 10_000, true);
  for (const part of [...travel('web-1', 'c:1|c'), ...travel('web 2', 'c:2|c')]) w.addPart(part);
  w.mergeNow();
  t.is(w.data.counters.get('c'), 3);
  t.is(w.data.counters.get('c;host=web-1'), 1);
  t.is(w.data.counters.get('c;host=web_2'), 2);
});

test('bodies that are not intervals are refused with what is wrong', (t) => {
  const [good] = intervalBodies({ origin: 'o', host: 'h', windowEnd: 1, intervalMs: 1000 }, hostInterval('t:1|ms'));
  const read = (b: unknown) => () => readIntervalBody(decode(compatPack(b as never)));
  t.throws(read(null), { instanceOf: IntervalBodyError, message: /the body must be a map/ });
  t.throws(read({ ...good, window_end: 'soon' }), { message: /window_end must be a finite number/ });
  t.throws(read({ ...good, counters: { c: 'x' } }), { message: /counters c must be a finite number/ });
  t.throws(read({ ...good, timers: { t: { count: 1, n: 2, sum: 1, sum_squares: 1, min: 1, max: 1, samples: [1] } } }), { message: /1 samples for n = 2/ });
  t.throws(read({ ...good, timers: { t: { count: 1, n: 1, sum: 1, sum_squares: 1, min: 1, max: 1, sketch: { alpha: 0.005, zeros: 0, buckets: [1] } } } }), { message: /index, count pairs/ });
  t.throws(read({ ...good, sets: { s: [1] } }), { message: /members must be strings/ });
});

test('carry-over across windows, as statsd: zeros for counters, timers and sets, the last value for gauges', (t) => {
  const memory = new NameMemory(new Set(), 1000);
  const first = new MergedWindow(10_000, 1000, 10_000);
  first.addPart(travel('a', 'c:1|c\nt:1|ms\ns:x|s\ng:4|g')[0]);
  first.mergeNow();
  memory.carryInto(first.data);
  const second = new MergedWindow(20_000, 1000, 10_000);
  memory.carryInto(second.data);
  t.is(second.data.counters.get('c'), 0);
  t.is(second.data.timers.get('t')!.n, 0);
  t.is(second.data.sets.get('s')!.size, 0);
  t.is(second.data.gauges.get('g'), 4);
  const forgetting = new NameMemory(new Set<MetricKind>(['counters', 'gauges']), 1000);
  forgetting.carryInto(first.data);
  const third = new MergedWindow(30_000, 1000, 10_000);
  forgetting.carryInto(third.data);
  t.false(third.data.counters.has('c'));
  t.false(third.data.gauges.has('g'));
  t.true(third.data.timers.has('t'));
});

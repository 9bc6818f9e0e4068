import test from 'ava';
import { AggregatorOptions, MetricKind, StatsdAggregator } from '../../src/protocol/statsd/aggregator';
import { DEFAULT_NAMING, graphiteLines, GraphiteNaming } from '../../src/protocol/statsd/graphite-names';
import { NameMemory } from '../../src/protocol/statsd/interval-merge';
import { QuantileSketch } from '../../src/protocol/statsd/quantile-sketch';
import { TimerSamples, timerFigures } from '../../src/protocol/statsd/timer-figures';

function aggregator(over: Partial<AggregatorOptions> = {}): StatsdAggregator {
  return new StatsdAggregator({ maxNames: 1000, maxTimerSamples: 10_000, deleteIdle: new Set<MetricKind>(), prefixStats: 'statsd', ...over });
}

const memories = new WeakMap<StatsdAggregator, NameMemory>();

/** Graphite lines as name → value text, at 10 s intervals ending at t=1000, with statsd's carry-over. */
function flushLines(agg: StatsdAggregator, naming: GraphiteNaming = DEFAULT_NAMING, pcts = [90]): Map<string, string> {
  let memory = memories.get(agg);
  if (memory === undefined) memories.set(agg, (memory = new NameMemory(agg.options.deleteIdle, agg.options.maxNames)));
  const data = agg.flush();
  memory.carryInto(data);
  const lines = graphiteLines(data, naming, { intervalMs: 10_000, timestamp: 1000, percentThresholds: pcts, histogram: [{ metric: 'hist', bins: [10, 100, 'inf'] }], processingMs: 0, writer: [] });
  const out = new Map<string, string>();
  for (const l of lines) {
    const [name, value, ts] = l.split(' ');
    if (ts !== '1000') throw new Error(`timestamp: ${l}`);
    out.set(name, value);
  }
  return out;
}

test('counters: per-second rate and count, sample rates scaled, statsd own counters', (t) => {
  const agg = aggregator();
  agg.packet('hits:3|c\nhits:1|c|@0.1\nbad');
  agg.packet('hits:6|c');
  const m = flushLines(agg);
  t.is(m.get('stats_counts.hits'), '19');
  t.is(m.get('stats.hits'), '1.9');
  t.is(m.get('stats_counts.statsd.packets_received'), '2');
  t.is(m.get('stats_counts.statsd.metrics_received'), '4');
  t.is(m.get('stats_counts.statsd.bad_lines_seen'), '1');
  t.is(m.get('statsd.numStats'), '4');
  t.deepEqual(agg.recentBad, ['no-type: bad']);
  const next = flushLines(agg);
  t.is(next.get('stats_counts.hits'), '0', 'a counter seen before is written as 0 in a quiet interval');
});

test('gauges keep their value; deltas move an existing gauge and set a new one', (t) => {
  const agg = aggregator();
  agg.packet('g1:10|g\ng1:+5|g\ng1:-2|g\ng2:-4|g\ng3:+7|g');
  let m = flushLines(agg);
  t.is(m.get('stats.gauges.g1'), '13');
  t.is(m.get('stats.gauges.g2'), '-4');
  t.is(m.get('stats.gauges.g3'), '7');
  agg.packet('g1:+1|g');
  m = flushLines(agg);
  t.is(m.get('stats.gauges.g1'), '14');
  t.is(m.get('stats.gauges.g2'), '-4', 'an idle gauge keeps its last value');
});

test("timers: statsd's figures from the sorted samples", (t) => {
  const agg = aggregator();
  agg.packet(['api:1|ms', 'api:2|ms', 'api:3|ms', 'api:4|ms', 'api:5|ms', 'api:6|ms', 'api:7|ms', 'api:8|ms', 'api:9|ms', 'api:10|ms|@0.5'].join('\n'));
  const m = flushLines(agg);
  const want: Record<string, string> = {
    count_90: '9',
    mean_90: '5',
    upper_90: '9',
    sum_90: '45',
    sum_squares_90: '285',
    std: String(Math.sqrt(8.25)),
    upper: '10',
    lower: '1',
    count: '11',
    count_ps: '1.1',
    sum: '55',
    sum_squares: '385',
    mean: '5.5',
    median: '5.5',
  };
  for (const [k, v] of Object.entries(want)) t.is(m.get(`stats.timers.api.${k}`), v, k);
  t.is(flushLines(agg).get('stats.timers.api.count'), '0', 'a quiet interval writes count 0');
});

test('histogram bins and negative thresholds, as statsd names them', (t) => {
  const agg = aggregator();
  agg.packet(['hist.req:5|ms', 'hist.req:50|ms', 'hist.req:500|ms', 'hist.req:7|ms'].join('\n'));
  const m = flushLines(agg, DEFAULT_NAMING, [50, -50, 99.5]);
  t.is(m.get('stats.timers.hist.req.histogram.bin_10'), '2');
  t.is(m.get('stats.timers.hist.req.histogram.bin_100'), '1');
  t.is(m.get('stats.timers.hist.req.histogram.bin_inf'), '1');
  t.is(m.get('stats.timers.hist.req.upper_50'), '7');
  t.is(m.get('stats.timers.hist.req.lower_top50'), '50');
  t.is(m.get('stats.timers.hist.req.sum_top50'), '550');
  t.is(m.get('stats.timers.hist.req.upper_99_5'), '500');
});

test('a value that would make a figure infinite is a bad line; the total stays as it was', (t) => {
  const agg = aggregator();
  agg.packet('c:1e308|c\nc:1e308|c\nr:1|c|@1e-320\nt:1e200|ms\nt:5|ms|@1e-320\ng:1e308|g\ng:+1e308|g\nok:1|c');
  t.deepEqual(Object.fromEntries(agg.badReasons), { value: 5 });
  const m = flushLines(agg);
  t.is(m.get('stats_counts.c'), '1e+308');
  t.false(m.has('stats_counts.r'));
  t.false(m.has('stats.timers.t.count'));
  t.is(m.get('stats.gauges.g'), '1e+308');
  t.is(m.get('stats_counts.ok'), '1');
  t.deepEqual([...m.values()].filter((v) => !Number.isFinite(Number(v))), []);
});

test('sets count distinct members per interval', (t) => {
  const agg = aggregator();
  agg.packet('u:alice|s\nu:bob|s\nu:alice|s');
  t.is(flushLines(agg).get('stats.sets.u.count'), '2');
  t.is(flushLines(agg).get('stats.sets.u.count'), '0');
});

test('tags stay at the end of names; the newer namespace, prefixes and suffix', (t) => {
  const agg = aggregator();
  agg.packet('req:2|c|#env:prod\nlat:5|ms|#env:prod\ng:1|g\ns:a|s');
  const naming: GraphiteNaming = { ...DEFAULT_NAMING, legacyNamespace: false, globalPrefix: 'app', prefixCounter: 'cnt', globalSuffix: 'sfx' };
  const m = flushLines(agg, naming);
  t.is(m.get('app.cnt.req.rate.sfx;env=prod'), '0.2');
  t.is(m.get('app.cnt.req.count.sfx;env=prod'), '2');
  t.is(m.get('app.timers.lat.upper_90.sfx;env=prod'), '5');
  t.is(m.get('app.gauges.g.sfx'), '1');
  t.is(m.get('app.sets.s.count.sfx'), '1');
  t.is(m.get('app.statsd.numStats.sfx'), '7');
});

test('deleting idle names, per kind', (t) => {
  const agg = aggregator({ deleteIdle: new Set<MetricKind>(['counters', 'timers', 'sets', 'gauges']) });
  agg.packet('c:1|c\nt:1|ms\ns:x|s\ng:3|g');
  const first = flushLines(agg);
  t.true(['stats.c', 'stats.timers.t.count', 'stats.sets.s.count', 'stats.gauges.g'].every((k) => first.has(k)));
  const second = flushLines(agg);
  t.deepEqual([...second.keys()].filter((k) => !k.includes('statsd')), [], 'nothing idle is written');
  t.is(second.get('stats_counts.statsd.packets_received'), '0', "statsd's own counters are never deleted");
});

test('the cap on names: new names beyond it are counted, known ones keep counting', (t) => {
  const agg = aggregator({ maxNames: 2 });
  agg.packet('a:1|c\nb:1|ms\nc:1|c\nd:1|g\na:1|c');
  t.is(agg.namesDropped, 2);
  const sampled = aggregator({ maxTimerSamples: 3 });
  sampled.packet('t:1|ms\nt:2|ms\nt:3|ms');
  t.is(sampled.timersSketched, 0);
  sampled.packet('t:4|ms\nt:5|ms');
  t.is(sampled.timersSketched, 1, 'a timer past its sample cap is counted once');
  const m = flushLines(agg);
  t.is(m.get('stats_counts.a'), '2');
  t.false(m.has('stats_counts.c'));
  t.false(m.has('stats.gauges.d'));
});

test('past the sample cap, percentiles come from the sketch within 1 %, totals stay exact', (t) => {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const capped = new TimerSamples();
  const exact = new TimerSamples();
  for (let i = 0; i < 50_000; i++) {
    const v = Math.round(Math.exp(random() * 8) * 1000) / 1000; // 1 ms to 3 s, long-tailed
    capped.add(v, 1, 1000);
    exact.add(v, 1, Infinity);
  }
  t.not(capped.sketch, null);
  const a = new Map(timerFigures(capped, [90, 99], 10_000));
  const b = new Map(timerFigures(exact, [90, 99], 10_000));
  for (const k of ['count', 'count_90', 'upper', 'lower']) t.is(a.get(k), b.get(k), k);
  for (const k of ['sum', 'sum_squares', 'mean', 'std']) t.true(Math.abs(a.get(k)! / b.get(k)! - 1) < 1e-9, k);
  for (const k of ['upper_90', 'upper_99', 'mean_90', 'sum_90', 'median']) {
    const err = Math.abs(a.get(k)! / b.get(k)! - 1);
    t.true(err <= 0.01, `${k}: ${a.get(k)} vs exact ${b.get(k)} (${(err * 100).toFixed(3)} %)`);
  }
});

test('sketches merge: the merged quantile is that of all the values, within alpha', (t) => {
  const parts = [new QuantileSketch(), new QuantileSketch(), new QuantileSketch()];
  const all: number[] = [];
  for (let i = 1; i <= 30_000; i++) {
    const v = (i * 7919) % 10007; // a spread of values from 0 to 10006
    parts[i % 3].add(v);
    all.push(v);
  }
  const merged = new QuantileSketch();
  for (const p of parts) merged.merge(p);
  all.sort((a, b) => a - b);
  t.is(merged.total, all.length);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const rank = Math.ceil(q * all.length) - 1;
    const got = merged.upTo(rank).value;
    t.true(Math.abs(got - all[rank]) <= all[rank] * merged.alpha + 1e-9, `q${q}: ${got} vs ${all[rank]}`);
  }
});

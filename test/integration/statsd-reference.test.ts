/**
 * The reference side of the statsd conformance test, proven on the real etsy
 * statsd (npm `statsd`) and its Graphite backend: the corpus goes in within
 * one flush interval, and the flush that comes out holds the values worked
 * out here by hand from statsd's rules. This is the behaviour oxd's statsd
 * source has to reproduce line for line.
 */
import test, { ExecutionContext } from 'ava';
import { CarbonCapture, Flush } from '../helpers/carbon-capture';
import { CorpusEntry, MANY_TIMER_VALUES, OXD_DIFFERS, STATSD_CORPUS, datagrams } from '../helpers/statsd-corpus';
import { STATSD_OWN_METRICS, StatsdOptions, StatsdReference, startStatsd } from '../helpers/statsd-reference';

const INTERVAL_MS = 2000;
/** A flush is due every interval; allow for a busy machine. */
const FLUSH_WAIT_MS = 3 * INTERVAL_MS + 5000;

async function start(t: ExecutionContext, options: Partial<StatsdOptions> = {}): Promise<{ capture: CarbonCapture; statsd: StatsdReference }> {
  const capture = new CarbonCapture();
  t.teardown(() => capture.close());
  const graphitePort = await capture.start();
  const statsd = await startStatsd({ flushIntervalMs: INTERVAL_MS, graphitePort, ...options });
  t.teardown(() => statsd.stop());
  return { capture, statsd };
}

/** The `index`-th flush (from 0), once complete. */
function nthFlush(capture: CarbonCapture, index: number): Promise<Flush> {
  return capture.waitForFlush((f) => capture.flushes.indexOf(f) === index, FLUSH_WAIT_MS);
}

/**
 * Sends `entries` right after a flush, so that all of them fall in the next interval, and
 * resolves with that interval's flush and the idle one after it. statsd's intervals run from
 * its start-up time, which the test cannot choose: the packet count in the flush proves that
 * no datagram fell into another interval.
 */
async function feed(t: ExecutionContext, capture: CarbonCapture, statsd: StatsdReference, entries: readonly CorpusEntry[], packetsName: string): Promise<[Flush, Flush]> {
  await capture.waitForFlush(() => true, FLUSH_WAIT_MS);
  const next = capture.flushes.length;
  for (const d of datagrams(entries)) await statsd.send(d);
  const [data, idle] = await Promise.all([nthFlush(capture, next), nthFlush(capture, next + 1)]);
  t.is(data.get(packetsName)?.value, String(entries.length), 'every datagram in one interval');
  t.is(idle.get(packetsName)?.value, '0', 'nothing in the interval after it');
  t.deepEqual(capture.malformed, []);
  t.deepEqual(capture.duplicates, []);
  return [data, idle];
}

const valueOf = (f: Flush, name: string): string | undefined => f.get(name)?.value;

/** The names in `f` under `prefix` (and holding `corpus`), as a sorted list. */
const namesUnder = (f: Flush, prefix: string): string[] => [...f.keys()].filter((n) => n.startsWith(prefix) && n.includes('corpus')).sort();

/** statsd's count of metric lines: every non-empty line, bad ones included. */
const lineCount = (entries: readonly CorpusEntry[]): number =>
  entries.reduce((n, e) => n + e.datagram.toString().split('\n').filter((l) => l.length > 0).length, 0);

// Counter totals as statsd sums them (value / sample rate); the rate is total / 2 s.
const COUNTERS: Record<string, number> = {
  'corpus.counter.plain': 2, // 1 + 2 - 1
  'corpus.counter.sampled': 16, // 1/0.1 + 3/0.5
  'corpus.counter.dotrate': 2,
  'corpus.counter.overrate': 0.5,
  'corpus.counter.float': 0.5,
  'corpus.counter.plus': 3,
  'corpus.counter.exp': 1000,
  'corpus.counter.zero': 0,
  'corpus.multi.counter': 8,
  'corpus.multi.mixed': 4,
  'corpus.multi.sampled': 3,
  'corpus.lines.a': 1,
  'corpus.lines.trailing': 1,
  'corpus.lines.blank': 2,
  'corpus.lines.crlf': 3,
  'corpus.tagged;env=prod;canary': 2,
  'corpus.tagged;env=dev': 5,
  'corpus.tagged.sampled;env=prod': 2,
  'corpus.tagged.odd;path=-a-b;k=vw': 1,
  'corpus.tagged.empty': 1,
  'corpus.key_with_spaces': 1,
  'corpus.key_many_spaces': 1,
  'corpus.key_with_tabs': 1,
  'corpus-key-slashes': 1,
  'corpus.keyoddcharsx': 1,
  'corpus.keypipe': 1,
  'corpus.ky': 1,
  'corpus.binkey': 1,
  'corpus.key;x=y': 1,
  'corpus.collide_a': 3,
  'corpus.bad.inline': 3,
  'corpus.bad.multi': 3,
};

const GAUGES: Record<string, string> = {
  'stats.gauges.corpus.gauge.abs': '12',
  'stats.gauges.corpus.gauge.newup': '4',
  'stats.gauges.corpus.gauge.newdown': '-4',
  'stats.gauges.corpus.gauge.float': '3.25',
  'stats.gauges.corpus.gauge.reset': '2',
  'stats.gauges.corpus.gauge.sampled': '7',
  'stats.gauges.corpus.lines.b': '2',
  'stats.gauges.corpus.multi.mixed': '9',
  'stats.gauges.corpus.tagged.gauge;role=db': '3',
};

const SETS: Record<string, string> = {
  'stats.sets.corpus.set.users.count': '3',
  'stats.sets.corpus.set.ids.count': '2',
  'stats.sets.corpus.set.spaced.count': '1',
  'stats.sets.corpus.set.sampled.count': '1',
  'stats.sets.corpus.tagged.set.count;role=db': '1',
};

const TIMER_FIELDS = ['count', 'count_90', 'count_ps', 'lower', 'mean', 'mean_90', 'median', 'std', 'sum', 'sum_90', 'sum_squares', 'sum_squares_90', 'upper', 'upper_90'];
const TIMERS = ['corpus.timer.single', 'corpus.timer.zero', 'corpus.timer.float', 'corpus.timer.sampled', 'corpus.timer.many', 'corpus.multi.mixed', 'corpus.lines.c', 'corpus.tagged.timer;env=prod'];

/** A timer's Graphite name: the field goes before the tags. */
function timerName(key: string, field: string): string {
  const [name, ...tags] = key.split(';');
  return `stats.timers.${name}.${field}${tags.map((x) => `;${x}`).join('')}`;
}

test('statsd flushes the corpus as worked out by hand, then idles', async (t) => {
  const { capture, statsd } = await start(t);
  const [f, idle] = await feed(t, capture, statsd, STATSD_CORPUS, 'stats_counts.statsd.packets_received');

  t.is(valueOf(f, 'stats_counts.statsd.metrics_received'), String(lineCount(STATSD_CORPUS)));
  t.is(valueOf(f, 'stats_counts.statsd.bad_lines_seen'), '16');
  t.is(valueOf(f, 'stats.statsd.packets_received'), String(STATSD_CORPUS.length / 2), 'per-second rate over 2 s');
  // besides the corpus, only statsd's own metrics
  t.deepEqual([...f.keys()].filter((n) => !n.includes('corpus')).sort(), STATSD_OWN_METRICS.slice().sort());
  // numStats counts keys: 32 counters and statsd's 3, 8 timers, 9 gauges and timestamp_lag, 5 sets
  t.is(valueOf(f, 'statsd.numStats'), '58');

  // counters: stats_counts.<key> is the total, stats.<key> the total per second
  t.deepEqual(namesUnder(f, 'stats_counts.'), Object.keys(COUNTERS).map((k) => `stats_counts.${k}`).sort());
  for (const [k, total] of Object.entries(COUNTERS)) {
    t.is(valueOf(f, `stats_counts.${k}`), String(total), k);
    t.is(valueOf(f, `stats.${k}`), String(total / (INTERVAL_MS / 1000)), `${k} per second`);
  }
  t.is(valueOf(f, 'stats.corpus.counter.float'), '0.25');

  t.deepEqual(namesUnder(f, 'stats.gauges.'), Object.keys(GAUGES).sort());
  for (const [name, v] of Object.entries(GAUGES)) t.is(valueOf(f, name), v, name);
  t.deepEqual(namesUnder(f, 'stats.sets.'), Object.keys(SETS).sort());
  for (const [name, v] of Object.entries(SETS)) t.is(valueOf(f, name), v, name);

  // timers: every timer has the same 14 fields (percentThreshold 90)
  t.deepEqual(namesUnder(f, 'stats.timers.'), TIMERS.flatMap((k) => TIMER_FIELDS.map((x) => timerName(k, x))).sort());
  // corpus.timer.many is 1..20: the 90th percentile keeps the lowest round(0.9 * 20) = 18
  t.deepEqual(MANY_TIMER_VALUES.slice().sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
  const many = (field: string): string | undefined => valueOf(f, timerName('corpus.timer.many', field));
  t.is(many('count'), '20');
  t.is(many('count_ps'), '10');
  t.is(many('lower'), '1');
  t.is(many('upper'), '20');
  t.is(many('sum'), '210');
  t.is(many('sum_squares'), '2870');
  t.is(many('mean'), '10.5');
  t.is(many('median'), '10.5'); // (10 + 11) / 2
  t.is(many('std'), String(Math.sqrt(33.25))); // population deviation of 1..20: (20² - 1) / 12
  t.is(many('count_90'), '18');
  t.is(many('upper_90'), '18');
  t.is(many('sum_90'), '171');
  t.is(many('sum_squares_90'), '2109');
  t.is(many('mean_90'), '9.5');
  // a sampled timer: one value, counted 1 / 0.1 times
  t.is(valueOf(f, timerName('corpus.timer.sampled', 'count')), '10');
  t.is(valueOf(f, timerName('corpus.timer.sampled', 'count_ps')), '5');
  t.is(valueOf(f, timerName('corpus.timer.sampled', 'count_90')), '1');
  t.is(valueOf(f, timerName('corpus.tagged.timer;env=prod', 'upper')), '5');
  t.is(valueOf(f, 'stats.timers.corpus.tagged.timer.upper;env=prod'), '5');

  // one timestamp for the interval's metrics (statsd stamps its own graphiteStats lines apart)
  t.is(new Set([...f].filter(([n]) => n.includes('corpus')).map(([, p]) => p.ts)).size, 1);

  // idle: counters and sets flush 0, timers only count 0, gauges keep their value
  for (const k of Object.keys(COUNTERS)) {
    t.is(valueOf(idle, `stats_counts.${k}`), '0', k);
    t.is(valueOf(idle, `stats.${k}`), '0', k);
  }
  for (const [name, v] of Object.entries(GAUGES)) t.is(valueOf(idle, name), v, name);
  for (const name of Object.keys(SETS)) t.is(valueOf(idle, name), '0', name);
  t.deepEqual(namesUnder(idle, 'stats.timers.'), TIMERS.flatMap((k) => ['count', 'count_ps'].map((x) => timerName(k, x))).sort());
  for (const name of namesUnder(idle, 'stats.timers.')) t.is(valueOf(idle, name), '0', name);
  t.is(valueOf(idle, 'stats_counts.statsd.bad_lines_seen'), '0');
});

test('statsd on the inputs where oxd differs: unknown types count, packed values are bad lines, non-finite values pass', async (t) => {
  const { capture, statsd } = await start(t);
  const [f] = await feed(t, capture, statsd, OXD_DIFFERS, 'stats_counts.statsd.packets_received');

  t.is(valueOf(f, 'stats_counts.corpus.differs.x'), '1');
  t.is(valueOf(f, 'stats_counts.corpus.differs.h'), '5');
  t.is(valueOf(f, 'stats_counts.corpus.differs.d'), '5');
  t.is(valueOf(f, 'stats_counts.corpus.differs.big'), 'Infinity');
  t.is(valueOf(f, 'stats.corpus.differs.big'), 'Infinity');
  t.is(valueOf(f, 'stats.gauges.corpus.differs.inf'), 'Infinity');
  t.is(valueOf(f, 'stats_counts.corpus.differs.hex'), '16');
  t.is(valueOf(f, 'stats_counts.corpus.differs.rate0'), 'Infinity');
  // `1:2:3|ms`: 1 and 2 have no type (bad lines), 3 is the one timer value
  t.is(valueOf(f, 'stats_counts.statsd.bad_lines_seen'), '2');
  t.is(valueOf(f, timerName('corpus.differs.packed', 'count')), '1');
  t.is(valueOf(f, timerName('corpus.differs.packed', 'upper')), '3');
  t.is(namesUnder(f, 'stats.timers.corpus.differs.h').length + namesUnder(f, 'stats.timers.corpus.differs.d').length, 0);
});

test('statsd with deleteIdleStats, the new namespace and three percentiles', async (t) => {
  const { capture, statsd } = await start(t, { deleteIdleStats: true, legacyNamespace: false, percentThreshold: [90, 50, -10] });
  const entries: CorpusEntry[] = [
    ...STATSD_CORPUS.filter((e) => /^corpus\.(counter\.plain|timer\.many|gauge\.abs|set\.users):/.test(e.datagram.toString())),
  ];
  const [f, idle] = await feed(t, capture, statsd, entries, 'stats.counters.statsd.packets_received.count');

  t.is(valueOf(f, 'stats.counters.corpus.counter.plain.count'), '2');
  t.is(valueOf(f, 'stats.counters.corpus.counter.plain.rate'), '1');
  t.is(valueOf(f, 'stats.gauges.corpus.gauge.abs'), '12');
  t.is(valueOf(f, 'stats.sets.corpus.set.users.count'), '3');
  const many = (field: string): string | undefined => valueOf(f, `stats.timers.corpus.timer.many.${field}`);
  t.is(many('upper_90'), '18');
  // 50th: the lowest round(0.5 * 20) = 10 values
  t.is(many('count_50'), '10');
  t.is(many('upper_50'), '10');
  t.is(many('mean_50'), '5.5');
  // -10: the highest round(0.1 * 20) = 2 values, 19 and 20, named "top10", bounded below
  t.is(many('count_top10'), '2');
  t.is(many('lower_top10'), '19');
  t.is(many('sum_top10'), '39');
  t.is(many('mean_top10'), '19.5');
  t.is(many('upper_top10'), undefined);

  // idle: nothing of the corpus is written at all; statsd's own counters stay
  t.deepEqual(namesUnder(idle, 'stats.'), []);
  t.is(valueOf(idle, 'stats.counters.statsd.bad_lines_seen.count'), '0');
});

test('the management console answers stats, counters, health', async (t) => {
  // No flush during the test: a flush would zero the counters the console shows.
  const { statsd } = await start(t, { flushIntervalMs: 600_000 });
  const stats = await statsd.mgmt('stats');
  t.regex(stats, /^uptime: \d+$/m);
  t.regex(stats, /^messages\.bad_lines_seen: 0$/m);
  t.regex(stats, /END\n\n$/);
  await statsd.send('corpus.mgmt:3|c');
  await statsd.send('corpus.mgmt.bad:x|c');
  // UDP is delivered in its own time: poll the console until statsd has read both
  const deadline = Date.now() + 10_000;
  while (!/^messages\.bad_lines_seen: 1$/m.test(await statsd.mgmt('stats')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const counters = await statsd.mgmt('counters');
  t.regex(counters, /'corpus\.mgmt': 3/);
  t.regex(counters, /'statsd\.packets_received': 2/);
  t.regex(counters, /'statsd\.bad_lines_seen': 1/);
  t.regex(await statsd.mgmt('health'), /^health: up\n$/);
  t.regex(await statsd.mgmt('nonsense'), /^ERROR\n$/);
});

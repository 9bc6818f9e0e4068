/**
 * The carbon examples the blueox-oxd package ships (etc/carbon/, installed
 * under /usr/share/doc/blueox-oxd/examples/carbon/), read by graphite-carbon's
 * own loaders (test/helpers/carbon_examples.py): every name a running oxd
 * writes for a whole interval of the statsd corpus (tagged series, every
 * timer figure, percent thresholds with a dot and negative ones, histogram
 * bins, statsd's own figures) gets points of the default interval, and each
 * figure the aggregation it needs when carbon rolls points up. And oxd's own
 * check of carbon's retentions finds nothing to say about the example.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../src/config/oxd-settings';
import { CarbonCapture } from '../helpers/carbon-capture';
import { OXD_BUNDLE, REPO, startOxd, tempDir } from '../helpers/oxd-process';
import { datagrams, STATSD_CORPUS } from '../helpers/statsd-corpus';
import { sendDatagrams } from '../helpers/statsd-send';

const SCHEMAS = path.join(REPO, 'etc/carbon/storage-schemas.conf');
const AGGREGATION = path.join(REPO, 'etc/carbon/storage-aggregation.conf');
const INTERVAL_MS = 2000;
const WAIT_MS = 4 * INTERVAL_MS + 10_000;
const PACKETS = 'stats_counts.statsd.packets_received';

interface CarbonChoice {
  schema: string;
  archives: Array<[number, number]>;
  aggregation: string;
  method: string;
  xff: number;
}

/** What carbon-cache would create each name's whisper file with. */
function carbonChoices(names: string[]): Record<string, CarbonChoice> {
  const r = spawnSync('/usr/bin/python3', [path.join(REPO, 'test/helpers/carbon_examples.py'), SCHEMAS, AGGREGATION], {
    input: JSON.stringify(names),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`carbon_examples.py exited ${r.status} (Debian's graphite-carbon installed?): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** How carbon must combine a timer figure's points: counts add up, highs and lows keep theirs. */
function timerMethod(figure: string): string | undefined {
  if (figure.startsWith('histogram.bin_')) return 'sum';
  const [kind] = figure.split(/_(?=top\d|\d)/);
  return { count: 'sum', sum: 'sum', sum_squares: 'sum', upper: 'max', lower: 'min', count_ps: 'average', mean: 'average', median: 'average', std: 'average' }[kind];
}

/** The aggregation a name oxd writes (legacy namespace) must get, or undefined for a name this test does not know. */
function expectedMethod(name: string): string | undefined {
  const plain = name.split(';')[0];
  if (plain.startsWith('stats_counts.')) return 'sum';
  // A set's count is the distinct members of one interval: adding intervals would count a member twice.
  if (plain.startsWith('stats.sets.')) return plain.endsWith('.count') ? 'max' : undefined;
  const timer = /^stats\.timers\.(.+)$/.exec(plain);
  if (timer) {
    const figure = /\.(histogram\.bin_\w+|[a-z_]+\d*(_\d+)?)$/.exec(plain)?.[1];
    return figure === undefined ? undefined : timerMethod(figure);
  }
  // Counters' rates, gauges, statsd's own figures.
  if (/^stats\.gauges\./.test(plain) || /^stats\.statsd\./.test(plain) || plain === 'statsd.numStats' || /^stats\.[^.]/.test(plain)) return 'average';
  return undefined;
}

test('graphite-carbon reads the example files: every name oxd writes gets points of statsd_flush_ms and the aggregation its figure needs', async (t) => {
  const capture = new CarbonCapture();
  t.teardown(() => capture.close());
  const carbonPort = await capture.start();
  const oxd = await startOxd({
    logPath: null,
    args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(INTERVAL_MS), '--statsd-merge-delay', '100', '--graphite', `127.0.0.1:${carbonPort}`, '--graphite-schemas', '',
      '--statsd-percent-thresholds', '90,99.9,-10', '--statsd-histogram', 'corpus.timer.many:2,5.5,inf'],
  });
  t.teardown(() => oxd.stop());
  const port = Number((await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1]);
  const sent = datagrams(STATSD_CORPUS);
  await capture.waitForInterval(() => true, WAIT_MS);
  await sendDatagrams(port, sent);
  // The corpus may straddle two intervals: every name is in one or the other.
  const names = new Set<string>();
  let packets = 0;
  while (packets < sent.length) {
    const interval = await capture.waitForInterval((i) => i.points.get(PACKETS) !== '0' && ![...i.points.keys()].every((n) => names.has(n)), WAIT_MS);
    packets += Number(interval.points.get(PACKETS));
    for (const name of interval.points.keys()) names.add(name);
  }
  const all = [...names].sort();
  t.true(all.some((n) => n.includes(';env=prod')), 'tagged series are among them');
  t.true(all.some((n) => n.endsWith('.lower_top10')) && all.some((n) => n.endsWith('.upper_99_9')) && all.some((n) => n.endsWith('.histogram.bin_5_5')));
  const choices = carbonChoices(all);
  const finest = DEFAULTS.statsdFlushMs / 1000;
  const wrong: string[] = [];
  for (const name of all) {
    const c = choices[name];
    const method = expectedMethod(name);
    t.not(method, undefined, `a name this test does not know how to aggregate: ${name}`);
    if (c.schema !== 'blueox_statsd' || c.archives[0][0] !== finest) wrong.push(`${name}: [${c.schema}] ${c.archives[0][0]}s points`);
    if (c.method !== method) wrong.push(`${name}: [${c.aggregation}] ${c.method}, not ${method}`);
    if (method === 'sum' && c.xff !== 0) wrong.push(`${name}: xFilesFactor ${c.xff} for a count`);
  }
  t.deepEqual(wrong, []);
  t.log(`${all.length} names checked`);
  // Coarser archives are whole multiples of the finer ones, each covering a longer time.
  const archives = choices[PACKETS].archives;
  for (let i = 1; i < archives.length; i++) {
    t.is(archives[i][0] % archives[i - 1][0], 0);
    t.true(archives[i][0] * archives[i][1] > archives[i - 1][0] * archives[i - 1][1]);
  }
});

test('oxd --check-config has nothing to say about the example storage-schemas.conf, and names the section of a 60-second one', (t) => {
  const check = (schemas: string) =>
    spawnSync(process.execPath, [OXD_BUNDLE, '--check-config', '--config', '/dev/null', '--graphite', '127.0.0.1:2003', '--graphite-schemas', schemas], { encoding: 'utf8' });
  const ours = check(SCHEMAS);
  t.is(ours.status, 0, ours.stderr);
  t.is(ours.stderr, '');
  // The same file with one-minute points for the statsd names, as Debian's default gives them: the trap.
  const coarse = path.join(tempDir('blueox-carbon-'), 'storage-schemas.conf');
  const text = fs.readFileSync(SCHEMAS, 'utf8');
  t.true(text.includes('retentions = 10s:6h,1m:7d,10m:5y'));
  fs.writeFileSync(coarse, text.replace('retentions = 10s:6h,1m:7d,10m:5y', 'retentions = 60s:1d'));
  const trapped = check(coarse);
  t.is(trapped.status, 0, trapped.stderr);
  t.regex(trapped.stderr, /warning: .*section \[blueox_statsd\] gives .* 60-second points but statsd_flush_ms is 10000/);
});

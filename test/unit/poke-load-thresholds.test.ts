/**
 * The thresholds of `oxpoke load`: the grammar (what is read, and the
 * message for what is not, naming what is allowed) and the verdicts against
 * a run's figures, at the edges of each comparison and with no runs or no
 * answers.
 */
import test from 'ava';
import { BlueOxError } from '../../src/errors';
import { LatencySummary } from '../../src/poke/latency-stats';
import { ALLOWED_THRESHOLDS, judgeThresholds, LoadFigures, parseThreshold, Threshold, withDefaultThresholds } from '../../src/poke/load-thresholds';

test('the examples: p95 < 200ms, p99 <= 1s, errors < 1%, rps > 500', (t) => {
  t.like(parseThreshold('p95 < 200ms'), { text: 'p95 < 200ms', metric: { kind: 'latency', percentile: 95, stat: null }, op: '<', value: 200 });
  t.like(parseThreshold('p99 <= 1s'), { metric: { kind: 'latency', percentile: 99 }, op: '<=', value: 1000 });
  t.like(parseThreshold('errors < 1%'), { metric: { kind: 'errors', share: true }, op: '<', value: 1 });
  t.like(parseThreshold('rps > 500'), { metric: { kind: 'rps' }, op: '>', value: 500 });
});

test('spaces around the comparison are optional; every latency metric and unit; errors as a count', (t) => {
  t.like(parseThreshold('p95<200ms'), { text: 'p95 < 200ms', value: 200 });
  t.like(parseThreshold('  max >= 1.5s '), { text: 'max >= 1.5s', metric: { kind: 'latency', percentile: null, stat: 'max' }, op: '>=', value: 1500 });
  t.like(parseThreshold('p50 < 500us'), { value: 0.5 });
  t.like(parseThreshold('mean<2.5ms'), { metric: { stat: 'mean' }, value: 2.5 });
  t.like(parseThreshold('min > 0ms'), { metric: { stat: 'min' }, op: '>', value: 0 });
  t.like(parseThreshold('p99.9 < 1s'), { metric: { percentile: 99.9 }, value: 1000 });
  t.like(parseThreshold('p100 < 1s'), { metric: { percentile: 100 } });
  t.like(parseThreshold('p0 > 0us'), { metric: { percentile: 0 } });
  t.like(parseThreshold('errors <= 10'), { metric: { kind: 'errors', share: false }, op: '<=', value: 10 });
  t.like(parseThreshold('errors < 0.5%'), { metric: { share: true }, value: 0.5 });
  t.like(parseThreshold('rps >= 1234.5'), { value: 1234.5 });
});

test('what is not allowed, each with a message naming the problem and what is allowed (code ETHRESHOLD)', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['p95 < 200', /p95 needs a unit \(200ms\? 200s\?\)/],
    ['p95 < 200 ms', /it is not METRIC OP VALUE/],
    ['p95 = 200ms', /= is not a comparison a threshold makes/],
    ['p95 == 200ms', /== is not a comparison/],
    ['p95 != 200ms', /!= is not a comparison/],
    ['p101 < 1s', /p101 is not a metric/],
    ['p05 < 1s', /p05 is not a metric/],
    ['p95.5.1 < 1s', /p95\.5\.1 is not a metric/],
    ['latency < 1s', /latency is not a metric/],
    ['P95 < 1s', /P95 is not a metric/],
    ['p95 < 2h', /2h is not a time/],
    ['p95 < 1%', /1% is not a time/],
    ['errors < 1.5', /1\.5 is not a whole number of runs \(a share is written with %\)/],
    ['errors < 101%', /101% is more than all the runs/],
    ['errors < 1ms', /1ms is not a share \(1%\) or a number of runs \(10\)/],
    ['rps > 5/s', /5\/s is not a number of runs per second/],
    ['rps > -5', /-5 is not a number of runs per second/],
    ['', /it is not METRIC OP VALUE/],
    ['p95 < 200ms and more', /it is not METRIC OP VALUE/],
  ];
  for (const [text, problem] of cases) {
    const err = t.throws(() => parseThreshold(text), { instanceOf: BlueOxError }, text);
    t.is(err?.code, 'ETHRESHOLD');
    t.regex(err?.message ?? '', problem, text);
    t.true(err?.message.startsWith(`bad threshold "${text}": `), err?.message);
    t.true(err?.message.endsWith(`; ${ALLOWED_THRESHOLDS}`), err?.message);
  }
  t.regex(ALLOWED_THRESHOLDS, /p50, p95 or p99\.9.*min, mean or max.*us, ms or s.*errors < 1%.*errors <= 10.*rps > 500/);
});

/** 100 runs, 1 error, times 1..100 ms over 2 s (50 runs/s). */
const figures: LoadFigures = { runs: 100, errors: 1, elapsedMs: 2000, latency: LatencySummary.of(Array.from({ length: 100 }, (_, i) => i + 1)) };

function verdicts(texts: string[], f: LoadFigures = figures): Array<[string, boolean, string]> {
  const thresholds: Threshold[] = texts.map(parseThreshold);
  return judgeThresholds(thresholds, f).map((v) => [v.threshold.text, v.holds, v.shown]);
}

test('verdicts at the edges: < and <= differ at the value, > and >= too', (t) => {
  t.deepEqual(verdicts(['p95 < 95ms', 'p95 <= 95ms', 'p95 < 0.096s', 'max > 100ms', 'max >= 100ms', 'min >= 1000us', 'mean < 50.5ms', 'mean <= 50.5ms']), [
    ['p95 < 95ms', false, '95.0 ms'],
    ['p95 <= 95ms', true, '95.0 ms'],
    ['p95 < 0.096s', true, '95.0 ms'],
    ['max > 100ms', false, '100 ms'],
    ['max >= 100ms', true, '100 ms'],
    ['min >= 1000us', true, '1.0 ms'],
    ['mean < 50.5ms', false, '50.5 ms'],
    ['mean <= 50.5ms', true, '50.5 ms'],
  ]);
});

test('errors as a share and as a count; rps from the runs and the elapsed time', (t) => {
  t.deepEqual(verdicts(['errors < 1%', 'errors <= 1%', 'errors < 2%', 'errors <= 0', 'errors <= 1', 'rps > 50', 'rps >= 50', 'rps < 60']), [
    ['errors < 1%', false, '1.00%'],
    ['errors <= 1%', true, '1.00%'],
    ['errors < 2%', true, '1.00%'],
    ['errors <= 0', false, '1 of 100 runs'],
    ['errors <= 1', true, '1 of 100 runs'],
    ['rps > 50', false, '50.0 runs/s'],
    ['rps >= 50', true, '50.0 runs/s'],
    ['rps < 60', true, '50.0 runs/s'],
  ]);
});

test('no run at all: every threshold fails; no answered run: the latency ones fail, errors are judged', (t) => {
  const empty = LatencySummary.of([]);
  t.deepEqual(verdicts(['errors < 1%', 'rps < 10', 'p95 < 1s'], { runs: 0, errors: 0, elapsedMs: 1000, latency: empty }), [
    ['errors < 1%', false, 'no runs'],
    ['rps < 10', false, 'no runs'],
    ['p95 < 1s', false, 'no runs'],
  ]);
  t.deepEqual(verdicts(['p95 < 1s', 'max < 1s', 'errors <= 100%'], { runs: 10, errors: 10, elapsedMs: 1000, latency: empty }), [
    ['p95 < 1s', false, 'no answered runs'],
    ['max < 1s', false, 'no answered runs'],
    ['errors <= 100%', true, '100.00%'],
  ]);
});

test('errors < 1% is judged by default unless a threshold given is about errors', (t) => {
  const p95 = parseThreshold('p95 < 200ms');
  t.deepEqual(withDefaultThresholds([]), [{ ...parseThreshold('errors < 1%'), implied: true }]);
  t.deepEqual(withDefaultThresholds([p95]), [p95, { ...parseThreshold('errors < 1%'), implied: true }]);
  for (const errors of ['errors <= 100%', 'errors < 10']) {
    const given = [p95, parseThreshold(errors)];
    t.deepEqual(withDefaultThresholds(given), given);
  }
});

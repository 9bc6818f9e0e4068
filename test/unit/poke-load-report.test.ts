/**
 * What `oxpoke load` prints and exits with, from a run's figures: the report
 * lines, each threshold's verdict, the Nagios status line last with its
 * performance data (thresholds as critical ranges), the open loop's late
 * starts; and the reason an error run is counted under.
 */
import test from 'ava';
import { type Answer, judge, judgeFailure, type Judgement, worst } from '../../src/poke/assertions';
import { type Check, type Expectations, noExpectations, type Step } from '../../src/poke/check';
import { DEFAULT_SCHEDULE } from '../../src/poke/check-file';
import { LatencySummary } from '../../src/poke/latency-stats';
import { loadReport, type LoadSettings } from '../../src/poke/load-report';
import { errorReason, type LoadResult } from '../../src/poke/load-run';
import { judgeThresholds, parseThreshold } from '../../src/poke/load-thresholds';
import type { CheckResult } from '../../src/poke/run-check';

function step(url: string, expect: Expectations = noExpectations()): Step {
  return {
    request: { kind: 'http', method: 'GET', url, headers: [], body: null, redirects: 0, tls: { verify: true, ca: null, cert: null, key: null } },
    expect,
    capture: [],
    timeoutMs: 10_000,
    maxBodyBytes: 1 << 20,
  };
}

const add: Check = { name: 'add', file: 'load.toml', line: 1, schedule: DEFAULT_SCHEDULE, steps: [step('http://127.0.0.1:8080/add', { ...noExpectations(), status: [200] })] };

/** 200 runs over 2 s, times 1..200 ms, 2 of them answered 500. */
function result(over: Partial<LoadResult> = {}): LoadResult {
  return {
    check: add,
    runs: 200,
    errors: 2,
    elapsedMs: 2000,
    latency: LatencySummary.of(Array.from({ length: 200 }, (_, i) => i + 1)),
    reasons: new Map([['status', { count: 2, example: 'status: expected 200, got 500' }]]),
    schedule: null,
    ...over,
  };
}

const closed: LoadSettings = { mode: { kind: 'closed', concurrency: 4 }, durationMs: 2000, keepAlive: true };

function report(r: LoadResult, settings: LoadSettings, thresholds: string[]) {
  return loadReport(r, settings, judgeThresholds(thresholds.map(parseThreshold), r));
}

test('a threshold that fails: CRITICAL, exit 2, the figures, every verdict, and the status line last naming what failed', (t) => {
  const out = report(result(), closed, ['p95 < 200ms', 'errors < 1%']);
  t.is(out.exitCode, 2);
  t.is(
    out.text,
    'oxpoke load: add (GET http://127.0.0.1:8080/add), 4 workers (closed loop) for 2s, connections kept open\n' +
      'runs       200 in 2.0 s: 100.0 runs/s\n' +
      'latency    min 1.0 ms, p50 100 ms, p90 180 ms, p95 190 ms, p99 198 ms, max 200 ms, mean 101 ms (200 answered runs)\n' +
      'errors     2 (1.00%): status 2 (status: expected 200, got 500)\n' +
      'threshold  p95 < 200ms: holds (190 ms)\n' +
      'threshold  errors < 1%: FAILS (1.00%)\n' +
      "POKE CRITICAL - add: 1 of 2 thresholds failed: errors < 1% (got 1.00%) | 'add_runs'=200;;;0; 'add_rps'=100.0;;;0; " +
      "'add_min'=0.001000s;;;0; 'add_p50'=0.100000s;;;0; 'add_p90'=0.180000s;;;0; 'add_p95'=0.190000s;;0.200000;0; 'add_p99'=0.198000s;;;0; " +
      "'add_max'=0.200000s;;;0; 'add_mean'=0.100500s;;;0; 'add_errors'=2;;;0; 'add_error_rate'=1.00%;;1;0;100\n",
  );
});

test('every threshold holds, or none is given: OK, exit 0, rps, p95 and errors in the status line', (t) => {
  const held = report(result(), closed, ['p99 <= 1s', 'errors <= 2']);
  t.is(held.exitCode, 0);
  const last = held.text.trimEnd().split('\n').pop()!;
  t.regex(last, /^POKE OK - add: 100\.0 runs\/s, p95 190 ms, errors 1\.00% \| /);
  t.regex(last, /'add_p99'=0\.198000s;;1\.000000;0; /);
  t.regex(last, /'add_errors'=2;;2;0; 'add_error_rate'=1\.00%;;;0;100$/);
  const none = report(result({ errors: 0, reasons: new Map() }), closed, []);
  t.is(none.exitCode, 0);
  t.regex(none.text, /\nerrors     0 \(0\.00%\)\nPOKE OK - /);
  t.notRegex(none.text, /threshold/);
});

test('an open loop: the rate, the late starts as a line and as performance data; a percentile a threshold names is shown too', (t) => {
  const open: LoadSettings = { mode: { kind: 'open', rate: 50 }, durationMs: 4000, keepAlive: false };
  const out = report(result({ schedule: { starts: 200, late: 3, maxLateMs: 12.5 } }), open, ['rps > 50', 'p99.9 < 1s']);
  t.is(out.exitCode, 0);
  const lines = out.text.trimEnd().split('\n');
  t.is(lines[0], 'oxpoke load: add (GET http://127.0.0.1:8080/add), 50 runs/s (open loop) for 4s, a new connection per request');
  t.regex(lines[2], /, p99 198 ms, p99\.9 200 ms, max 200 ms,/);
  t.is(lines[4], 'starts     200, 3 late (more than 5 ms after due; at most 12.5 ms)');
  t.deepEqual(lines.slice(5, 7), ['threshold  rps > 50: holds (100.0 runs/s)', 'threshold  p99.9 < 1s: holds (200 ms)']);
  t.regex(lines[7], /'add_rps'=100\.0;;50:;0; /);
  t.regex(lines[7], /'add_p99\.9'=0\.200000s;;1\.000000;0; /);
  t.regex(lines[7], / 'add_late'=3;;;0;$/);
});

test('no run got an answer: no latency figures or their performance data, and a latency threshold fails', (t) => {
  const refused = result({
    errors: 200,
    latency: LatencySummary.of([]),
    reasons: new Map([['refused', { count: 200, example: 'refused: connection refused by 127.0.0.1:8080' }]]),
  });
  const out = report(refused, closed, ['p95 < 200ms']);
  t.is(out.exitCode, 2);
  t.regex(out.text, /\nlatency    none: no run got an answer\nerrors     200 \(100\.00%\): refused 200 \(refused: connection refused by 127\.0\.0\.1:8080\)\n/);
  t.regex(out.text, /\nthreshold  p95 < 200ms: FAILS \(no answered runs\)\nPOKE CRITICAL - add: 1 of 1 thresholds failed: p95 < 200ms \(got no answered runs\) \| /);
  t.notRegex(out.text, /'add_p95'/);
});

// ---- the reason an error run counts under ----

function answer(status: number, body = '{"result": 4}', totalMs = 5): Answer {
  return { status, headers: {}, body: Buffer.from(body), totalMs, certDaysLeft: null };
}

/** A run of `check` whose steps were judged so. */
function run(check: Check, judgements: Judgement[]): CheckResult {
  const results = judgements.flatMap((j) => j.results);
  const steps = judgements.map((judgement, i) => ({
    name: null,
    request: 'GET x',
    judgement,
    result: judgement.results.some((r) => r.name === 'refused')
      ? { ok: false as const, reason: 'refused' as const, message: 'refused', timings: { dnsMs: 0, connectMs: null, tlsMs: null, firstByteMs: null, totalMs: 1 } }
      : { ok: true as const, status: 200, headers: {}, body: Buffer.alloc(0), timings: { dnsMs: 0, connectMs: 1, tlsMs: 1, firstByteMs: 2, totalMs: 3 }, cert: null, url: `x${i}` },
  }));
  return { name: check.name, check, steps, startedAt: 0, totalMs: 3, judgement: { outcome: worst(results), results }, answer: null, expect: { warningMs: null, criticalMs: null } };
}

test('an error counts under the probe failure, or the kind of its first failed assertion of the run severity', (t) => {
  const strict: Expectations = { ...noExpectations(), status: [200], json: [{ path: '$.result', expect: { op: 'equal', value: 4 } }], warningMs: 100, criticalMs: 1000 };
  t.deepEqual(errorReason(run(add, [judgeFailure('refused', 'connection refused by 127.0.0.1:8080')])), {
    reason: 'refused',
    example: 'refused: connection refused by 127.0.0.1:8080',
  });
  t.deepEqual(errorReason(run(add, [judge(strict, answer(500, '{"result": 5}'))])), { reason: 'status', example: 'status: expected 200, got 500' });
  t.deepEqual(errorReason(run(add, [judge(strict, answer(200, '{"result": 5}'))])), { reason: 'assertion', example: 'json $.result equal: expected 4, got 5' });
  t.deepEqual(errorReason(run(add, [judge(strict, answer(200, '{"result": 4}', 150))])), { reason: 'time', example: 'time: expected at most 100 ms, got 150 ms' });
  // A scenario: a slow first step (WARNING) and a second one answered 500 (CRITICAL): the run is CRITICAL, for its status.
  const scenario: Check = { ...add, name: 'flow', steps: [step('http://127.0.0.1:8080/a', strict), step('http://127.0.0.1:8080/b', strict)] };
  t.is(errorReason(run(scenario, [judge(strict, answer(200, '{"result": 4}', 150)), judge(strict, answer(500))])).reason, 'status');
});

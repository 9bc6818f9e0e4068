/**
 * The service's rules for one check's runs: retries before a run counts,
 * N-of-M thresholds into a failing state and out of it again (with the
 * hysteresis of M−N+1 passes in a row), the worst outcome as the state,
 * and flapping by the weighted percent state change, with its figures.
 */
import test from 'ava';
import type { Outcome, Schedule } from '../../src/poke/check';
import { CheckState, describeTransition, FLAP_HISTORY, percentStateChange, Transition } from '../../src/poke/check-state';

const T0 = 1_700_000_000_000;

function schedule(over: Partial<Schedule> = {}): Schedule {
  return { intervalMs: 60_000, jitterMs: 0, retries: 0, failures: 1, window: 1, ...over };
}

/** Counts `outcomes` one a minute from T0; the transitions of each run, in order. */
function feed(state: CheckState, outcomes: Outcome[], start = 0): Transition[][] {
  return outcomes.map((o, i) => state.count(o, T0 + (start + i) * 60_000));
}

/** The runs (from 1) at which the state changed, and to what. */
function stateChanges(runs: Transition[][]): Array<[number, string, string]> {
  return runs.flatMap((ts, i) => ts.filter((t) => t.kind === 'state').map((t): [number, string, string] => [i + 1, String(t.from), String(t.to)]));
}

const O: Outcome = 'OK';
const W: Outcome = 'WARNING';
const C: Outcome = 'CRITICAL';
const U: Outcome = 'UNKNOWN';

test('retries: a run not OK is tried again up to `retries` times, an OK run never', (t) => {
  const state = new CheckState('add', schedule({ retries: 2 }));
  t.true(state.needsRetry('CRITICAL', 1));
  t.true(state.needsRetry('WARNING', 2));
  t.true(state.needsRetry('UNKNOWN', 2));
  t.false(state.needsRetry('CRITICAL', 3));
  t.false(state.needsRetry('OK', 1));
  t.false(new CheckState('add', schedule()).needsRetry('CRITICAL', 1));
});

test('retries: only the last try counts, so a failure that passes on retry changes nothing', (t) => {
  const state = new CheckState('add', schedule({ retries: 2 }));
  /** Tries until needsRetry says stop, as the service does; the tries made and what they counted as. */
  const run = (tries: Outcome[], minute: number): { made: number; transitions: Transition[] } => {
    let attempt = 1;
    while (state.needsRetry(tries[attempt - 1], attempt)) attempt++;
    return { made: attempt, transitions: state.count(tries[attempt - 1], T0 + minute * 60_000) };
  };
  t.deepEqual(run([C, C, O], 0), { made: 3, transitions: [] });
  t.is(state.state, 'OK');
  const failed = run([C, C, C, O], 1);
  t.is(failed.made, 3);
  t.is(state.state, 'CRITICAL');
  t.deepEqual(failed.transitions, [{ kind: 'state', check: 'add', from: 'OK', to: 'CRITICAL', at: T0 + 60_000, reason: 'the last run failed (threshold 1 of 1)' }]);
});

test('"1 of 1" (the default): the state follows every run', (t) => {
  const state = new CheckState('add', schedule());
  const runs = feed(state, [O, C, O, W, C]);
  t.deepEqual(stateChanges(runs), [
    [2, 'OK', 'CRITICAL'],
    [3, 'CRITICAL', 'OK'],
    [4, 'OK', 'WARNING'],
    [5, 'WARNING', 'CRITICAL'],
  ]);
  t.is(runs[2][0].reason, 'the last run passed');
  t.is(runs[4][0].reason, 'the last run was CRITICAL');
  t.is(state.since, T0 + 4 * 60_000);
});

test('"2 of 3": CRITICAL on the second failure of three, OK again after two passes in a row', (t) => {
  const state = new CheckState('add', schedule({ failures: 2, window: 3 }));
  t.is(state.since, null);
  const runs = feed(state, [O, C, O, C, O, O], 0);
  t.deepEqual(stateChanges(runs), [
    [4, 'OK', 'CRITICAL'],
    [6, 'CRITICAL', 'OK'],
  ]);
  t.deepEqual(runs[3], [{ kind: 'state', check: 'add', from: 'OK', to: 'CRITICAL', at: T0 + 3 * 60_000, reason: '2 of the last 3 runs failed (threshold 2 of 3)' }]);
  t.deepEqual(runs[5], [{ kind: 'state', check: 'add', from: 'CRITICAL', to: 'OK', at: T0 + 5 * 60_000, reason: 'the last 2 runs passed' }]);
  t.deepEqual(state.window, [C, O, O]);
});

test('"2 of 3": two failures before the window is full are enough; the detail of the run joins the reason', (t) => {
  const state = new CheckState('add', schedule({ failures: 2, window: 3 }));
  t.deepEqual(state.count(C, T0), []);
  const [change] = state.count(C, T0 + 1, 'status: expected 200, got 500');
  t.is(change.reason, '2 of the last 2 runs failed (threshold 2 of 3); last run: status: expected 200, got 500');
  t.is(describeTransition(change), 'add: OK -> CRITICAL: 2 of the last 2 runs failed (threshold 2 of 3); last run: status: expected 200, got 500');
});

test('"2 of 3" hysteresis: a check failing every other run stays CRITICAL instead of changing on every run', (t) => {
  const state = new CheckState('add', schedule({ failures: 2, window: 3 }));
  const runs = feed(state, [C, O, C, O, C, O, C, O, C]);
  // Windows C O C, O C O, C O C ...: a count-only rule ("fewer than 2 of 3") would switch every run.
  t.deepEqual(stateChanges(runs), [[3, 'OK', 'CRITICAL']]);
  t.is(state.state, 'CRITICAL');
});

test('"3 of 5": CRITICAL on the third failure of five, OK only after three passes in a row', (t) => {
  const state = new CheckState('shop', schedule({ failures: 3, window: 5 }));
  const runs = feed(state, [C, O, C, O, C, O, O, C, O, O, O]);
  t.deepEqual(stateChanges(runs), [
    [5, 'OK', 'CRITICAL'],
    [11, 'CRITICAL', 'OK'],
  ]);
  t.is(runs[4][0].reason, '3 of the last 5 runs failed (threshold 3 of 5)');
  // At run 7 only 2 of the last 5 had failed (C O C O O), yet 2 passes are not the 3 it takes; run 8 fails again.
  t.is(runs[10][0].reason, 'the last 3 runs passed');
});

test('"3 of 5": four failures spread over more than five runs never reach the threshold', (t) => {
  const state = new CheckState('shop', schedule({ failures: 3, window: 5 }));
  const runs = feed(state, [C, O, O, O, C, O, O, O, C, O, C, O, O, O]);
  t.deepEqual(stateChanges(runs), []);
  t.is(state.state, 'OK');
});

test('the state is the worst failed outcome of the window: WARNING, then CRITICAL, then back to WARNING', (t) => {
  const state = new CheckState('add', schedule({ failures: 2, window: 3 }));
  const runs = feed(state, [W, W, C, W, W, W, O, O]);
  t.deepEqual(stateChanges(runs), [
    [2, 'OK', 'WARNING'],
    [3, 'WARNING', 'CRITICAL'],
    [6, 'CRITICAL', 'WARNING'],
    [8, 'WARNING', 'OK'],
  ]);
  t.is(runs[2][0].reason, 'the worst of the last 3 runs is now CRITICAL (3 of the last 3 runs failed)');
  t.is(runs[5][0].reason, 'the worst of the last 3 runs is now WARNING (3 of the last 3 runs failed)');
});

test('worst goes CRITICAL, WARNING, UNKNOWN: a WARNING and a CRITICAL make CRITICAL, an UNKNOWN and a WARNING make WARNING', (t) => {
  const a = new CheckState('a', schedule({ failures: 2, window: 3 }));
  t.deepEqual(stateChanges(feed(a, [W, C])), [[2, 'OK', 'CRITICAL']]);
  const b = new CheckState('b', schedule({ failures: 2, window: 3 }));
  t.deepEqual(stateChanges(feed(b, [U, W])), [[2, 'OK', 'WARNING']]);
  const c = new CheckState('c', schedule({ failures: 2, window: 3 }));
  t.deepEqual(stateChanges(feed(c, [U, O, U])), [[3, 'OK', 'UNKNOWN']]);
});

test('a state given at start is kept until the runs decide', (t) => {
  const state = new CheckState('add', schedule({ failures: 2, window: 3 }), { initial: 'CRITICAL' });
  t.deepEqual(feed(state, [O]), [[]]);
  t.is(state.state, 'CRITICAL');
  t.deepEqual(stateChanges(feed(state, [O], 1)), [[1, 'CRITICAL', 'OK']]);
});

test('percent state change: a change weighs 1.25 in the newest place and 0.75 in the oldest', (t) => {
  t.is(percentStateChange([]), 0);
  t.is(percentStateChange([O]), 0);
  t.is(percentStateChange([O, C]), 6.25);
  t.is(percentStateChange([...Array(20).fill(O), C]), 6.25);
  t.is(percentStateChange([O, ...Array(20).fill(C)]), 3.75);
  t.is(percentStateChange(Array.from({ length: FLAP_HISTORY }, (_, i) => (i % 2 === 0 ? O : C))), 100);
  // WARNING to CRITICAL is a change too; only the last 21 outcomes count (C to O here is the 22nd).
  t.is(percentStateChange([...Array(20).fill(W), C]), 6.25);
  t.is(percentStateChange([C, O, ...Array(20).fill(W)]), 3.75);
});

test('flapping starts above 30% and stops below 20%, with the figures of a given sequence', (t) => {
  const state = new CheckState('add', schedule());
  // Ten passes, then C O C O C O, then passes again.
  const seq: Outcome[] = [...Array(10).fill(O), C, O, C, O, C, O, ...Array(20).fill(O)];
  const percents: string[] = [];
  const flapping: boolean[] = [];
  const runs = seq.map((o, i) => {
    const ts = state.count(o, T0 + i * 60_000);
    percents.push(state.percentStateChange.toFixed(4));
    flapping.push(state.flapping);
    return ts;
  });
  // Changes at places 15..20 of 20 (weights 1.0 to 1.25): 455/76 → 29.93%, not yet above 30%.
  t.is(percents[14], '29.9342');
  t.false(runs[14].some((x) => x.kind === 'flapping'));
  // Run 16 adds a change in the newest place: 540/76 over 20 → 35.53%.
  t.is(percents[15], '35.5263');
  t.deepEqual(runs[15], [
    { kind: 'state', check: 'add', from: 'CRITICAL', to: 'OK', at: T0 + 15 * 60_000, reason: 'the last run passed' },
    { kind: 'flapping', check: 'add', from: 'stable', to: 'flapping', at: T0 + 15 * 60_000, reason: '35.5% state change over the last 16 runs, above 30%' },
  ]);
  t.deepEqual([flapping[14], flapping[15]], [false, true]);
  // The changes age towards the oldest places: 30% exactly at run 23, 20.07% at run 31, still flapping.
  t.is(percents[22], '30.0000');
  t.is(percents[30], '20.0658');
  t.true(runs.slice(16, 31).every((ts) => ts.length === 0));
  t.true(flapping.slice(16, 31).every((f) => f));
  // Run 32: the first change left the 21 runs: 240/76 over 20 → 15.79%.
  t.is(percents[31], '15.7895');
  t.deepEqual(runs[31], [
    { kind: 'flapping', check: 'add', from: 'flapping', to: 'stable', at: T0 + 31 * 60_000, reason: '15.8% state change over the last 21 runs, below 20%' },
  ]);
  t.false(flapping[31]);
  t.is(describeTransition(runs[31][0]), 'add: stopped flapping: 15.8% state change over the last 21 runs, below 20%');
  t.is(percents[35], '0.0000');
  t.is(runs.flat().filter((x) => x.kind === 'flapping').length, 2);
});

test('flapping thresholds can be given', (t) => {
  const state = new CheckState('add', schedule(), { flap: { lowPercent: 5, highPercent: 10 } });
  const runs = feed(state, [O, C, O]);
  // 6.25%, then (1.2237 + 1.25) × 5 → 12.37%.
  t.false(runs[1].some((x) => x.kind === 'flapping'));
  t.deepEqual(
    runs[2].filter((x) => x.kind === 'flapping').map((x) => x.reason),
    ['12.4% state change over the last 3 runs, above 10%'],
  );
});

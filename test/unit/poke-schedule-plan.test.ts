/**
 * The service's timetable, planned with the time and the random source
 * passed in: the interval from the last start, the jitter drawn once per run
 * within its bounds, the cap on runs at once, and no check started while its
 * run is under way.
 */
import test from 'ava';
import { BlueOxError } from '../../src/errors';
import { endRun, newSlot, planRuns, Slot } from '../../src/poke/schedule-plan';
import { mulberry32 } from '../helpers/random';

const NO_RANDOM = (): number => {
  throw new Error('no jitter was asked for, so nothing should be drawn');
};

function slot(id: string, intervalMs: number, jitterMs = 0): Slot {
  return newSlot(id, { intervalMs, jitterMs });
}

test('new checks are due at once; without jitter nothing is drawn', (t) => {
  const plan = planRuns(1000, [slot('a', 10_000), slot('b', 5000)], 10, NO_RANDOM);
  t.deepEqual(plan.start, ['a', 'b']);
  t.deepEqual(plan.slots.map((s) => [s.id, s.running, s.lastStart, s.dueAt]), [
    ['a', true, 1000, null],
    ['b', true, 1000, null],
  ]);
  t.is(plan.wakeAt, null);
  t.is(plan.waiting, 0);
});

test('the next run is due one interval after the last start, not after the end', (t) => {
  let slots = planRuns(0, [slot('a', 10_000)], 4, NO_RANDOM).slots;
  slots = endRun(slots, 'a');
  const atEnd = planRuns(3000, slots, 4, NO_RANDOM);
  t.deepEqual(atEnd.start, []);
  t.is(atEnd.slots[0].dueAt, 10_000);
  t.is(atEnd.wakeAt, 10_000);
  const early = planRuns(9999, atEnd.slots, 4, NO_RANDOM);
  t.deepEqual(early.start, []);
  t.is(early.wakeAt, 10_000);
  const due = planRuns(10_000, early.slots, 4, NO_RANDOM);
  t.deepEqual(due.start, ['a']);
  t.is(due.slots[0].lastStart, 10_000);
});

test('a run longer than its interval is not started twice; the next starts when it ends, missed runs are not made up', (t) => {
  let slots = planRuns(0, [slot('slow', 1000)], 4, NO_RANDOM).slots;
  for (const now of [1000, 2000, 3000]) {
    const plan = planRuns(now, slots, 4, NO_RANDOM);
    t.deepEqual(plan.start, [], `at ${now} ms the run started at 0 is still under way`);
    t.is(plan.wakeAt, null);
    slots = plan.slots;
  }
  slots = endRun(slots, 'slow');
  const after = planRuns(3500, slots, 4, NO_RANDOM);
  t.deepEqual(after.start, ['slow']);
  t.is(after.slots[0].lastStart, 3500);
  // And the one after that is an interval from this start.
  const next = planRuns(3600, endRun(after.slots, 'slow'), 4, NO_RANDOM);
  t.is(next.slots[0].dueAt, 4500);
});

test('after a run that overran, a jitter that ends before the run did is used up waiting', (t) => {
  let slots = planRuns(0, [slot('slow', 1000, 800)], 4, () => 0).slots;
  // Due at 1000 + 400 = 1400, long before the run ended at 3500: it starts at once.
  const late = planRuns(3500, endRun(slots, 'slow'), 4, () => 0.5);
  t.deepEqual(late.start, ['slow']);
  // Started at 3500, ended at 4600: due at 4500 + 799 = 5299, so the jitter still holds it back.
  slots = endRun(late.slots, 'slow');
  const held = planRuns(4600, slots, 4, () => 0.999);
  t.deepEqual(held.start, []);
  t.is(held.wakeAt, 5299);
});

test('planning twice at one time starts nothing twice', (t) => {
  const first = planRuns(0, [slot('a', 1000), slot('b', 1000)], 4, NO_RANDOM);
  const again = planRuns(0, first.slots, 4, NO_RANDOM);
  t.deepEqual(again.start, []);
  t.deepEqual(again.slots, first.slots);
});

test('the cap: at most maxConcurrent run at once, the others wait in the order they fell due', (t) => {
  // Five checks that last started at different times, all due by 20 s.
  const slots: Slot[] = [
    { ...slot('e', 10_000), lastStart: 9000 },
    { ...slot('d', 10_000), lastStart: 6000 },
    { ...slot('c', 10_000), lastStart: 6000 },
    { ...slot('b', 10_000), lastStart: 2000 },
    { ...slot('a', 10_000), lastStart: 1000 },
  ];
  const plan = planRuns(20_000, slots, 2, NO_RANDOM);
  t.deepEqual(plan.start, ['a', 'b']);
  t.is(plan.waiting, 3);
  t.is(plan.wakeAt, null, 'the ones waiting wait for a run to end, not for a time');
  // No place is free until a run ends.
  const full = planRuns(21_000, plan.slots, 2, NO_RANDOM);
  t.deepEqual(full.start, []);
  t.is(full.waiting, 3);
  // One ends: the next due (d and c fell due together: the slots' order decides) takes its place.
  const freed = planRuns(22_000, endRun(full.slots, 'b'), 2, NO_RANDOM);
  t.deepEqual(freed.start, ['d']);
  t.is(freed.waiting, 2);
  // b is due an interval after its start at 20 s; c and e wait for a place.
  t.is(freed.wakeAt, 30_000);
  t.deepEqual(
    freed.slots.filter((s) => s.running).map((s) => s.id),
    ['d', 'a'],
  );
});

test('the cap counts runs already under way', (t) => {
  const slots: Slot[] = [{ ...slot('busy', 1000), running: true, lastStart: 0 }, slot('x', 1000), slot('y', 1000)];
  const plan = planRuns(100, slots, 2, NO_RANDOM);
  t.deepEqual(plan.start, ['x']);
  t.is(plan.waiting, 1);
});

test('wakeAt is the earliest later due time of a check not running', (t) => {
  const slots: Slot[] = [
    { ...slot('a', 60_000), lastStart: 0 },
    { ...slot('b', 30_000), lastStart: 5000 },
    { ...slot('c', 10_000), lastStart: 0, running: true },
  ];
  const plan = planRuns(20_000, slots, 4, NO_RANDOM);
  t.deepEqual(plan.start, []);
  t.is(plan.wakeAt, 35_000);
});

test('jitter: each run is due up to jitterMs later, in whole milliseconds within [0, jitterMs), drawn from the given source', (t) => {
  const random = mulberry32(42);
  const offsets: number[] = [];
  let slots = [slot('a', 60_000, 5000)];
  let now = 0;
  for (let run = 0; run < 400; run++) {
    // Find when it is due, start it there, end it at once.
    let plan = planRuns(now, slots, 1, random);
    if (plan.start.length === 0) {
      const base = run === 0 ? 0 : (plan.slots[0].lastStart as number) + 60_000;
      offsets.push((plan.slots[0].dueAt as number) - base);
      now = plan.wakeAt as number;
      plan = planRuns(now, plan.slots, 1, random);
    } else {
      offsets.push(0);
    }
    t.deepEqual(plan.start, ['a']);
    slots = endRun(plan.slots, 'a');
  }
  t.true(offsets.every((o) => Number.isInteger(o) && o >= 0 && o < 5000));
  t.true(Math.min(...offsets) < 250 && Math.max(...offsets) > 4750, 'spread over the whole range');
  // The same seed plans the same times.
  const replay = mulberry32(42);
  t.is(planRuns(0, [slot('a', 60_000, 5000)], 1, replay).slots[0].dueAt, offsets[0]);
});

test('jitter is drawn once per run: planning again before it is due draws nothing and keeps the time', (t) => {
  let draws = 0;
  const random = (): number => {
    draws++;
    return 0.25;
  };
  const first = planRuns(0, [slot('a', 10_000, 4000)], 1, random);
  t.is(first.slots[0].dueAt, 1000);
  t.deepEqual(first.start, []);
  const again = planRuns(500, first.slots, 1, random);
  t.is(again.slots[0].dueAt, 1000);
  t.is(draws, 1);
  t.deepEqual(planRuns(1000, again.slots, 1, random).start, ['a']);
  t.is(draws, 1);
});

test('jitter stays below jitterMs even for a source that returns 1', (t) => {
  t.is(planRuns(0, [slot('a', 10_000, 4000)], 1, () => 1).slots[0].dueAt, 3999);
  t.is(planRuns(0, [slot('a', 10_000, 4000)], 1, () => 0.99999999).slots[0].dueAt, 3999);
  // A jitter of 1 ms is always 0: due at once.
  t.deepEqual(planRuns(0, [slot('a', 10_000, 1)], 1, () => 0.99999999).start, ['a']);
});

test('maxConcurrent must be a whole number from 1', (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN]) {
    const err = t.throws(() => planRuns(0, [slot('a', 1000)], bad, NO_RANDOM), { instanceOf: BlueOxError });
    t.is((err as BlueOxError).code, 'EUSAGE');
  }
});

/**
 * When the service starts each check: the rules of its timetable, with the
 * time and the random source passed in, so they are tested without timers.
 * The service keeps one slot per check, calls planRuns when it wakes (at
 * the time the last plan asked for, and whenever a run ends), starts what
 * the plan says, and keeps the slots it returns.
 *
 * The rules (doc/poke.md, "The service"):
 * - A run is due one interval after the last run's start, plus a jitter
 *   drawn for that run alone, uniformly from [0, jitter) whole milliseconds.
 *   A check the service has not run yet is due when it is first planned,
 *   plus its jitter.
 * - A check whose run is under way (its retries included) is never started
 *   again: a run longer than the interval delays the next, which starts as
 *   soon as the run ends (unless its jitter carries it later); runs missed
 *   meanwhile are not made up.
 * - At most `maxConcurrent` runs are under way at once. Checks due while
 *   all places are taken wait, and start in the order they fell due (then
 *   in the order of the slots) as places free up.
 */
import { BlueOxError } from '../errors';
import type { Schedule } from './check';

export interface Slot {
  /** Names the check among all the service runs (check names are unique only within their file). */
  id: string;
  intervalMs: number;
  jitterMs: number;
  /** When its last run started; null: the service has not run it. */
  lastStart: number | null;
  /** A run of it is under way. */
  running: boolean;
  /** When its next run is due, jitter included; null: not drawn yet (drawn by the next plan after a run ends). */
  dueAt: number | null;
}

export interface Plan {
  /** The ids of the checks to start now, in the order they fell due. */
  start: string[];
  /** The slots after this plan: due times drawn, the started ones running since now. */
  slots: Slot[];
  /** The earliest time a check not running falls due later than now; null: none (plan again when a run ends). */
  wakeAt: number | null;
  /** Checks due now that wait for a run to end, for the cap. */
  waiting: number;
}

/** A slot for a check the service has not run yet. */
export function newSlot(id: string, schedule: Pick<Schedule, 'intervalMs' | 'jitterMs'>): Slot {
  return { id, intervalMs: schedule.intervalMs, jitterMs: schedule.jitterMs, lastStart: null, running: false, dueAt: null };
}

/**
 * Which checks to start at `now`, given their slots, at most `maxConcurrent`
 * running at once; `random` returns numbers in [0, 1) (Math.random, or a
 * seeded source in tests). `now` comes from a clock that does not step
 * back (the service's monotonic clock), as intervals are measured on it.
 */
export function planRuns(now: number, slots: readonly Slot[], maxConcurrent: number, random: () => number): Plan {
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
    throw new BlueOxError('EUSAGE', `the number of checks run at once must be a whole number from 1, not ${maxConcurrent}`);
  }
  const next = slots.map((s) => (s.running || s.dueAt !== null ? { ...s } : { ...s, dueAt: dueTime(s, now, random) }));
  const due = next
    .map((slot, order) => ({ slot, order }))
    .filter(({ slot }) => !slot.running && (slot.dueAt as number) <= now)
    .sort((a, b) => (a.slot.dueAt as number) - (b.slot.dueAt as number) || a.order - b.order);
  const free = Math.max(0, maxConcurrent - next.filter((s) => s.running).length);
  const start: string[] = [];
  for (const { slot } of due.slice(0, free)) {
    slot.running = true;
    slot.lastStart = now;
    slot.dueAt = null;
    start.push(slot.id);
  }
  let wakeAt: number | null = null;
  for (const s of next) {
    if (!s.running && s.dueAt !== null && s.dueAt > now && (wakeAt === null || s.dueAt < wakeAt)) wakeAt = s.dueAt;
  }
  return { start, slots: next, wakeAt, waiting: due.length - start.length };
}

/** The slots after the run of `id` ended: its next due time is drawn by the next plan. */
export function endRun(slots: readonly Slot[], id: string): Slot[] {
  return slots.map((s) => (s.id === id ? { ...s, running: false, dueAt: null } : s));
}

/**
 * The next run's due time: one interval after the last start (now, for a
 * first run), plus this run's jitter. After a run that overran it is past,
 * and the check starts at once; keeping it rather than moving it to now
 * keeps the order in which checks fell due, which the cap goes by.
 */
function dueTime(slot: Slot, now: number, random: () => number): number {
  const base = slot.lastStart === null ? now : slot.lastStart + slot.intervalMs;
  return base + jitter(slot.jitterMs, random);
}

/** Whole milliseconds in [0, jitterMs); no draw for no jitter, so a check without one leaves the random sequence to the others. */
function jitter(jitterMs: number, random: () => number): number {
  if (jitterMs <= 0) return 0;
  return Math.min(jitterMs - 1, Math.floor(random() * jitterMs));
}

/**
 * What the service makes of one check's runs over time: its state (OK, or
 * the failing outcome), whether it is flapping, and each change of either,
 * so a journal line and an event can say what changed and why. Pure: the
 * caller runs the check, passes the outcome and the time, and acts on the
 * transitions it gets back.
 *
 * The rules (doc/poke.md, "The service"):
 * - Retries: a run that is not OK is tried again right away, up to
 *   `retries` more times; only the last try's outcome counts.
 * - Threshold "N of M" (`failures` of `window`): from OK, the state becomes
 *   failing when N of the last M counted runs failed (not OK); it is then the
 *   worst outcome among the failed runs of those M, and follows it up or down
 *   while the check stays failing. It is OK again only when the last M−N+1
 *   runs all passed: the fewest passes in a row after which no N failures
 *   can remain among the last M. A check failing every other run under
 *   "2 of 3" so stays failing instead of changing state on every run.
 * - Flapping, in the manner of Nagios: the outcomes of the last 21 counted
 *   runs give at most 20 changes (WARNING to CRITICAL is one); each change
 *   weighs from 0.75 (the oldest place) to 1.25 (the newest), linearly, and
 *   the percent state change is the weighted sum over 20, times 100.
 *   A check starts flapping when that rises above the high threshold, and
 *   stops when it falls below the low one.
 */
import type { Outcome, Schedule } from './check';
import { worstOutcome } from './nagios';

/** Counted runs the flap detection looks at: 20 places for a change. */
export const FLAP_HISTORY = 21;

export interface FlapThresholds {
  /** Flapping stops when the percent state change falls below this. */
  lowPercent: number;
  /** Flapping starts when the percent state change rises above this. */
  highPercent: number;
}

export const DEFAULT_FLAP_THRESHOLDS: Readonly<FlapThresholds> = { lowPercent: 20, highPercent: 30 };

export type Steadiness = 'stable' | 'flapping';

/** A change of state or of flapping, at `at` (the time the caller passed with the run). */
export type Transition =
  | { kind: 'state'; check: string; from: Outcome; to: Outcome; at: number; reason: string }
  | { kind: 'flapping'; check: string; from: Steadiness; to: Steadiness; at: number; reason: string };

export interface CheckStateOptions {
  /** The state before any run; a state kept from an earlier life of the service can be given. */
  initial?: Outcome;
  flap?: FlapThresholds;
}

export class CheckState {
  readonly check: string;
  private readonly schedule: Pick<Schedule, 'retries' | 'failures' | 'window'>;
  private readonly flap: FlapThresholds;
  private current: Outcome;
  private changedAt: number | null = null;
  private isFlapping = false;
  /** The last `window` counted outcomes, oldest first. */
  private readonly recent: Outcome[] = [];
  /** The last FLAP_HISTORY counted outcomes, oldest first. */
  private readonly history: Outcome[] = [];
  private passesInRow = 0;

  constructor(check: string, schedule: Pick<Schedule, 'retries' | 'failures' | 'window'>, opts: CheckStateOptions = {}) {
    this.check = check;
    this.schedule = schedule;
    this.flap = opts.flap ?? DEFAULT_FLAP_THRESHOLDS;
    this.current = opts.initial ?? 'OK';
  }

  /** The check's state: OK, or the failing outcome. */
  get state(): Outcome {
    return this.current;
  }

  /** When the state last changed; null: not since the service started. */
  get since(): number | null {
    return this.changedAt;
  }

  get flapping(): boolean {
    return this.isFlapping;
  }

  /** The weighted percent state change of the last FLAP_HISTORY counted runs (0 to 100). */
  get percentStateChange(): number {
    return percentStateChange(this.history);
  }

  /** The outcomes the threshold looks at, oldest first. */
  get window(): readonly Outcome[] {
    return [...this.recent];
  }

  /** Whether a try (the first is attempt 1) that ended in `outcome` is to be made again before it counts. */
  needsRetry(outcome: Outcome, attempt: number): boolean {
    return outcome !== 'OK' && attempt <= this.schedule.retries;
  }

  /**
   * Counts a run (its last try's outcome) ended at `at`; `detail` says what
   * the run found (e.g. the failed assertion) for the reasons. Returns the
   * transitions it caused: a state change, then a flapping change.
   */
  count(outcome: Outcome, at: number, detail?: string): Transition[] {
    push(this.recent, outcome, this.schedule.window);
    push(this.history, outcome, FLAP_HISTORY);
    this.passesInRow = outcome === 'OK' ? this.passesInRow + 1 : 0;
    const transitions: Transition[] = [];

    const next = this.nextState();
    if (next.state !== this.current) {
      const reason = detail === undefined || next.state === 'OK' ? next.why : `${next.why}; last run: ${detail}`;
      transitions.push({ kind: 'state', check: this.check, from: this.current, to: next.state, at, reason });
      this.current = next.state;
      this.changedAt = at;
    }

    const percent = percentStateChange(this.history);
    const over = `${formatPercent(percent)} state change over the last ${this.history.length} runs`;
    if (!this.isFlapping && percent > this.flap.highPercent) {
      this.isFlapping = true;
      transitions.push({ kind: 'flapping', check: this.check, from: 'stable', to: 'flapping', at, reason: `${over}, above ${formatPercent(this.flap.highPercent)}` });
    } else if (this.isFlapping && percent < this.flap.lowPercent) {
      this.isFlapping = false;
      transitions.push({ kind: 'flapping', check: this.check, from: 'flapping', to: 'stable', at, reason: `${over}, below ${formatPercent(this.flap.lowPercent)}` });
    }
    return transitions;
  }

  private nextState(): { state: Outcome; why: string } {
    const { failures, window } = this.schedule;
    const failed = this.recent.filter((o) => o !== 'OK');
    const n = this.recent.length;
    const counted = n === 1 ? 'the last run failed' : `${failed.length} of the last ${n} runs failed`;
    if (this.current === 'OK') {
      if (failed.length < failures) return { state: 'OK', why: '' };
      return { state: worstOutcome(failed), why: `${counted} (threshold ${failures} of ${window})` };
    }
    const needed = window - failures + 1;
    if (this.passesInRow >= needed) return { state: 'OK', why: needed === 1 ? 'the last run passed' : `the last ${needed} runs passed` };
    // Only a state given at construction can be failing with no failed run in the window yet.
    if (failed.length === 0) return { state: this.current, why: '' };
    const worst = worstOutcome(failed);
    return { state: worst, why: n === 1 ? `the last run was ${worst}` : `the worst of the last ${n} runs is now ${worst} (${counted})` };
  }
}

/**
 * The weighted percent state change of `outcomes` (oldest first, at most
 * FLAP_HISTORY): a change between neighbours weighs 0.75 in the oldest of
 * the 20 places and 1.25 in the newest. A shorter history takes the newest
 * places, as if its first outcome had been there before it.
 */
export function percentStateChange(outcomes: readonly Outcome[]): number {
  const places = FLAP_HISTORY - 1;
  const offset = FLAP_HISTORY - Math.min(outcomes.length, FLAP_HISTORY);
  const from = Math.max(0, outcomes.length - FLAP_HISTORY);
  // Place p (1..20) weighs 0.75 + 0.5 (p − 1) / 19 = (55 + 2p) / 76: summed as
  // integers and divided once, so equal histories give equal figures.
  let sum = 0;
  for (let i = from + 1; i < outcomes.length; i++) {
    if (outcomes[i] !== outcomes[i - 1]) sum += 55 + 2 * (i - from + offset);
  }
  return (100 * sum) / (76 * places);
}

/** A journal line for a transition: `add: OK -> CRITICAL: 2 of the last 3 runs failed (...)`. */
export function describeTransition(t: Transition): string {
  if (t.kind === 'state') return `${t.check}: ${t.from} -> ${t.to}: ${t.reason}`;
  return `${t.check}: ${t.to === 'flapping' ? 'started' : 'stopped'} flapping: ${t.reason}`;
}

function push(list: Outcome[], outcome: Outcome, max: number): void {
  list.push(outcome);
  if (list.length > max) list.splice(0, list.length - max);
}

/** `35.2%`: a tenth of a percent is as fine as the thresholds are written. */
function formatPercent(p: number): string {
  return `${Math.round(p * 10) / 10}%`;
}

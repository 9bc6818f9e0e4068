/**
 * The service's loop: runs each check of the folder on its schedule
 * (schedule-plan.ts) with one timer for the next due time, never a busy
 * loop; makes each run's tries (retries), feeds their outcome to the check's
 * state (check-state.ts) and hands every try and every transition to the
 * hooks, which report them. Intervals are measured on the monotonic clock,
 * so a change of the wall clock neither hurries nor holds up a run.
 *
 * A reload (apply) compares the new checks with the running ones by id and
 * fingerprint: an unchanged check keeps its state and its place in the
 * timetable; a changed one starts afresh (a new state, due at once, or as
 * soon as a run of its old form ends); a new one is due at once; a removed
 * one runs no more. A run under way when its check changes or goes is
 * left to end (it holds its place under the cap until then), and is
 * reported, but no longer counts towards a state.
 */
import { performance } from 'node:perf_hooks';
import { describeResult } from './assertions';
import type { Check, Outcome } from './check';
import type { FolderCheck } from './check-folder';
import { CheckState, Transition } from './check-state';
import { CheckResult, runCheck } from './run-check';
import { endRun, newSlot, planRuns, Slot } from './schedule-plan';

/** One try of a run, as it ended. */
export interface TryReport {
  id: string;
  check: Check;
  run: CheckResult;
  /** 1 for the first try of a run, 2 for its first retry, … */
  attempt: number;
  /** Whether its outcome counted towards the state (the last try of a run of a check still loaded). */
  counted: boolean;
  /** The check's state after this try counted; null when it did not count. */
  state: Outcome | null;
}

export interface SchedulerHooks {
  /** Each try as it ends; the run goes on (or its place is freed) once this resolves. */
  onTry(report: TryReport): Promise<void> | void;
  /** Each change of state or flapping, after the try that caused it. */
  onTransition(transition: Transition, check: Check, state: CheckState): void;
  /** A run that failed in an unforeseen way (a bug): the check runs again on schedule. */
  onError(id: string, err: unknown): void;
}

export interface SchedulerOptions {
  maxConcurrent: number;
  hooks: SchedulerHooks;
  /** Milliseconds on a clock that never steps back (default performance.now). */
  clock?: () => number;
  /** [0, 1), for the jitter (default Math.random). */
  random?: () => number;
}

export interface ApplySummary {
  added: string[];
  changed: string[];
  removed: string[];
  kept: string[];
}

interface Entry {
  id: string;
  check: Check;
  fingerprint: string;
  /** null: the check was removed, and a run of it is still under way. */
  state: CheckState | null;
  /** Counts the check's forms: a run whose form is gone does not count towards the new state. */
  generation: number;
}

export class CheckScheduler {
  private readonly entries = new Map<string, Entry>();
  private slots: Slot[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private stopping = false;
  private readonly clock: () => number;
  private readonly random: () => number;

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    this.random = opts.random ?? Math.random;
  }

  /** Checks loaded (removed ones still ending a run not included). */
  get checks(): number {
    return [...this.entries.values()].filter((e) => e.state !== null).length;
  }

  get running(): number {
    return this.inFlight.size;
  }

  /** The loaded checks whose state is not OK, and those flapping. */
  get failing(): number {
    return [...this.entries.values()].filter((e) => e.state !== null && e.state.state !== 'OK').length;
  }

  get flapping(): number {
    return [...this.entries.values()].filter((e) => e.state?.flapping === true).length;
  }

  /** Makes `checks` the set the service runs (at start, and at each reload). */
  apply(checks: FolderCheck[]): ApplySummary {
    const summary: ApplySummary = { added: [], changed: [], removed: [], kept: [] };
    const wanted = new Set(checks.map((c) => c.id));
    for (const { id, check, fingerprint } of checks) {
      const entry = this.entries.get(id);
      if (entry === undefined) {
        this.entries.set(id, { id, check, fingerprint, state: newState(id, check), generation: 0 });
        this.slots.push(newSlot(id, check.schedule));
        summary.added.push(id);
      } else if (entry.state !== null && entry.fingerprint === fingerprint) {
        // Unchanged but for where it is written: the file's line numbers for messages.
        entry.check = check;
        summary.kept.push(id);
      } else {
        (entry.state === null ? summary.added : summary.changed).push(id);
        Object.assign(entry, { check, fingerprint, state: newState(id, check), generation: entry.generation + 1 });
        // Due at once; a run of the old form under way keeps the place until it ends.
        this.slots = this.slots.map((s) => (s.id === id ? { ...newSlot(id, check.schedule), running: s.running } : s));
      }
    }
    for (const entry of [...this.entries.values()]) {
      if (wanted.has(entry.id) || entry.state === null) continue;
      summary.removed.push(entry.id);
      if (this.inFlight.has(entry.id)) entry.state = null;
      else this.forget(entry.id);
    }
    // The cap starts checks due at one time in the order of their slots: the folder's order.
    const order = new Map(checks.map((c, i) => [c.id, i]));
    this.slots.sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity));
    if (this.started) this.plan();
    return summary;
  }

  start(): void {
    this.started = true;
    this.plan();
  }

  /** Starts no more runs or tries, and resolves when the runs under way have ended (each bounded by its timeouts). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight.values()]);
  }

  /** Starts what is due, and sets the one timer for the next due time. */
  private plan(): void {
    if (this.stopping) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const now = this.clock();
    const plan = planRuns(now, this.slots, this.opts.maxConcurrent, this.random);
    this.slots = plan.slots;
    for (const id of plan.start) this.launch(id);
    // A timer may fire a little before the clock reaches its time: plan again then, never in a loop.
    if (plan.wakeAt !== null) this.timer = setTimeout(() => this.plan(), Math.max(1, Math.ceil(plan.wakeAt - now)));
  }

  private launch(id: string): void {
    const entry = this.entries.get(id) as Entry;
    const run = this.tries(entry, entry.check, entry.generation)
      .catch((err) => this.opts.hooks.onError(id, err))
      .finally(() => {
        this.inFlight.delete(id);
        if (entry.state === null) this.forget(id);
        else this.slots = endRun(this.slots, id);
        this.plan();
      });
    this.inFlight.set(id, run);
  }

  /** A run: the first try, then retries while its outcome is not OK; the last counts. */
  private async tries(entry: Entry, check: Check, generation: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const run = await runCheck(check);
      const outcome = run.judgement.outcome;
      const state = entry.generation === generation ? entry.state : null;
      const retry = state !== null && !this.stopping && state.needsRetry(outcome, attempt);
      // A failed try that stopping cut short of its retries is not known to be a failed run.
      const counted = state !== null && !retry && !(this.stopping && state.needsRetry(outcome, attempt));
      const transitions = counted ? state.count(outcome, Date.now(), failureDetail(run)) : [];
      await this.opts.hooks.onTry({ id: entry.id, check, run, attempt, counted, state: counted ? state.state : null });
      for (const t of transitions) this.opts.hooks.onTransition(t, check, state as CheckState);
      if (!retry) return;
    }
  }

  private forget(id: string): void {
    this.entries.delete(id);
    this.slots = this.slots.filter((s) => s.id !== id);
  }
}

function newState(id: string, check: Check): CheckState {
  return new CheckState(id, check.schedule);
}

/** What a failed run found, for the reason of a state change: its first failed assertion of the worst severity. */
export function failureDetail(run: CheckResult): string | undefined {
  const { outcome, results } = run.judgement;
  const bad = results.filter((r) => !r.ok);
  const first = bad.find((r) => r.severity === outcome) ?? bad[0];
  if (first === undefined) return undefined;
  const more = bad.length > 1 ? ` (+${bad.length - 1} more)` : '';
  return `${describeResult(first)}${more}`;
}

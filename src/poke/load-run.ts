/**
 * One check (or scenario) run again and again for a duration, under load
 * (`oxpoke load`), each run judged by the check's own assertions as
 * `oxpoke run` judges it (run-check.ts).
 *
 * - Closed loop (a concurrency N): N workers, each starting its next run as
 *   soon as its last one ended, so N runs are in flight and the rate is what
 *   the service answers at (as wrk and autocannon run).
 * - Open loop (a rate R): runs start on a fixed schedule, R a second evenly
 *   spaced, whatever the answers, so a slow service meets more runs in
 *   flight, not fewer. When the process cannot start a run on time (its core
 *   is saturated, a pause), the run starts late rather than never; a start
 *   more than LATE_MS after it was due is counted as late, with the worst
 *   delay, since the rate then was not the rate asked for. Times are those
 *   of the runs themselves, from their actual start.
 * - A run started within the duration is waited for and counted: its
 *   requests reached the service. The elapsed time (for runs/s) lasts until
 *   the last one ended. An abort signal (Ctrl-C) stops the starts early.
 * - An error is a run whose outcome is not OK (a time limit's WARNING too),
 *   counted by its reason: the probe's failure (refused, dns, tls, timeout,
 *   reset, body_too_large, redirects, protocol) or the first failed
 *   assertion of the run's severity (status, time, cert; assertion for a
 *   header, body, JSON path or capture).
 * - Latency: the time of each answered run, one whose every probe got an
 *   answer whatever the assertions said of it (a 500 is an answer, a refused
 *   connection is not), as wrk and autocannon count; so that failures that
 *   come fast do not make a service look fast, and timeouts do not stand for
 *   its speed. Errors are counted either way.
 * HTTP connections are kept open from one run to the next unless asked not
 * to (probe-agents.ts).
 */
import { performance } from 'node:perf_hooks';
import type { Check } from './check';
import { describeResult } from './assertions';
import { LatencyRecorder } from './latency-stats';
import type { LoadFigures } from './load-thresholds';
import { LoadPool } from './load-pool';
import { KeepAlivePool, prepareSteps } from './probe-agents';
import { CheckResult, runCheck } from './run-check';

/** A start later than this after it was due is late: beyond the timers' granularity and the event loop's usual hiccups. */
export const LATE_MS = 5;

export type LoadMode = { kind: 'closed'; concurrency: number } | { kind: 'open'; rate: number };

export interface LoadOptions {
  mode: LoadMode;
  durationMs: number;
  /** Keep HTTP connections open from one run to the next (false: a new connection per request, as `oxpoke run` makes). */
  keepAlive: boolean;
  /** Aborted: no more runs start; those in flight are waited for and counted. */
  signal?: AbortSignal;
}

export interface ErrorCount {
  count: number;
  /** What the first error of this reason said, e.g. `status: expected 200, got 500`. */
  example: string;
}

export interface LoadResult extends LoadFigures {
  check: Check;
  /** The errors by reason, in the order the reasons first came. */
  reasons: Map<string, ErrorCount>;
  /** Open loop: the runs started, those that started late, the latest. Null in a closed loop. */
  schedule: { starts: number; late: number; maxLateMs: number } | null;
}

const PROBE_REASONS = new Set(['refused', 'dns', 'tls', 'timeout', 'reset', 'body_too_large', 'redirects', 'protocol']);

/** Why a run that is not OK is not: its probe's failure reason, or the kind of its first failed assertion of the run's severity. */
export function errorReason(run: CheckResult): { reason: string; example: string } {
  const failed = run.steps.flatMap((s) => s.judgement.results.filter((r) => !r.ok));
  const first = failed.find((r) => r.severity === run.judgement.outcome) ?? failed[0];
  if (first === undefined) return { reason: 'assertion', example: run.judgement.outcome };
  const name = first.name;
  const reason = PROBE_REASONS.has(name) || name === 'status' || name === 'time' || name === 'cert' ? name : 'assertion';
  return { reason, example: describeResult(first) };
}

/** What the runs add up to, as they end. */
class Tally {
  runs = 0;
  errors = 0;
  readonly reasons = new Map<string, ErrorCount>();
  readonly latency = new LatencyRecorder();

  add(run: CheckResult): void {
    this.runs++;
    const last = run.steps[run.steps.length - 1];
    if (last.result.ok) this.latency.record(run.totalMs);
    if (run.judgement.outcome === 'OK') return;
    this.errors++;
    const { reason, example } = errorReason(run);
    const seen = this.reasons.get(reason);
    if (seen === undefined) this.reasons.set(reason, { count: 1, example });
    else seen.count++;
  }
}

export async function runLoad(check: Check, options: LoadOptions): Promise<LoadResult> {
  const { mode, signal } = options;
  const http = check.steps.some((s) => s.request.kind === 'http');
  const maxPerHost = mode.kind === 'closed' ? mode.concurrency : undefined;
  const pool = options.keepAlive && http ? new KeepAlivePool(maxPerHost) : null;
  const own = options.keepAlive && http ? new LoadPool(maxPerHost) : null;
  try {
    const shared = await prepareSteps(check, pool, own);
    const tally = new Tally();
    const one = async (): Promise<void> => tally.add(await runCheck(check, shared));
    const start = performance.now();
    const end = start + options.durationMs;
    let schedule: LoadResult['schedule'] = null;
    if (mode.kind === 'closed') {
      // runCheck awaited here, not through one(): an async function less per run.
      const worker = async (): Promise<void> => {
        while (performance.now() < end && !signal?.aborted) tally.add(await runCheck(check, shared));
      };
      await Promise.all(Array.from({ length: mode.concurrency }, worker));
    } else {
      schedule = await openLoop(mode.rate, start, end, one, signal);
    }
    const elapsedMs = performance.now() - start;
    return { check, runs: tally.runs, errors: tally.errors, elapsedMs, latency: tally.latency.summary(), reasons: tally.reasons, schedule };
  } finally {
    pool?.destroy();
    own?.destroy();
  }
}

/** Starts `one` `rate` times a second from `start` until `end` (or the abort); settles when the last run started has ended. */
function openLoop(rate: number, start: number, end: number, one: () => Promise<void>, signal?: AbortSignal): Promise<NonNullable<LoadResult['schedule']>> {
  const interval = 1000 / rate;
  return new Promise((resolve, reject) => {
    let starts = 0;
    let late = 0;
    let maxLateMs = 0;
    let inFlight = 0;
    let scheduling = true;
    let timer: NodeJS.Timeout | undefined;
    const settleWhenDone = (): void => {
      if (!scheduling && inFlight === 0) resolve({ starts, late, maxLateMs });
    };
    const stop = (): void => {
      scheduling = false;
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      settleWhenDone();
    };
    const ended = (): void => {
      inFlight--;
      settleWhenDone();
    };
    const tick = (): void => {
      for (;;) {
        const due = start + starts * interval;
        if (due >= end) return stop();
        const now = performance.now();
        if (due > now) break;
        // Behind schedule (timers fire at whole milliseconds, later when the process is busy): start each run due by now.
        const lateBy = now - due;
        if (lateBy > LATE_MS) late++;
        if (lateBy > maxLateMs) maxLateMs = lateBy;
        starts++;
        inFlight++;
        one().then(ended, (err) => {
          stop();
          reject(err);
        });
      }
      timer = setTimeout(tick, start + starts * interval - performance.now());
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop);
    tick();
  });
}

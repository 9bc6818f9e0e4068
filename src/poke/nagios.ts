/**
 * What `oxpoke run` prints and exits with, by the conventions of Nagios and
 * Icinga plugins, so the same check files serve under a monitoring system, in
 * CI and by hand.
 *
 * The exit code is 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, for the worst
 * outcome over the checks run, worst being CRITICAL, then WARNING, then
 * UNKNOWN (a check that could not be judged), then OK.
 *
 * The first line is `POKE STATUS - text | perfdata`:
 *
 *     POKE OK - add: 200 in 12 ms | 'add_time'=0.012000s;0.200000;1.000000;0; 'add_size'=13B;;;0;
 *     POKE CRITICAL - add: json $.result equal: expected 4, got 5 | 'add_time'=...
 *     POKE CRITICAL - add: refused: connect ECONNREFUSED 127.0.0.1:8080
 *     POKE CRITICAL - 2 of 3 checks not OK: add: status: expected 200, got 500; slow: time: expected at most 200 ms, got 350 ms | ...
 *     POKE OK - 3 checks OK: add: 200 in 12 ms; sub: 200 in 9 ms; port: connected in 1 ms | ...
 *
 * A check that passed shows its status (or "connected" for TCP) and time; one
 * that did not shows its first failed assertion of the worst severity, and
 * "(+N more)" when others failed too. With several checks, those not OK are
 * listed worst first. When "(+N more)" hid anything, every failed assertion
 * follows on lines of its own (the plugin's long output), as
 * `[SEVERITY] check: assertion: expected ..., got ...`.
 *
 * Performance data, per check that got an answer, in the plugin guidelines'
 * form `'label'=value[UOM];[warn];[crit];[min];[max]`:
 * - `'NAME_time'`: the total time in seconds (UOM s), with the check's warning
 *   and critical limits as thresholds (empty when not set), min 0;
 * - `'NAME_size'`: the bytes of the body read (UOM B), min 0.
 * Labels are always quoted; a `'` in a name is written `''`, and `=` (which a
 * label may not hold) is written `_`, as are control characters. A check that
 * got no answer (refused, timeout, ...) has no performance data, as
 * check_http does. The text never holds `|`, which would start the
 * performance data early: it is shown as `¦`.
 */
import type { Expectations, Outcome } from './check';
import { type Answer, type AssertionResult, type Judgement, describeResult, formatMs } from './assertions';

/** One check's run, as the output needs it. */
export interface CheckRun {
  name: string;
  judgement: Judgement;
  /** The last answer the check got; null when its probe failed outright. */
  answer: Answer | null;
  expect: Pick<Expectations, 'warningMs' | 'criticalMs'>;
}

export interface PluginOutput {
  exitCode: number;
  /** The lines to print, each ending in a newline. */
  text: string;
}

export const EXIT_CODES: Readonly<Record<Outcome, number>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

const RANK: Readonly<Record<Outcome, number>> = { OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3 };

/** The worst of the outcomes (OK for none). */
export function worstOutcome(outcomes: Outcome[]): Outcome {
  let w: Outcome = 'OK';
  for (const o of outcomes) if (RANK[o] > RANK[w]) w = o;
  return w;
}

/** The status line, long output and exit code for one `oxpoke run`. */
export function pluginOutput(runs: CheckRun[]): PluginOutput {
  if (runs.length === 0) return { exitCode: EXIT_CODES.UNKNOWN, text: 'POKE UNKNOWN - no checks were run\n' };
  const outcome = worstOutcome(runs.map((r) => r.judgement.outcome));
  const notOk = runs
    .map((run, i) => ({ run, i }))
    .filter((x) => x.run.judgement.outcome !== 'OK')
    // Worst first; in file order within a severity.
    .sort((a, b) => RANK[b.run.judgement.outcome] - RANK[a.run.judgement.outcome] || a.i - b.i)
    .map((x) => x.run);
  let summary: string;
  if (runs.length === 1) summary = checkSummary(runs[0]);
  else if (notOk.length === 0) summary = `${runs.length} checks OK: ${runs.map(checkSummary).join('; ')}`;
  else summary = `${notOk.length} of ${runs.length} checks not OK: ${notOk.map(checkSummary).join('; ')}`;
  const perf = runs.flatMap(perfdata);
  let text = `POKE ${outcome} - ${plain(summary)}${perf.length > 0 ? ` | ${perf.join(' ')}` : ''}\n`;
  if (runs.some((r) => failed(r).length > 1)) {
    for (const run of runs) {
      for (const r of failed(run)) text += plain(`[${r.severity}] ${run.name}: ${describeResult(r)}`) + '\n';
    }
  }
  return { exitCode: EXIT_CODES[outcome], text };
}

function failed(run: CheckRun): AssertionResult[] {
  return run.judgement.results.filter((r) => !r.ok);
}

/** `add: 200 in 12 ms`, or `add: <the first failed assertion of the worst severity> (+N more)`. */
export function checkSummary(run: CheckRun): string {
  const { outcome } = run.judgement;
  const bad = failed(run);
  if (outcome === 'OK' || bad.length === 0) {
    if (run.answer === null) return `${run.name}: ${outcome}`;
    const what = run.answer.status === null ? 'connected' : String(run.answer.status);
    return `${run.name}: ${what} in ${formatMs(run.answer.totalMs)}`;
  }
  const first = bad.find((r) => r.severity === outcome) ?? bad[0];
  const more = bad.length > 1 ? ` (+${bad.length - 1} more)` : '';
  return `${run.name}: ${describeResult(first)}${more}`;
}

/** The performance data of one check: its time and size, or nothing when it got no answer. */
export function perfdata(run: CheckRun): string[] {
  if (run.answer === null) return [];
  const { warningMs, criticalMs } = run.expect;
  const time = `${perfLabel(`${run.name}_time`)}=${seconds(run.answer.totalMs)};${threshold(warningMs)};${threshold(criticalMs)};0;`;
  const size = `${perfLabel(`${run.name}_size`)}=${run.answer.body.length}B;;;0;`;
  return [time, size];
}

/** A label in single quotes, as the guidelines allow any label to be written. */
export function perfLabel(label: string): string {
  // A label may not hold '='; a control character would break the output line.
  const safe = label.replace(/[\u0000-\u001f\u007f=]/g, '_').replace(/'/g, "''");
  return `'${safe}'`;
}

/** Seconds with their unit, in the guidelines' number class [-0-9.], to the microsecond; U when unknown. */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms >= 0 ? `${(ms / 1000).toFixed(6)}s` : 'U';
}

/** A limit in seconds as a threshold: "0.200000" alerts above 0.2 s (and below 0, which a time never is). */
function threshold(ms: number | null): string {
  return ms === null ? '' : (ms / 1000).toFixed(6);
}

/** Text safe for a plugin's output line: no `|` (the start of performance data) and no line breaks. */
function plain(text: string): string {
  return text.replace(/\|/g, '¦').replace(/[\r\n\t]+/g, ' ');
}

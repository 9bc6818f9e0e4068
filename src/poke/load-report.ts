/**
 * What `oxpoke load` prints and exits with: the figures of the run, each
 * threshold's verdict, and last a status line in the Nagios plugin form
 * (nagios.ts) with performance data, so the same command serves by hand, in
 * CI and under a monitoring system:
 *
 *     oxpoke load: add (GET http://127.0.0.1:8080/add?a=2&b=2), 8 workers (closed loop) for 30s, connections kept open
 *     runs       123456 in 30.0 s: 4115.2 runs/s
 *     latency    min 0.41 ms, p50 1.2 ms, p90 2.0 ms, p95 2.4 ms, p99 5.1 ms, max 20.3 ms, mean 1.4 ms (123400 answered runs)
 *     errors     56 (0.05%): status 50 (status: expected 200, got 500), timeout 6 (...)
 *     threshold  p95 < 200ms: holds (2.4 ms)
 *     threshold  errors < 1%: holds (0.05%)
 *     POKE OK - add: 4115.2 runs/s, p95 2.4 ms, errors 0.05% | 'add_runs'=123456;;;0; 'add_rps'=4115.2;;;0; 'add_p50'=0.001200s;;;0; ...
 *
 * An open loop adds `starts     3000, 12 late (more than 5 ms after due; at most 23.1 ms)`.
 *
 * Exit 0 (OK) when every threshold holds; 2 (CRITICAL) when one fails. A
 * threshold applied by default (`errors < 1%`, when none given is about
 * errors) is marked `(default)`. The status line then names the thresholds that failed with
 * the figures they met.
 *
 * Performance data: runs and rps, every latency shown (seconds, UOM s),
 * errors (a count) and error_rate (UOM %), and late for an open loop; each
 * labelled `'CHECK_metric'`. A threshold on a metric fills its critical field
 * as a Nagios range: `0.2` for `p95 < 200ms` (alert above), `500:` for
 * `rps > 500` (alert below).
 */
import { formatDuration } from './durations';
import { EXIT_CODES, perfLabel } from './nagios';
import { errorRate, REPORTED_PERCENTILES, runsPerSecond } from './latency-stats';
import { LATE_MS, type LoadMode, type LoadResult } from './load-run';
import { formatLatency, formatShare, type Metric, type Threshold, type Verdict } from './load-thresholds';

export interface LoadSettings {
  mode: LoadMode;
  durationMs: number;
  keepAlive: boolean;
}

export interface LoadReport {
  exitCode: number;
  /** The lines to print, each ending in a newline; the status line last. */
  text: string;
}

/** `GET http://…` for a check, `scenario of 3 steps` for a scenario. */
function what(result: LoadResult): string {
  const steps = result.check.steps;
  if (steps.length > 1) return `scenario of ${steps.length} steps`;
  const r = steps[0].request;
  return r.kind === 'http' ? `${r.method} ${r.url}` : `tcp ${r.host}:${r.port}`;
}

function how(settings: LoadSettings, result: LoadResult): string {
  const { mode } = settings;
  const load = mode.kind === 'closed' ? `${mode.concurrency} worker${mode.concurrency === 1 ? '' : 's'} (closed loop)` : `${mode.rate} runs/s (open loop)`;
  // Only HTTP connections are kept: a TCP check's request is its connection.
  const kept = settings.keepAlive && result.check.steps.some((s) => s.request.kind === 'http');
  return `${load} for ${formatDuration(settings.durationMs)}, ${kept ? 'connections kept open' : 'a new connection per request'}`;
}

/** The latency figures shown, by label: min, the usual percentiles and any a threshold names, max, mean. */
function latencies(result: LoadResult, thresholds: readonly Threshold[]): Array<[string, number]> {
  const percentiles = new Set(REPORTED_PERCENTILES);
  for (const t of thresholds) if (t.metric.kind === 'latency' && t.metric.percentile !== null) percentiles.add(t.metric.percentile);
  const l = result.latency;
  return [
    ['min', l.min],
    ...[...percentiles].sort((a, b) => a - b).map((p): [string, number] => [`p${p}`, l.percentile(p)]),
    ['max', l.max],
    ['mean', l.mean],
  ];
}

export function loadReport(result: LoadResult, settings: LoadSettings, verdicts: readonly Verdict[]): LoadReport {
  const lines: string[] = [];
  const rps = runsPerSecond(result.runs, result.elapsedMs);
  const share = errorRate(result.errors, result.runs);
  const shown = latencies(result, verdicts.map((v) => v.threshold));
  lines.push(`oxpoke load: ${result.check.name} (${what(result)}), ${how(settings, result)}`);
  lines.push(`runs       ${result.runs} in ${(result.elapsedMs / 1000).toFixed(1)} s: ${rps.toFixed(1)} runs/s`);
  if (result.latency.count === 0) lines.push('latency    none: no run got an answer');
  else lines.push(`latency    ${shown.map(([label, ms]) => `${label} ${formatLatency(ms)}`).join(', ')} (${result.latency.count} answered runs)`);
  const reasons = [...result.reasons].map(([reason, e]) => `${reason} ${e.count} (${e.example})`);
  lines.push(`errors     ${result.errors} (${formatShare(share)})${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''}`);
  if (result.schedule !== null) {
    const s = result.schedule;
    lines.push(`starts     ${s.starts}, ${s.late} late (more than ${LATE_MS} ms after due; at most ${formatLatency(s.maxLateMs)})`);
  }
  for (const v of verdicts) lines.push(`threshold  ${v.threshold.text}${v.threshold.implied ? ' (default)' : ''}: ${v.holds ? 'holds' : 'FAILS'} (${v.shown})`);

  const failed = verdicts.filter((v) => !v.holds);
  const outcome = failed.length === 0 ? 'OK' : 'CRITICAL';
  const summary =
    failed.length === 0
      ? `${result.check.name}: ${rps.toFixed(1)} runs/s, p95 ${formatLatency(result.latency.percentile(95))}, errors ${formatShare(share)}`
      : `${result.check.name}: ${failed.length} of ${verdicts.length} thresholds failed: ${failed.map((v) => `${v.threshold.text} (got ${v.shown})`).join('; ')}`;
  const crit = (metric: (m: Metric) => boolean): string => {
    const t = verdicts.map((v) => v.threshold).find((x) => metric(x.metric));
    if (t === undefined) return '';
    const value = t.metric.kind === 'latency' ? seconds(t.value) : String(t.value);
    return t.op === '<' || t.op === '<=' ? value : `${value}:`;
  };
  const label = (metric: string): string => perfLabel(`${result.check.name}_${metric}`);
  const perf = [
    `${label('runs')}=${result.runs};;;0;`,
    `${label('rps')}=${rps.toFixed(1)};;${crit((m) => m.kind === 'rps')};0;`,
    ...(result.latency.count === 0 ? [] : shown).map(([name, ms]) => {
      const threshold = crit((m) => m.kind === 'latency' && (m.percentile === null ? m.stat : `p${m.percentile}`) === name);
      return `${label(name)}=${seconds(ms)}s;;${threshold};0;`;
    }),
    `${label('errors')}=${result.errors};;${crit((m) => m.kind === 'errors' && !m.share)};0;`,
    `${label('error_rate')}=${(share * 100).toFixed(2)}%;;${crit((m) => m.kind === 'errors' && m.share)};0;100`,
    ...(result.schedule === null ? [] : [`${label('late')}=${result.schedule.late};;;0;`]),
  ];
  // A `|` in the text would start the performance data early.
  lines.push(`POKE ${outcome} - ${summary.replace(/\|/g, '¦').replace(/[\r\n\t]+/g, ' ')} | ${perf.join(' ')}`);
  return { exitCode: EXIT_CODES[outcome], text: lines.map((l) => `${l}\n`).join('') };
}

/** Milliseconds as seconds to the microsecond, in the guidelines' number class. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(6);
}

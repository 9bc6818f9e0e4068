/**
 * The link benchmark's figures: every trial, the median of each way over
 * the rounds, and the goals (rates as ratios within the run, since the
 * machine is shared and its absolute speed varies).
 */
import type { LinkTrial } from './link-trial';
import { Way, WAY_LABELS, WAYS } from './link-ways';
import { Goal, int, mb, table } from './report-table';

export interface WaySummary {
  way: Way;
  rounds: number;
  /** Medians over the rounds. */
  eventsPerSec: number;
  seconds: number;
  localTookPerSec: number;
  localCpuUsPerEvent: number;
  centralCpuUsPerEvent: number;
  localPeakRss: number | null;
  tcpBytesPerEvent: number | null;
  linkRawBytesPerEvent: number | null;
  linkWireBytesPerEvent: number | null;
  compressionRatio: number | null;
  compressMsPerRound: number | null;
  spoolFsyncs: number | null;
  spoolFsyncsPerSec: number | null;
  /** Sums over the rounds. */
  lost: number;
  localDropped: number;
  writtenTwice: number;
  duplicatesDropped: number;
  possibleDuplicates: number;
  linkLosses: number;
  failedChecks: number;
}

function median(values: number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The median of a figure some trials lack (PUSH has no link counts): null when none has it. */
function medianOf(trials: LinkTrial[], pick: (t: LinkTrial) => number | null): number | null {
  const values = trials.map(pick).filter((v): v is number => v !== null);
  return values.length ? median(values) : null;
}

const sum = (trials: LinkTrial[], pick: (t: LinkTrial) => number): number => trials.reduce((n, t) => n + pick(t), 0);

export function summarise(trials: LinkTrial[]): WaySummary[] {
  const out: WaySummary[] = [];
  for (const way of WAYS) {
    const mine = trials.filter((t) => t.way === way);
    if (mine.length === 0) continue;
    out.push({
      way,
      rounds: mine.length,
      eventsPerSec: median(mine.map((t) => t.eventsPerSec)),
      seconds: median(mine.map((t) => t.seconds)),
      localTookPerSec: median(mine.map((t) => t.localTookPerSec)),
      localCpuUsPerEvent: median(mine.map((t) => t.localCpuUsPerEvent)),
      centralCpuUsPerEvent: median(mine.map((t) => t.centralCpuUsPerEvent)),
      localPeakRss: medianOf(mine, (t) => t.localPeakRss),
      tcpBytesPerEvent: medianOf(mine, (t) => (t.tcpBytes === null ? null : t.tcpBytes / t.events)),
      linkRawBytesPerEvent: medianOf(mine, (t) => (t.link ? t.link.rawBytes / t.events : null)),
      linkWireBytesPerEvent: medianOf(mine, (t) => (t.link ? t.link.wireBytes / t.events : null)),
      compressionRatio: medianOf(mine, (t) => t.link?.ratio ?? null),
      compressMsPerRound: medianOf(mine, (t) => t.link?.compressMs ?? null),
      spoolFsyncs: medianOf(mine, (t) => t.spoolFsyncs),
      spoolFsyncsPerSec: medianOf(mine, (t) => (t.spoolFsyncs === null ? null : t.spoolFsyncs / t.seconds)),
      lost: sum(mine, (t) => t.lost),
      localDropped: sum(mine, (t) => t.localDropped),
      writtenTwice: sum(mine, (t) => t.writtenTwice),
      duplicatesDropped: sum(mine, (t) => t.duplicatesDropped),
      possibleDuplicates: sum(mine, (t) => t.possibleDuplicates),
      linkLosses: sum(mine, (t) => t.linkLosses),
      failedChecks: mine.filter((t) => !t.check.ok).length,
    });
  }
  return out;
}

const fixed = (n: number | null, d: number): string => (n !== null && Number.isFinite(n) ? n.toFixed(d) : '-');

const HEAD = ['way', 'events/s', 's', 'local took/s', 'local us/ev', 'central us/ev', 'local RSS', 'TCP B/ev', 'link raw B/ev', 'link wire B/ev', 'ratio', 'compress ms', 'fsyncs', 'lost', 'twice', 'dup dropped', 'maybe dup', 'check'];

export function formatTrials(trials: LinkTrial[]): string {
  const rows = trials.map((t) => [
    `${WAY_LABELS[t.way]} #${t.round}`,
    int(t.eventsPerSec),
    fixed(t.seconds, 2),
    int(t.localTookPerSec),
    fixed(t.localCpuUsPerEvent, 2),
    fixed(t.centralCpuUsPerEvent, 2),
    mb(t.localPeakRss),
    fixed(t.tcpBytes === null ? null : t.tcpBytes / t.events, 1),
    fixed(t.link ? t.link.rawBytes / t.events : null, 1),
    fixed(t.link ? t.link.wireBytes / t.events : null, 1),
    fixed(t.link?.ratio ?? null, 2),
    fixed(t.link?.compressMs ?? null, 0),
    t.spoolFsyncs === null ? '-' : String(t.spoolFsyncs),
    String(t.lost + t.localDropped),
    String(t.writtenTwice),
    String(t.duplicatesDropped),
    String(t.possibleDuplicates),
    !t.complete ? 'CUT' : t.check.ok ? 'ok' : 'FAIL',
  ]);
  const notes = trials.filter((t) => !t.check.ok || t.linkLosses > 0 || t.statusTimeouts > 0).map(
    (t) =>
      `  ${WAY_LABELS[t.way]} #${t.round}: ${t.check.detail}` +
      (t.linkLosses ? `; the link was lost ${t.linkLosses} times` : '') +
      (t.statusTimeouts ? `; ${t.statusTimeouts} STATUS requests timed out` : ''),
  );
  return table(HEAD, rows) + (notes.length ? `\n${notes.join('\n')}` : '');
}

export function formatSummaries(summaries: WaySummary[]): string {
  const rows = summaries.map((s) => [
    WAY_LABELS[s.way],
    int(s.eventsPerSec),
    fixed(s.seconds, 2),
    int(s.localTookPerSec),
    fixed(s.localCpuUsPerEvent, 2),
    fixed(s.centralCpuUsPerEvent, 2),
    mb(s.localPeakRss),
    fixed(s.tcpBytesPerEvent, 1),
    fixed(s.linkRawBytesPerEvent, 1),
    fixed(s.linkWireBytesPerEvent, 1),
    fixed(s.compressionRatio, 2),
    fixed(s.compressMsPerRound, 0),
    fixed(s.spoolFsyncs, 0),
    String(s.lost + s.localDropped),
    String(s.writtenTwice),
    String(s.duplicatesDropped),
    String(s.possibleDuplicates),
    s.failedChecks === 0 ? 'ok' : `FAIL ${s.failedChecks}/${s.rounds}`,
  ]);
  return table(HEAD, rows);
}

export function goals(summaries: WaySummary[]): Goal[] {
  const of = (w: Way): WaySummary | undefined => summaries.find((s) => s.way === w);
  const ratio = (a: Way, b: Way, pick: (s: WaySummary) => number | null): number | null => {
    const x = of(a);
    const y = of(b);
    const p = x ? pick(x) : null;
    const q = y ? pick(y) : null;
    return p !== null && q !== null && q !== 0 && Number.isFinite(p / q) ? p / q : null;
  };
  const rate = (s: WaySummary): number => s.eventsPerSec;
  const spoolOverPush = ratio('B', 'A', rate);
  const faults = summaries.reduce((n, s) => n + s.lost + s.localDropped + s.writtenTwice, 0);
  return [
    { what: 'disk spool + acks (B) / memory PUSH (A) events/s', measured: fixed(spoolOverPush, 2), goal: '>= 0.5', met: spoolOverPush === null ? null : spoolOverPush >= 0.5 },
    { what: 'no compression (C) / memory PUSH (A) events/s', measured: fixed(ratio('C', 'A', rate), 2), goal: '(reported)', met: null },
    { what: 'what fsync every 10 ms costs: D / B events/s', measured: fixed(ratio('D', 'B', rate), 2), goal: '(reported)', met: null },
    { what: '  the same in local CPU per event: D / B', measured: fixed(ratio('D', 'B', (s) => s.localCpuUsPerEvent), 2), goal: '(reported)', met: null },
    // One fsync at a time, on libuv's pool: a slow disk makes fewer than the interval asks for.
    { what: '  fsyncs a second of the local spool in D (asks for 100)', measured: fixed(of('D')?.spoolFsyncsPerSec ?? null, 1), goal: '(reported)', met: null },
    { what: 'bytes on the wire, zlib (B) / none (C)', measured: fixed(ratio('B', 'C', (s) => s.tcpBytesPerEvent), 3), goal: '(reported)', met: null },
    { what: 'what CURVE costs, zlib: E / B events/s', measured: fixed(ratio('E', 'B', rate), 2), goal: '(reported)', met: null },
    { what: '  no compression: F / C events/s', measured: fixed(ratio('F', 'C', rate), 2), goal: '(reported)', met: null },
    { what: '  local CPU per event: E / B, F / C', measured: `${fixed(ratio('E', 'B', (s) => s.localCpuUsPerEvent), 2)}, ${fixed(ratio('F', 'C', (s) => s.localCpuUsPerEvent), 2)}`, goal: '(reported)', met: null },
    { what: '  central CPU per event: E / B, F / C', measured: `${fixed(ratio('E', 'B', (s) => s.centralCpuUsPerEvent), 2)}, ${fixed(ratio('F', 'C', (s) => s.centralCpuUsPerEvent), 2)}`, goal: '(reported)', met: null },
    { what: 'local CPU per event, disk spool + acks (B) / PUSH (A)', measured: fixed(ratio('B', 'A', (s) => s.localCpuUsPerEvent), 2), goal: '(reported)', met: null },
    { what: 'events lost or written twice, every trial', measured: String(faults), goal: '0', met: faults === 0 },
  ];
}

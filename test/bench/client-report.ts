/**
 * The client benchmark's table and JSON figures: medians over the rounds,
 * per scenario and per figure, the blueox/pino ratio and the targets.
 */
import type { ScenarioKey } from './client-options';
import type { Timing } from './client-child';
import type { NoopFigures } from './client-noop';
import type { Check } from './client-scenarios';

export interface Delivery {
  /** Events oxd counted in the window (totals.received minus the warm-up). */
  received: number;
  invalid: number;
  dropped: number;
  /** From the first event to oxd's STATUS showing the last one received. */
  seconds: number;
  oxdCpuSec: number | null;
}

export interface ScenarioRun {
  scenario: ScenarioKey;
  /** 1..R; 0 for the extra profiled run. */
  round: number;
  pid: number;
  timing: Timing | null;
  noop: NoopFigures | null;
  check: Check;
  delivery: Delivery | null;
  ok: boolean;
}

export interface Row {
  scenario: ScenarioKey;
  label: string;
  rounds: number;
  wallUs: number;
  loopUs: number;
  mainCpuUs: number;
  mainSchedUs: number | null;
  processCpuUs: number;
  deliveredUs: number | null;
  oxdCpuUs: number | null;
  ok: boolean;
  perRound: Array<{ wallUs: number; mainCpuUs: number; mainSchedUs: number | null }>;
}

export interface Target {
  what: string;
  measured: string;
  goal: string;
  met: boolean | null;
}

export interface Summary {
  rows: Row[];
  noop: { rawNs: Record<string, number>; netNs: Record<string, number>; cpuNs: Record<string, number>; iterations: number; reps: number; rounds: number } | null;
  ratios: { wall: number | null; mainCpu: number | null; mainSched: number | null };
  targets: Target[];
}

export const LABELS: Record<ScenarioKey, string> = {
  blueox: '1  blueox -> oxd (context + 3 sets)',
  pino: '2  pino -> file (async, minLength 4096)',
  unconfigured: '3  unconfigured',
  zmq: '4  zeromq.js Push.send, pre-encoded',
  frame: '4b context+sets+encode+queue, no socket',
  encode: '4c context+sets+encode (meta+body)',
  record: '4d context+sets, counting recorder',
};

/** The issue's figure for pino on this machine, for the table. */
export const PINO_ISSUE_US = 3.9;

const fixed = (n: number | null | undefined, d = 2): string => (n != null && Number.isFinite(n) ? n.toFixed(d) : '-');

export function median(values: number[]): number {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const medianOrNull = (values: Array<number | null>): number | null =>
  values.every((v) => v !== null) ? median(values as number[]) : null;

function timedRow(scenario: ScenarioKey, runs: ScenarioRun[]): Row {
  const per = (r: ScenarioRun, sec: number): number => (sec * 1e6) / r.timing!.events;
  const perRound = runs.map((r) => ({
    wallUs: per(r, r.timing!.wallSec),
    mainCpuUs: per(r, r.timing!.mainCpuSec),
    mainSchedUs: r.timing!.mainSchedSec === null ? null : per(r, r.timing!.mainSchedSec),
  }));
  return {
    scenario,
    label: LABELS[scenario],
    rounds: runs.length,
    wallUs: median(perRound.map((p) => p.wallUs)),
    loopUs: median(runs.map((r) => per(r, r.timing!.loopSec))),
    mainCpuUs: median(perRound.map((p) => p.mainCpuUs)),
    mainSchedUs: medianOrNull(perRound.map((p) => p.mainSchedUs)),
    processCpuUs: median(runs.map((r) => per(r, r.timing!.processCpuSec))),
    deliveredUs: medianOrNull(runs.map((r) => (r.delivery ? per(r, r.delivery.seconds) : null))),
    oxdCpuUs: medianOrNull(runs.map((r) => (r.delivery?.oxdCpuSec != null ? per(r, r.delivery.oxdCpuSec) : null))),
    ok: runs.every((r) => r.ok),
    perRound,
  };
}

export function summarise(runs: ScenarioRun[]): Summary {
  const measured = runs.filter((r) => r.round > 0);
  const rows: Row[] = [];
  for (const key of Object.keys(LABELS) as ScenarioKey[]) {
    const mine = measured.filter((r) => r.scenario === key && r.timing !== null);
    if (mine.length) rows.push(timedRow(key, mine));
  }
  const noopRuns = measured.filter((r) => r.noop !== null).map((r) => r.noop!);
  const pick = (field: 'rawNs' | 'netNs' | 'cpuNs'): Record<string, number> => {
    const keys = noopRuns.length ? Object.keys(noopRuns[0][field]) : [];
    return Object.fromEntries(keys.map((k) => [k, median(noopRuns.map((n) => (n[field] as Record<string, number>)[k]))]));
  };
  const noop = noopRuns.length
    ? { rawNs: pick('rawNs'), netNs: pick('netNs'), cpuNs: pick('cpuNs'), iterations: noopRuns[0].iterations, reps: noopRuns[0].reps, rounds: noopRuns.length }
    : null;

  const b = rows.find((r) => r.scenario === 'blueox');
  const p = rows.find((r) => r.scenario === 'pino');
  const ratio = (x: number | null | undefined, y: number | null | undefined): number | null => (x != null && y ? x / y : null);
  const ratios = { wall: ratio(b?.wallUs, p?.wallUs), mainCpu: ratio(b?.mainCpuUs, p?.mainCpuUs), mainSched: ratio(b?.mainSchedUs, p?.mainSchedUs) };

  const targets: Target[] = [];
  if (b && p) {
    targets.push(
      { what: 'blueox main-thread CPU/event <= pino', measured: `${fixed(b.mainCpuUs)} us`, goal: `<= ${fixed(p.mainCpuUs)} us`, met: b.mainCpuUs <= p.mainCpuUs },
      { what: 'blueox wall/event <= pino', measured: `${fixed(b.wallUs)} us`, goal: `<= ${fixed(p.wallUs)} us`, met: b.wallUs <= p.wallUs },
    );
  }
  if (p) targets.push({ what: 'pino per line (issue: ~3.9 us here)', measured: `${fixed(p.wallUs)} us`, goal: `~${PINO_ISSUE_US} us`, met: null });
  if (noop) {
    targets.push(
      { what: "unconfigured set('a', 1), net", measured: `${fixed(noop.netNs.set, 1)} ns`, goal: '< 100 ns', met: noop.netNs.set < 100 },
      { what: "unconfigured context('request', fn), net", measured: `${fixed(noop.netNs.context, 1)} ns`, goal: '< 100 ns', met: noop.netNs.context < 100 },
    );
  }
  for (const r of rows.filter((x) => x.scenario === 'blueox' || x.scenario === 'zmq' || x.scenario === 'pino')) {
    const what = r.scenario === 'pino' ? 'pino: every line in the file' : `${r.scenario}: oxd received all, none dropped`;
    targets.push({ what, measured: r.ok ? `${r.rounds}/${r.rounds} runs` : 'FAILED', goal: 'all runs', met: r.ok });
  }
  return { rows, noop, ratios, targets };
}

function line(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

export function formatSummary(s: Summary, runs: ScenarioRun[], events: number, rounds: number): string {
  const out: string[] = [];
  const w = [42, 8, 8, 8, 9, 9, 8, 6];
  out.push(`== per event on the application's thread, ${events.toLocaleString('en-US')} events per run, median of ${rounds} rounds ==`);
  out.push(line(['scenario', 'wall', 'main CPU', 'main CPU', 'all thr.', 'to oxd', 'oxd CPU', 'check'], w));
  out.push(line(['', 'us/ev', 'ticks', 'schedst.', 'CPU us/ev', 'us/ev', 'us/ev', ''], w));
  for (const r of s.rows) {
    out.push(
      line(
        [r.label, fixed(r.wallUs), fixed(r.mainCpuUs), fixed(r.mainSchedUs), fixed(r.processCpuUs), fixed(r.deliveredUs), fixed(r.oxdCpuUs), r.ok ? 'ok' : 'FAIL'],
        w,
      ),
    );
    const rr = r.perRound;
    out.push(`     rounds: wall ${rr.map((x) => fixed(x.wallUs)).join(' ')} | main CPU ${rr.map((x) => fixed(x.mainCpuUs)).join(' ')} (schedstat ${rr.map((x) => fixed(x.mainSchedUs)).join(' ')})`);
  }
  for (const r of runs.filter((x) => !x.ok)) out.push(`   ${r.scenario} round ${r.round} FAILED: ${r.check.detail}`);
  out.push(
    `ratio blueox/pino: wall ${fixed(s.ratios.wall)}x, main-thread CPU ${fixed(s.ratios.mainCpu)}x (schedstat ${fixed(s.ratios.mainSched)}x)`,
  );
  if (s.noop) {
    const n = s.noop;
    out.push('');
    out.push(
      `== unconfigured (no-op), ns per call: ${n.iterations.toLocaleString('en-US')} calls x ${n.reps} in each of ${n.rounds} processes, medians ==`,
    );
    const nw = [42, 8, 9, 8, 8];
    out.push(line(['call', 'raw ns', 'empty ns', 'net ns', 'CPU ns'], nw));
    const calls: Array<[string, string]> = [
      ['set', "set('a', 1)"],
      ['context', "context('request', () => undefined)"],
      ['event', 'context + 3 sets (the loop of 1)'],
    ];
    for (const [k, label] of calls) out.push(line([label, fixed(n.rawNs[k], 1), fixed(n.rawNs.empty, 1), fixed(n.netNs[k], 1), fixed(n.cpuNs[k], 1)], nw));
  }
  if (s.targets.length) {
    out.push('');
    const tw = [42, 12, 12, 5];
    out.push(line(['targets', 'measured', 'goal', ''], tw));
    for (const t of s.targets) out.push(line([t.what, t.measured, t.goal, t.met === null ? '' : t.met ? 'ok' : 'MISS'], tw));
  }
  return out.join('\n');
}

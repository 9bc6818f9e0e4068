/**
 * The printed table and the JSON figures.
 */
import type { RunResult, SenderKind } from './measure';
import { RECEIVER_LABELS, ReceiverKey } from './receivers';

export interface Target {
  what: string;
  measured: string;
  goal: string;
  met: boolean | null;
}

export interface Section {
  sender: SenderKind;
  runs: RunResult[];
  /** Median over rounds, per receiver. */
  summary: Partial<Record<ReceiverKey, RunResult>>;
  ratios: { oxdOverB1: number | null; oxdOverB2: number | null };
  targets: Target[];
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
const fixed = (n: number | null | undefined, d = 1): string => (n != null && Number.isFinite(n) ? n.toFixed(d) : '-');
const mb = (b: number | null): string => (b == null ? '-' : `${(b / 1024 / 1024).toFixed(1)} MB`);
const pct = (x: number | null): string => (x == null || !Number.isFinite(x) ? '-' : `${Math.round(x * 100)}%`);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The run with the median rate stands for its receiver. */
function representative(runs: RunResult[]): RunResult {
  const m = median(runs.map((r) => r.eventsPerSec));
  return runs.reduce((best, r) => (Math.abs(r.eventsPerSec - m) < Math.abs(best.eventsPerSec - m) ? r : best));
}

export function summarise(sender: SenderKind, runs: RunResult[]): Section {
  const summary: Section['summary'] = {};
  for (const key of ['oxd', 'b1', 'b2'] as ReceiverKey[]) {
    const mine = runs.filter((r) => r.receiver === key);
    if (mine.length) summary[key] = representative(mine);
  }
  const rate = (k: ReceiverKey): number | null => summary[k]?.eventsPerSec ?? null;
  const ratio = (k: ReceiverKey): number | null => (rate('oxd') && rate(k) ? rate('oxd')! / rate(k)! : null);
  const ratios = { oxdOverB1: ratio('b1'), oxdOverB2: ratio('b2') };
  const targets: Target[] = [];
  const oxd = summary.oxd;
  if (oxd) {
    targets.push(
      { what: 'events/s to disk', measured: int(oxd.eventsPerSec), goal: '>= 250,000', met: oxd.eventsPerSec >= 250_000 },
      { what: 'oxd CPU per event written', measured: `${fixed(oxd.cpuUsPerEvent, 2)} us`, goal: '<= 2 us', met: oxd.cpuUsPerEvent <= 2 },
      {
        what: "rate vs B1 (oxd's reader, no sinks)",
        measured: pct(ratios.oxdOverB1),
        goal: '>= 70%',
        met: ratios.oxdOverB1 == null ? null : ratios.oxdOverB1 >= 0.7,
      },
      { what: 'rate vs B2 (zeromq.js Pull)', measured: pct(ratios.oxdOverB2), goal: '(reported)', met: null },
      {
        what: 'STATUS p99 while saturated',
        measured: `${fixed(oxd.pollLatencyMs.p99)} ms`,
        goal: '< 50 ms',
        met: oxd.pollLatencyMs.p99 < 50,
      },
      {
        what: 'oxd peak RSS (VmHWM)',
        measured: mb(oxd.peakRssBytes),
        goal: '< 100 MB',
        met: oxd.peakRssBytes != null && oxd.peakRssBytes < 100 * 1024 * 1024,
      },
    );
  }
  return { sender, runs, summary, ratios, targets };
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

export function formatSection(s: Section, rounds: number, cpus: number): string {
  const first = s.runs[0];
  const senderText = s.sender === 'node' ? 'raw ZMTP node senders (net)' : 'pyzmq senders (libzmq PUSH, send_multipart)';
  const lines: string[] = [];
  lines.push(
    `== ${senderText}: ${first.senders} processes, ${int(first.planned)} events per window, ` +
      `body ${first.bodySize} B ==`,
  );
  lines.push(`   (${cpus} CPUs shared by senders, receiver and this process; CPU % columns are % of one core, so ${cpus * 100}% is the whole machine)`);
  const widths = [36, 10, 8, 9, 7, 9, 9, 8, 6];
  lines.push(row(['receiver', 'events/s', 'window', 'CPU us/ev', 'rcv CPU', 'peak RSS', 'senders', 'bench', 'check'], widths));
  lines.push(row(['', '', 's', 'receiver', '% core', 'VmHWM', 'CPU %', 'CPU %', ''], widths));
  for (const r of s.runs) {
    const label = RECEIVER_LABELS[r.receiver] + (rounds > 1 ? ` #${s.runs.filter((x) => x.receiver === r.receiver).indexOf(r) + 1}` : '');
    lines.push(
      row(
        [
          label,
          int(r.eventsPerSec),
          fixed(r.seconds, 2),
          fixed(r.cpuUsPerEvent, 2),
          pct(r.receiverCpuSec / r.seconds),
          mb(r.peakRssBytes),
          pct(r.sendersCpuSec / r.seconds),
          pct(r.benchCpuSec / r.seconds),
          !r.complete ? 'CUT' : r.verified ? 'ok' : 'FAIL',
        ],
        widths,
      ),
    );
    if (r.receiver === 'oxd') {
      const l = r.pollLatencyMs;
      lines.push(
        `    ${r.complete ? `read by oxd at ${int(r.receivedPerSec)} ev/s (before the last flush)` : 'not all read by the cut-off'}; ` +
          `STATUS under load: p50 ${fixed(l.p50)} ms, p99 ${fixed(l.p99)} ms, max ${fixed(l.max)} ms over ${l.count} requests; ` +
          `CPU per event: ${r.mainThreadUsPerEvent.toFixed(2)} us on the event loop thread, ` +
          `${(r.cpuUsPerEvent - r.mainThreadUsPerEvent).toFixed(2)} us on other threads (file writes)` +
          (l.timeouts ? ` (${l.timeouts} timed out)` : ''),
      );
    }
    if (!r.complete) lines.push(`    CUT OFF: ${r.verifyDetail}; the figures cover what got through`);
    else if (!r.verified) lines.push(`    check failed: ${r.verifyDetail}`);
  }
  lines.push(
    `ratios${rounds > 1 ? ' (median runs)' : ''}: oxd/B1 = ${pct(s.ratios.oxdOverB1)}, oxd/B2 = ${pct(s.ratios.oxdOverB2)}`,
  );
  if (s.targets.length) {
    lines.push('');
    const tw = [38, 12, 12, 6];
    lines.push(row([`targets (oxd, ${s.sender} senders)`, 'measured', 'goal', ''], tw));
    for (const t of s.targets) lines.push(row([t.what, t.measured, t.goal, t.met === null ? '' : t.met ? 'ok' : 'MISS'], tw));
  }
  return lines.join('\n');
}

/**
 * The syslog benchmark's printed tables and its goals, reported as figures
 * beside each goal rather than as pass or fail. Ratios are of medians over
 * the rounds of one run, receivers alternating, since the machine is shared.
 */
import type { Framing } from './syslog-messages';
import type { TcpTrial } from './syslog-tcp-trial';
import { udpSummary, UdpStep } from './syslog-udp-ladder';
import { Goal, int, mb, table } from './report-table';



export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}


export function formatTrials(trials: TcpTrial[]): string {
  return table(
    ['receiver', 'framing', 'messages', 'seconds', 'messages/s', 'CPU µs/msg', 'rcv CPU %', 'lost', 'dup', 'gen. s', 'peak RSS', 'STATUS p99/max ms', 'check'],
    trials.map((t) => [
      t.receiver,
      t.framing,
      int(t.messages),
      t.seconds.toFixed(2),
      int(t.messagesPerSec),
      t.cpuMicrosPerMessage.toFixed(2),
      int((t.cpuSeconds / t.seconds) * 100),
      t.receiver === 'discard' ? '-' : int(t.missing),
      t.receiver === 'discard' ? '-' : int(t.duplicates),
      t.generatorSeconds.toFixed(2),
      mb(t.peakRssBytes),
      t.statusMs ? `${t.statusMs.p99.toFixed(0)}/${t.statusMs.max.toFixed(0)}` : '-',
      (t.check.ok ? 'ok' : 'MISMATCH') + (t.unsettled ? ', stalled' : ''),
    ]),
  );
}

export function formatSteps(steps: UdpStep[]): string {
  return table(
    ['receiver', 'asked dg/s', 'sent dg/s', 'taken', 'socket drops', 'RcvbufErrors (all)', 'CPU µs/msg', 'rcv CPU %', 'lossless'],
    steps.map((s) => [
      s.receiver,
      int(s.targetRate),
      int(s.sentRate),
      `${int(s.taken)}/${int(s.datagrams)}`,
      int(s.kernelDrops),
      s.rcvbufErrors === null ? '-' : int(s.rcvbufErrors),
      s.cpuMicrosPerMessage.toFixed(2),
      int((s.cpuSeconds / (s.seconds + s.drainSeconds)) * 100),
      s.lossless ? (s.generatorLimited ? 'yes (gen. limit)' : 'yes') : s.unsettled ? 'NO (unsettled)' : 'NO',
    ]),
  );
}

interface Medians {
  rate: number;
  cpu: number;
  lost: number;
  rounds: number;
}

function medians(trials: TcpTrial[], receiver: string, framing: Framing): Medians | null {
  const mine = trials.filter((t) => t.receiver === receiver && t.framing === framing);
  if (mine.length === 0) return null;
  return {
    rate: median(mine.map((t) => t.messagesPerSec)),
    cpu: median(mine.map((t) => t.cpuMicrosPerMessage)),
    lost: mine.reduce((n, t) => n + t.missing + t.duplicates, 0),
    rounds: mine.length,
  };
}

export function goals(trials: TcpTrial[], framings: Framing[], udp: UdpStep[]): Goal[] {
  const out: Goal[] = [];
  for (const framing of framings) {
    const ox = medians(trials, 'oxd', framing);
    const rs = medians(trials, 'rsyslog', framing);
    const gen = medians(trials, 'discard', framing);
    const label = framing === 'octet' ? 'octet-counted' : 'LF-framed';
    if (ox && rs) {
      const ratio = ox.rate / rs.rate;
      out.push({ what: `TCP ${label}: oxd / rsyslog messages/s (median of ${ox.rounds})`, measured: `${ratio.toFixed(2)} (${int(ox.rate)} / ${int(rs.rate)})`, goal: '>= 0.5', met: ratio >= 0.5 });
      out.push({ what: `  CPU per message, oxd / rsyslog`, measured: `${(ox.cpu / rs.cpu).toFixed(1)}x (${ox.cpu.toFixed(2)} / ${rs.cpu.toFixed(2)} µs)`, goal: '(reported)', met: null });
    }
    if (ox) {
      out.push({ what: `TCP ${label}: oxd messages/s`, measured: int(ox.rate), goal: '>= 300,000', met: ox.rate >= 300_000 });
      out.push({ what: `  oxd messages per core-second (1 / CPU per message)`, measured: int(1e6 / ox.cpu), goal: '(reported)', met: null });
      out.push({ what: `  oxd lost or duplicated, all rounds`, measured: int(ox.lost), goal: '0', met: ox.lost === 0 });
    }
    if (rs) out.push({ what: `  rsyslog lost or duplicated, all rounds`, measured: int(rs.lost), goal: '0', met: rs.lost === 0 });
    const before = medians(trials, 'oxd-before', framing);
    if (ox && before) {
      out.push({ what: `  oxd / oxd-before (--oxd-before) messages/s`, measured: `${(ox.rate / before.rate).toFixed(2)} (${int(ox.rate)} / ${int(before.rate)})`, goal: '(reported)', met: null });
      out.push({ what: `  CPU per message, oxd-before / oxd`, measured: `${(before.cpu / ox.cpu).toFixed(1)}x (${before.cpu.toFixed(2)} / ${ox.cpu.toFixed(2)} µs)`, goal: '(reported)', met: null });
    }
    if (gen) out.push({ what: `  generator ceiling (into a discarding reader)`, measured: `${int(gen.rate)} messages/s`, goal: '(reported)', met: null });
  }
  for (const receiver of ['rsyslog', 'oxd', 'oxd-before']) {
    const steps = udp.filter((s) => s.receiver === receiver);
    if (steps.length === 0) continue;
    const s = udpSummary(steps);
    const f = s.firstLoss;
    const reached = f && f.generatorLimited ? `, the generator reached ${int(f.sentRate)}/s` : '';
    const first = f ? `${int(f.targetRate)}/s (lost ${int(f.kernelDrops)} of ${int(f.datagrams)}${reached})` : s.openEnded ? `none up to ${int(steps[steps.length - 1].sentRate)}/s (generator limit)` : 'none';
    out.push({ what: `UDP ${receiver}: highest lossless rate; first rate with socket drops`, measured: `${s.lossless ? `${int(s.lossless.sentRate)}/s` : 'none'}; ${first}`, goal: '(reported)', met: null });
  }
  return out;
}

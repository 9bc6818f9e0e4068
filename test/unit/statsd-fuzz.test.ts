/**
 * Hostile statsd input in-process: a few hundred thousand seeded random and
 * mutated lines (test/helpers/statsd-fuzz.ts) through StatsdAggregator.packet,
 * and its intervals the way oxd writes them (flush, MergedWindow, NameMemory's
 * carry-over, graphiteLines). Nothing may throw, and an oracle written from
 * the protocol, not from the parser, judges every datagram:
 *
 * - metrics_received grows by the number of non-empty lines;
 * - every value part of every line ends in exactly one call on the target
 *   (counter, gauge, timer, set, event, check or bad): a line that is an
 *   event or a check, that has no `:` before its tags, whose sanitised name
 *   (before its tags) is empty, or whose name is too long is one call; any
 *   other line is one call per
 *   `:`-separated part after the name;
 * - what is taken has a clean name of at most 512 characters and a finite
 *   value (a timer's never negative), a rate in (0, ∞);
 * - every Graphite line is `name value timestamp` with a clean name, at most
 *   512 characters plus the namespace, and a finite value, except the NaN
 *   statsd itself writes for the -100 threshold's sum, sum_squares and mean.
 *
 * Reproduce a failure with HOSTILE_SEED=<seed printed in the message>.
 */
import test from 'ava';
import { MetricKind, StatsdAggregator } from '../../src/protocol/statsd/aggregator';
import type { DogCheck, DogEvent } from '../../src/protocol/statsd/dogstatsd';
import { DEFAULT_NAMING, graphiteLines } from '../../src/protocol/statsd/graphite-names';
import { MergedWindow, NameMemory } from '../../src/protocol/statsd/interval-merge';
import type { BadLineReason } from '../../src/protocol/statsd/line-parser';
import { mulberry32, SEED } from '../helpers/random';
import { fuzzDatagram, nonEmptyLines, show } from '../helpers/statsd-fuzz';

const DATAGRAMS = Number(process.env.STATSD_FUZZ_DATAGRAMS ?? 80_000);
const FLUSH_EVERY = 4000;
const MAX_NAME = 512;
/** The longest namespace and figure around a name: `stats.timers.` … `.sum_squares_top100`. */
const NAMESPACE_ROOM = 64;
const CLEAN_NAME = /^[A-Za-z0-9_.;=-]+$/;
const GRAPHITE_LINE = /^[A-Za-z0-9_.;=-]+ \S+ \d+$/;
/** The figures statsd writes as NaN for a threshold of -100 (it reads index -1 of its sums). */
const STATSD_NAN = /\.(sum|sum_squares|mean)_top100(;|$)/;
const THRESHOLDS = [90, -100, 99.9, -10, 50];

type Call = { kind: 'counter' | 'gauge' | 'timer' | 'set' | 'event' | 'check' | 'bad'; name?: string; value?: number; rate?: number; reason?: BadLineReason };

/** The aggregator, with every call the parser makes on it recorded on the way through. */
class RecordingAggregator extends StatsdAggregator {
  calls: Call[] = [];
  override counter(name: string, value: number, rate: number): boolean {
    this.calls.push({ kind: 'counter', name, value, rate });
    // A refused value (it would overflow a total) comes back as a bad line: one call per value part.
    const taken = super.counter(name, value, rate);
    if (!taken) this.calls.pop();
    return taken;
  }
  override gauge(name: string, value: number, delta: boolean): boolean {
    this.calls.push({ kind: 'gauge', name, value, rate: 1 });
    // A refused value (it would overflow a total) comes back as a bad line: one call per value part.
    const taken = super.gauge(name, value, delta);
    if (!taken) this.calls.pop();
    return taken;
  }
  override timer(name: string, value: number, rate: number): boolean {
    this.calls.push({ kind: 'timer', name, value, rate });
    // A refused value (it would overflow a total) comes back as a bad line: one call per value part.
    const taken = super.timer(name, value, rate);
    if (!taken) this.calls.pop();
    return taken;
  }
  override set(name: string, member: string): void {
    this.calls.push({ kind: 'set', name });
    super.set(name, member);
  }
  override event(e: DogEvent): void {
    this.calls.push({ kind: 'event' });
    super.event(e);
  }
  override check(c: DogCheck): void {
    this.calls.push({ kind: 'check' });
    super.check(c);
  }
  override bad(reason: BadLineReason, line: string): void {
    this.calls.push({ kind: 'bad', reason });
    super.bad(reason, line);
  }
}

function aggregator(deleteIdle: MetricKind[], maxNames: number): RecordingAggregator {
  return new RecordingAggregator({ maxNames, maxTimerSamples: 50, deleteIdle: new Set(deleteIdle), prefixStats: 'statsd' });
}

/** statsd's key: tags after the first `|#` appended as `;k=v`, then its three replacements. */
function specName(line: string, colon: number, mainEnd: number): string {
  let key = line.slice(0, colon);
  if (mainEnd < line.length) {
    const next = line.indexOf('|#', mainEnd + 2);
    const tags = line.slice(mainEnd + 2, next < 0 ? line.length : next);
    if (tags.length > 0) key += ';' + tags.split(',').map((t) => t.replace(';', '_').replace(':', '=')).join(';');
  }
  return key.replace(/\s+/g, '_').replace(/\//g, '-').replace(/[^a-zA-Z_\-0-9.;=]/g, '');
}

/** How many target calls a non-empty line makes, from the protocol's rules. */
function expectedCalls(line: string): number {
  if (line.startsWith('_e{') || line.startsWith('_sc|')) return 1;
  const hash = line.indexOf('|#');
  const mainEnd = hash < 0 ? line.length : hash;
  const colon = line.indexOf(':');
  if (colon < 0 || colon >= mainEnd) return 1;
  const name = specName(line, colon, mainEnd);
  // A name that sanitises to nothing is no name, tags or not (`:1|c|#env:prod`); so is "__proto__".
  const bare = specName(line, colon, line.length);
  if (bare.length === 0 || name.length > MAX_NAME || name === '__proto__') return 1;
  return line.slice(colon + 1, mainEnd).split(':').length;
}

function linesOf(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/** What is wrong with the calls one datagram made; null when nothing is. */
function judgeCalls(text: string, calls: Call[]): string | null {
  const want = linesOf(text).reduce((n, l) => n + expectedCalls(l), 0);
  if (calls.length !== want) {
    // Name the line: each alone through a fresh target.
    for (const line of linesOf(text)) {
      const one = aggregator([], 1000);
      one.packet(line);
      if (one.calls.length !== expectedCalls(line)) return `line ${show(line)} made ${one.calls.length} calls (${JSON.stringify(one.calls)}), the protocol says ${expectedCalls(line)}`;
    }
    return `the datagram made ${calls.length} calls, its lines ${want}`;
  }
  for (const c of calls) {
    if (c.kind === 'bad' || c.kind === 'event' || c.kind === 'check') continue;
    if (!CLEAN_NAME.test(c.name!) || c.name!.length > MAX_NAME) return `${c.kind} taken with name ${show(c.name!)}`;
    if (c.value !== undefined && !Number.isFinite(c.value)) return `${c.kind} ${c.name} taken with value ${c.value}`;
    if (c.kind === 'timer' && c.value! < 0) return `timer ${c.name} taken with negative value ${c.value}`;
    if (c.rate !== undefined && !(c.rate > 0 && Number.isFinite(c.rate))) return `${c.kind} ${c.name} taken with rate ${c.rate}`;
  }
  return null;
}

/** What is wrong with one interval's Graphite lines; null when nothing is. */
function judgeLines(lines: string[], want: { packets: number; metrics: number; bad: number }): string | null {
  const own = new Map<string, string>();
  for (const line of lines) {
    if (!GRAPHITE_LINE.test(line)) return `Graphite line ${show(line)} is not name value timestamp`;
    const [name, value] = line.split(' ');
    if (name.length > MAX_NAME + NAMESPACE_ROOM) return `Graphite name of ${name.length} characters: ${show(name)}`;
    const v = Number(value);
    if (!Number.isFinite(v) && !(Number.isNaN(v) && value === 'NaN' && STATSD_NAN.test(name))) return `Graphite line ${show(line)}: the value is not finite`;
    if (name.startsWith('stats_counts.statsd.')) own.set(name.slice('stats_counts.statsd.'.length), value);
  }
  const got = { packets: Number(own.get('packets_received')), metrics: Number(own.get('metrics_received')), bad: Number(own.get('bad_lines_seen')) };
  if (got.packets !== want.packets || got.metrics !== want.metrics || got.bad !== want.bad) return `statsd's own counters ${JSON.stringify(got)}, the interval had ${JSON.stringify(want)}`;
  return null;
}

const FLUSH_FIGURES = { intervalMs: 10_000, percentThresholds: THRESHOLDS, histogram: [{ metric: 'fz', bins: [0, 1, 10, 'inf' as const] }], processingMs: 0, writer: [] };

/** The Graphite lines with a value that is not finite (statsd's own NaN apart). */
function nonFinite(lines: string[]): string[] {
  return lines.filter((l) => {
    const [name, value] = l.split(' ');
    return !Number.isFinite(Number(value)) && !(value === 'NaN' && STATSD_NAN.test(name));
  });
}

/** Which of an interval's lines make a non-finite figure on their own; else the figure is an accumulation. */
function culprits(datagrams: string[]): string {
  const found: string[] = [];
  for (const text of datagrams) {
    for (const line of linesOf(text)) {
      const one = aggregator([], 1000);
      one.packet(line);
      const bad = nonFinite(graphiteLines(one.flush(), DEFAULT_NAMING, { ...FLUSH_FIGURES, timestamp: 1 }));
      if (bad.length > 0) found.push(`${show(line, 80)} alone writes ${bad.slice(0, 2).join(', ')}`);
      if (found.length >= 3) return found.join('; ');
    }
  }
  return found.length > 0 ? found.join('; ') : 'no single line does it: several finite values add up past the largest double';
}

/** Problems by kind: how many, and the first few in full. */
class Problems {
  private readonly kinds = new Map<string, { count: number; examples: string[] }>();

  add(kind: string, text: () => string): void {
    let k = this.kinds.get(kind);
    if (k === undefined) this.kinds.set(kind, (k = { count: 0, examples: [] }));
    k.count++;
    if (k.examples.length < 3) k.examples.push(text());
  }

  list(): string[] {
    return [...this.kinds].map(([kind, k]) => `${kind}: ${k.count} times, first ${k.examples.join(' ;; ')}`);
  }
}

function run(seed: number, deleteIdle: MetricKind[], maxNames: number, perHost: boolean): { problems: string[]; lines: number; calls: Map<string, number> } {
  const rand = mulberry32(seed);
  const agg = aggregator(deleteIdle, maxNames);
  const memory = new NameMemory(new Set(deleteIdle), maxNames);
  const problems = new Problems();
  const tally = new Map<string, number>();
  let totalLines = 0;
  let interval = { packets: 0, metrics: 0, bad: 0 };
  let ts = 1_000_000_000;
  /** The interval's datagrams, to name the lines behind a bad figure. */
  let sent: string[] = [];
  const flush = (): void => {
    let lines: string[] = [];
    try {
      const window = new MergedWindow(ts * 1000, maxNames, 50, perHost);
      window.addLocal(agg.flush(), 'fuzz-host');
      const data = window.mergeNow();
      memory.carryInto(data);
      lines = graphiteLines(data, DEFAULT_NAMING, { ...FLUSH_FIGURES, timestamp: ts++ });
    } catch (err) {
      problems.add('flush threw', () => String((err as Error).stack));
    }
    const p = judgeLines(lines, interval);
    if (p !== null) problems.add(p.includes('not finite') ? 'Graphite value not finite' : 'Graphite line', () => (p.includes('not finite') ? `${p} (${culprits(sent)})` : p));
    interval = { packets: 0, metrics: 0, bad: 0 };
    sent = [];
  };
  for (let i = 0; i < DATAGRAMS; i++) {
    const d = fuzzDatagram(rand, { maxBytes: 200_000, hugeBytes: 100 * 1024 });
    const text = d.toString('utf8');
    const before = agg.totalMetrics;
    agg.calls = [];
    try {
      agg.packet(text);
    } catch (err) {
      problems.add('packet threw', () => `datagram ${i} ${show(d)}: ${(err as Error).stack}`);
      continue;
    }
    const lines = nonEmptyLines(text);
    totalLines += lines;
    if (agg.totalMetrics - before !== lines) problems.add('metrics_received', () => `datagram ${i} ${show(d)}: metrics_received grew by ${agg.totalMetrics - before}, it has ${lines} non-empty lines`);
    const p = judgeCalls(text, agg.calls);
    if (p !== null) problems.add('calls', () => `datagram ${i} ${show(d)}: ${p}`);
    for (const c of agg.calls) {
      const k = c.kind === 'bad' ? `bad:${c.reason}` : c.kind;
      tally.set(k, (tally.get(k) ?? 0) + 1);
    }
    sent.push(text);
    interval.packets++;
    interval.metrics += lines;
    interval.bad += agg.calls.filter((c) => c.kind === 'bad').length;
    if (i % FLUSH_EVERY === FLUSH_EVERY - 1) flush();
  }
  flush();
  const badTotal = [...agg.badReasons.values()].reduce((a, b) => a + b, 0);
  if (badTotal !== agg.totalBadLines) problems.add('bad lines', () => `bad_lines by reason add up to ${badTotal}, bad_lines_seen is ${agg.totalBadLines}`);
  return { problems: problems.list(), lines: totalLines, calls: tally };
}

for (const [label, deleteIdle, maxNames, perHost, seedOffset] of [
  ['names carried over between intervals, cap of 20,000 names', [], 20_000, false, 0],
  ['idle names deleted, per-host series, cap of 300 names (most new names refused)', ['counters', 'timers', 'sets', 'gauges'], 300, true, 1],
] as Array<[string, MetricKind[], number, boolean, number]>) {
  test(`hostile lines in-process: ${label}`, (t) => {
    const seed = SEED + seedOffset;
    const started = Date.now();
    const r = run(seed, deleteIdle, maxNames, perHost);
    const msg = `seed ${seed} (HOSTILE_SEED=${SEED} to reproduce)`;
    t.log(`${msg}: ${DATAGRAMS} datagrams, ${r.lines} lines in ${Date.now() - started} ms; calls ${JSON.stringify(Object.fromEntries([...r.calls].sort()))}`);
    t.deepEqual(r.problems, [], msg);
    // The fuzz reached every outcome, so a parser that refuses everything cannot pass.
    for (const kind of ['counter', 'gauge', 'timer', 'set', 'event', 'check', 'bad:no-type', 'bad:type', 'bad:value', 'bad:rate', 'bad:name', 'bad:event']) {
      t.true((r.calls.get(kind) ?? 0) > 20, `${kind}: ${r.calls.get(kind) ?? 0} calls; ${msg}`);
    }
  });
}

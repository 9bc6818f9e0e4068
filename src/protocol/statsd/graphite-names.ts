/**
 * An interval's figures as the lines statsd's Graphite backend writes
 * (`name value timestamp`), with its names: the legacy namespace by default
 * (`stats.NAME` rate, `stats_counts.NAME` count, `stats.timers.NAME.*`,
 * `stats.gauges.NAME`, `stats.sets.NAME.count`), or the newer one
 * (`stats.counters.NAME.rate`, …) with its prefixes and suffix. Tags stay at
 * the end of a name (`stats.timers.api.upper_90;env=prod`).
 */
import type { IntervalData } from './aggregator';
import { HistogramRule, timerFigures } from './timer-figures';

export interface GraphiteNaming {
  legacyNamespace: boolean;
  globalPrefix: string;
  prefixCounter: string;
  prefixTimer: string;
  prefixGauge: string;
  prefixSet: string;
  /** Appended to every name (before the tags); empty for none. */
  globalSuffix: string;
  prefixStats: string;
  /** Also write each counter's count beside its rate (statsd's flush_counts). */
  flushCounts: boolean;
}

export const DEFAULT_NAMING: GraphiteNaming = {
  legacyNamespace: true,
  globalPrefix: 'stats',
  prefixCounter: 'counters',
  prefixTimer: 'timers',
  prefixGauge: 'gauges',
  prefixSet: 'sets',
  globalSuffix: '',
  prefixStats: 'statsd',
  flushCounts: true,
};

export interface FlushFigures {
  intervalMs: number;
  /** Unix seconds written with every line: the end of the interval. */
  timestamp: number;
  percentThresholds: readonly number[];
  histogram: readonly HistogramRule[];
  /** How long the flush took to compute, ms (statsd's processing_time). */
  processingMs: number;
  /** The Graphite writer's own figures: last_exception, last_flush, flush_time, flush_length. */
  writer: ReadonlyArray<[string, number]>;
}

/** The namespaces statsd builds from the prefixes. */
function namespaces(n: GraphiteNaming): { global: string[]; counter: string[]; timer: string[]; gauge: string[]; set: string[] } {
  if (n.legacyNamespace) return { global: ['stats'], counter: ['stats'], timer: ['stats', 'timers'], gauge: ['stats', 'gauges'], set: ['stats', 'sets'] };
  const base = n.globalPrefix === '' ? [] : [n.globalPrefix];
  const withPrefix = (p: string): string[] => (p === '' ? [...base] : [...base, p]);
  return { global: base, counter: withPrefix(n.prefixCounter), timer: withPrefix(n.prefixTimer), gauge: withPrefix(n.prefixGauge), set: withPrefix(n.prefixSet) };
}

/** Names handled between two looks at the clock: a few milliseconds of work. */
const BATCH = 500;

/** Every line of the interval at once (tests, small intervals). */
export function graphiteLines(data: IntervalData, naming: GraphiteNaming, f: FlushFigures): string[] {
  const out: string[] = [];
  for (const chunk of graphiteLineChunks(data, naming, f)) out.push(...chunk);
  return out;
}

/**
 * The interval's lines in chunks of a few hundred names, so a writer can give
 * the event loop a turn between chunks. calculationtime counts only the time
 * spent computing, not the pauses between chunks.
 */
export function* graphiteLineChunks(data: IntervalData, naming: GraphiteNaming, f: FlushFigures): Generator<string[], void, void> {
  let busy = 0;
  let resumed = Date.now();
  const ns = namespaces(naming);
  const suffix = naming.globalSuffix === '' ? '' : `.${naming.globalSuffix}`;
  const ts = ` ${f.timestamp}`;
  let lines: string[] = [];
  const add = (name: string, value: number): void => {
    lines.push(`${name} ${value}${ts}`);
  };
  // Built by concatenation, without arrays per line: an interval of 100,000 names makes half a
  // million lines, and less garbage means shorter collector pauses while it is written.
  const prefixOf = (namespace: string[]): string => (namespace.length === 0 ? '' : `${namespace.join('.')}.`);
  const format = (namespace: string[], key: string, ...parts: string[]): string => fmt(prefixOf(namespace), key, parts.length === 0 ? '' : `.${parts.join('.')}`);
  const fmt = (prefix: string, key: string, tail: string): string => {
    const semi = key.indexOf(';');
    return semi < 0 ? prefix + key + tail + suffix : prefix + key.slice(0, semi) + tail + suffix + key.slice(semi);
  };
  const counterPrefix = prefixOf(ns.counter);
  const timerPrefix = prefixOf(ns.timer);
  const gaugePrefix = prefixOf(ns.gauge);
  const setPrefix = prefixOf(ns.set);
  let numStats = 0;
  let inBatch = 0;
  const perSecond = f.intervalMs / 1000;
  function* batchDone(): Generator<string[], void, void> {
    if (++inBatch < BATCH) return;
    inBatch = 0;
    busy += Date.now() - resumed;
    const out = lines;
    lines = [];
    yield out;
    resumed = Date.now();
  }
  for (const [key, value] of data.counters) {
    if (naming.legacyNamespace) {
      add(fmt(counterPrefix, key, ''), value / perSecond);
      if (naming.flushCounts) add(fmt('stats_counts.', key, ''), value);
    } else {
      add(fmt(counterPrefix, key, '.rate'), value / perSecond);
      if (naming.flushCounts) add(fmt(counterPrefix, key, '.count'), value);
    }
    numStats++;
    yield* batchDone();
  }
  for (const [key, samples] of data.timers) {
    const rule = f.histogram.find((r) => key.includes(r.metric));
    for (const [figure, value] of timerFigures(samples, f.percentThresholds, f.intervalMs, rule?.bins)) {
      add(fmt(timerPrefix, key, `.${figure}`), value);
    }
    numStats++;
    yield* batchDone();
  }
  for (const [key, value] of data.gauges) {
    add(fmt(gaugePrefix, key, ''), value);
    numStats++;
    yield* batchDone();
  }
  for (const [key, members] of data.sets) {
    add(fmt(setPrefix, key, '.count'), members.size);
    numStats++;
    yield* batchDone();
  }
  busy += Date.now() - resumed;
  const statsNs = [...ns.global, naming.prefixStats].join('.');
  if (naming.legacyNamespace) {
    add(`${naming.prefixStats}.numStats${suffix}`, numStats);
    add(`stats.${naming.prefixStats}.graphiteStats.calculationtime${suffix}`, busy);
    add(`stats.${naming.prefixStats}.processing_time${suffix}`, f.processingMs);
  } else {
    add(format(ns.global, naming.prefixStats, 'numStats'), numStats);
    add(format(ns.global, naming.prefixStats, 'graphiteStats', 'calculationtime'), busy);
    add(format(ns.global, naming.prefixStats, 'processing_time'), f.processingMs);
  }
  for (const [name, value] of f.writer) add(`${statsNs}.graphiteStats.${name}${suffix}`, value);
  yield lines;
}

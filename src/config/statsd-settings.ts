/**
 * The settings of the statsd source and the Graphite sink: rows of the one
 * settings table (oxd-settings.ts), kept here because there are many and
 * they belong together. Names follow statsd's own settings where statsd has
 * one (percentThreshold, deleteIdleStats, prefixStats, the graphite
 * namespace prefixes), as flat oxd.conf keys.
 */
import type { Endpoint } from '../protocol/endpoint';
import type { MetricKind } from '../protocol/statsd/aggregator';
import type { HistogramRule } from '../protocol/statsd/timer-figures';
import { boolean, integer, optionalEndpoint } from './setting-values';

export const DEFAULT_STATSD_PORT = 8125;
export const DEFAULT_CARBON_PORT = 2003;

export interface StatsdSettings {
  statsd: Endpoint | null;
  statsdFlushMs: number;
  statsdPercentThresholds: number[];
  statsdDeleteIdle: MetricKind[];
  statsdMaxNames: number;
  statsdMaxTimerSamples: number;
  statsdReceiveBuffer: number;
  statsdHistogram: HistogramRule[];
  statsdPrefixStats: string;
  statsdMergeDelayMs: number;
  statsdPerHost: boolean;
  graphite: Endpoint | null;
  graphiteLegacyNamespace: boolean;
  graphiteGlobalPrefix: string;
  graphitePrefixCounter: string;
  graphitePrefixTimer: string;
  graphitePrefixGauge: string;
  graphitePrefixSet: string;
  graphiteGlobalSuffix: string;
  graphiteFlushCounts: boolean;
  graphiteQueueLines: number;
  graphiteSchemas: string | null;
}

export const STATSD_DEFAULTS: StatsdSettings = {
  statsd: null,
  statsdFlushMs: 10_000,
  statsdPercentThresholds: [90],
  statsdDeleteIdle: [],
  statsdMaxNames: 200_000,
  statsdMaxTimerSamples: 10_000,
  statsdReceiveBuffer: 8 * 1024 * 1024,
  statsdHistogram: [],
  statsdPrefixStats: 'statsd',
  statsdMergeDelayMs: 1000,
  statsdPerHost: false,
  graphite: null,
  graphiteLegacyNamespace: true,
  graphiteGlobalPrefix: 'stats',
  graphitePrefixCounter: 'counters',
  graphitePrefixTimer: 'timers',
  graphitePrefixGauge: 'gauges',
  graphitePrefixSet: 'sets',
  graphiteGlobalSuffix: '',
  graphiteFlushCounts: true,
  graphiteQueueLines: 1_000_000,
  graphiteSchemas: '/etc/carbon/storage-schemas.conf',
};

interface Row<K extends keyof StatsdSettings> {
  key: string;
  field: K;
  allowed: string;
  parse(value: unknown): StatsdSettings[K] | undefined;
}

/** A Graphite name part: empty, or letters, digits, _ and - joined by dots. */
function namePart(value: unknown): string | undefined {
  return typeof value === 'string' && /^([A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)?$/.test(value) ? value : undefined;
}

/** A list given as a TOML array or as text separated by commas or blanks. */
function list(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value.trim() === '' ? [] : value.trim().split(/\s*[,\s]\s*/);
  if (typeof value === 'number') return [value];
  return undefined;
}

function thresholds(value: unknown): number[] | undefined {
  const items = list(value);
  if (items === undefined || items.length === 0) return undefined;
  const out = items.map((v) => (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v));
  return out.every((v) => typeof v === 'number' && Number.isFinite(v) && v !== 0 && v >= -100 && v <= 100) ? (out as number[]) : undefined;
}

const KINDS: MetricKind[] = ['counters', 'timers', 'sets', 'gauges'];

function deleteIdle(value: unknown): MetricKind[] | undefined {
  if (value === 'all' || value === true) return [...KINDS];
  if (value === 'none' || value === false) return [];
  const items = list(value);
  if (items === undefined) return undefined;
  return items.every((v) => KINDS.includes(v as MetricKind)) ? [...new Set(items as MetricKind[])] : undefined;
}

/** `name:bound,bound,…,inf; name:…` — statsd's histogram rules. */
function histogram(value: unknown): HistogramRule[] | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.trim() === '') return [];
  const rules: HistogramRule[] = [];
  for (const part of value.split(';')) {
    const m = /^\s*([^:\s]+)\s*:\s*(.+?)\s*$/.exec(part);
    if (m === null) return undefined;
    const bins = m[2].split(/\s*,\s*/).map((b) => (b === 'inf' ? 'inf' : /^\d+(\.\d+)?$/.test(b) ? Number(b) : NaN));
    if (bins.some((b) => b !== 'inf' && Number.isNaN(b))) return undefined;
    rules.push({ metric: m[1], bins: bins as Array<number | 'inf'> });
  }
  return rules;
}

export const STATSD_ROWS: { [K in keyof StatsdSettings]: Row<K> } = {
  statsd: {
    key: 'statsd',
    field: 'statsd',
    allowed: `empty (no statsd source) or host[:port] (default port ${DEFAULT_STATSD_PORT}) to receive statsd lines on, UDP and TCP`,
    parse: optionalEndpoint(DEFAULT_STATSD_PORT),
  },
  statsdFlushMs: { key: 'statsd_flush_ms', field: 'statsdFlushMs', allowed: 'milliseconds from 1000 to 3600000, a whole number of seconds', parse: (v) => { const n = integer(1000, 3_600_000)(v); return n !== undefined && n % 1000 === 0 ? n : undefined; } },
  statsdPercentThresholds: {
    key: 'statsd_percent_thresholds',
    field: 'statsdPercentThresholds',
    allowed: 'one or more percentages from -100 to 100, not 0 (e.g. [90, 99]); negative ones count from the top',
    parse: thresholds,
  },
  statsdDeleteIdle: {
    key: 'statsd_delete_idle',
    field: 'statsdDeleteIdle',
    allowed: `"none", "all", or a list of ${KINDS.join(', ')}`,
    parse: deleteIdle,
  },
  statsdMaxNames: { key: 'statsd_max_names', field: 'statsdMaxNames', allowed: 'a number of metric names from 100 to 10000000', parse: integer(100, 10_000_000) },
  statsdMaxTimerSamples: {
    key: 'statsd_max_timer_samples',
    field: 'statsdMaxTimerSamples',
    allowed: 'a number of samples from 10 to 10000000',
    parse: integer(10, 10_000_000),
  },
  statsdReceiveBuffer: {
    key: 'statsd_receive_buffer',
    field: 'statsdReceiveBuffer',
    allowed: 'a number of bytes from 65536 to 1073741824 (the kernel caps it at net.core.rmem_max)',
    parse: integer(65536, 1024 * 1024 * 1024),
  },
  statsdHistogram: {
    key: 'statsd_histogram',
    field: 'statsdHistogram',
    allowed: 'empty, or rules "NAME:BOUND,BOUND,...[,inf]" separated by ";" (a timer whose name contains NAME gets those bins)',
    parse: histogram,
  },
  statsdPrefixStats: { key: 'statsd_prefix_stats', field: 'statsdPrefixStats', allowed: 'a Graphite name part (letters, digits, _ and -, dots between)', parse: (v) => (v === '' ? undefined : namePart(v)) },
  statsdMergeDelayMs: {
    key: 'statsd_merge_delay_ms',
    field: 'statsdMergeDelayMs',
    allowed: 'milliseconds from 0 to 60000 (at most half of statsd_flush_ms is used): how long after a window ends an oxd writing to carbon waits for the intervals of the oxds below it',
    parse: integer(0, 60_000),
  },
  statsdPerHost: {
    key: 'statsd_per_host',
    field: 'statsdPerHost',
    allowed: 'true or false: an oxd writing to carbon also writes each host\'s own series, tagged host=NAME',
    parse: boolean,
  },
  graphite: {
    key: 'graphite',
    field: 'graphite',
    allowed: `empty (write to no carbon) or host[:port] of carbon's plaintext receiver (default port ${DEFAULT_CARBON_PORT})`,
    parse: optionalEndpoint(DEFAULT_CARBON_PORT),
  },
  graphiteLegacyNamespace: { key: 'graphite_legacy_namespace', field: 'graphiteLegacyNamespace', allowed: 'true or false', parse: boolean },
  graphiteGlobalPrefix: { key: 'graphite_global_prefix', field: 'graphiteGlobalPrefix', allowed: 'empty or a Graphite name part', parse: namePart },
  graphitePrefixCounter: { key: 'graphite_prefix_counter', field: 'graphitePrefixCounter', allowed: 'empty or a Graphite name part', parse: namePart },
  graphitePrefixTimer: { key: 'graphite_prefix_timer', field: 'graphitePrefixTimer', allowed: 'empty or a Graphite name part', parse: namePart },
  graphitePrefixGauge: { key: 'graphite_prefix_gauge', field: 'graphitePrefixGauge', allowed: 'empty or a Graphite name part', parse: namePart },
  graphitePrefixSet: { key: 'graphite_prefix_set', field: 'graphitePrefixSet', allowed: 'empty or a Graphite name part', parse: namePart },
  graphiteGlobalSuffix: { key: 'graphite_global_suffix', field: 'graphiteGlobalSuffix', allowed: 'empty or a Graphite name part', parse: namePart },
  graphiteFlushCounts: { key: 'graphite_flush_counts', field: 'graphiteFlushCounts', allowed: 'true or false', parse: boolean },
  graphiteQueueLines: {
    key: 'graphite_queue_lines',
    field: 'graphiteQueueLines',
    allowed: 'a number of lines from 1000 to 100000000 kept while carbon is away',
    parse: integer(1000, 100_000_000),
  },
  graphiteSchemas: {
    key: 'graphite_schemas',
    field: 'graphiteSchemas',
    allowed: "empty (no check) or the path of carbon's storage-schemas.conf",
    parse: (v) => (typeof v !== 'string' ? undefined : v === '' ? null : v.includes('\0') ? undefined : v),
  },
};

/**
 * Every setting of oxd: its key, default, what is allowed, and how a value
 * given as text (flag, environment) or as a typed value (config file) becomes
 * a checked setting. One table, so flags, environment and file can never
 * disagree about what a setting means.
 */
import {
  DEFAULT_COLLECT_PORT,
  DEFAULT_CONTROL_PORT,
  DEFAULT_HOST,
  Endpoint,
} from '../protocol/endpoint';
import { ConfigError } from './errors';
import { integer, endpoint, endpointList } from './setting-values';
import { STATSD_DEFAULTS, STATSD_ROWS, StatsdSettings } from './statsd-settings';
import { LINK_DEFAULTS, LINK_ROWS, LinkSettings } from './link-settings';
import { SPOOL_DEFAULTS, SPOOL_ROWS, SpoolSettings } from './spool-settings';
import { SYSLOG_DEFAULTS, SYSLOG_ROWS, SyslogSettings } from './syslog-settings';

export interface OxdSettings extends StatsdSettings, SyslogSettings, SpoolSettings, LinkSettings {
  collect: Endpoint;
  control: Endpoint;
  /** The upstreams, in order of preference (the first is used while it answers); null: no forwarding. */
  forward: Endpoint[] | null;
  /** Without a connection to the upstream in use for this long, the next one in `forward` is used. */
  forwardFailoverMs: number;
  logPath: string | null;
  /** 0: daily files; 1..12: a file every that many hours. */
  rotateHours: number;
  streamRange: [number, number];
  maxEventSize: number;
  verbosity: number;
  flushIntervalMs: number;
  idleCloseMs: number;
  handshakeTimeoutMs: number;
  forwardSpoolBytes: number;
  drainTimeoutMs: number;
  /** The local socket for administrative requests (oxctl shutdown, forward); null: none. */
  adminSocket: string | null;
}

export const DEFAULTS: OxdSettings = {
  collect: { host: DEFAULT_HOST, port: DEFAULT_COLLECT_PORT },
  control: { host: DEFAULT_HOST, port: DEFAULT_CONTROL_PORT },
  forward: null,
  forwardFailoverMs: 30_000,
  logPath: null,
  rotateHours: 0,
  streamRange: [35000, 35999],
  maxEventSize: 1024 * 1024,
  verbosity: 0,
  flushIntervalMs: 200,
  idleCloseMs: 60_000,
  handshakeTimeoutMs: 10_000,
  forwardSpoolBytes: 64 * 1024 * 1024,
  drainTimeoutMs: 2_000,
  adminSocket: '/run/blueox/oxd-admin.sock',
  ...STATSD_DEFAULTS,
  ...SYSLOG_DEFAULTS,
  ...SPOOL_DEFAULTS,
  ...LINK_DEFAULTS,
};

export interface SettingSpec<K extends keyof OxdSettings> {
  /** The name in oxd.conf, and in messages. */
  key: string;
  field: K;
  allowed: string;
  parse(value: unknown): OxdSettings[K] | undefined;
}

function portRange(value: unknown): [number, number] | undefined {
  const parts = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.trim().split(/\s*[-\s,:]\s*/)
      : [];
  if (parts.length !== 2) return undefined;
  const [lo, hi] = parts.map(integer(1, 65535));
  return lo !== undefined && hi !== undefined && lo <= hi ? [lo, hi] : undefined;
}

const SPECS: { [K in keyof OxdSettings]: SettingSpec<K> } = {
  collect: { key: 'collect', field: 'collect', allowed: 'host, host:port, *:port or [ipv6]:port', parse: endpoint(DEFAULT_COLLECT_PORT) },
  control: { key: 'control', field: 'control', allowed: 'host, host:port, *:port or [ipv6]:port', parse: endpoint(DEFAULT_CONTROL_PORT) },
  forward: {
    key: 'forward',
    field: 'forward',
    allowed: 'empty (no forwarding), or the host[:port] of the collect port of another oxd, or several separated by commas (the first used while it answers, the next after forward_failover_ms without it)',
    parse: (v) => (v === '' || v === false ? null : endpointList(DEFAULT_COLLECT_PORT)(v)),
  },
  forwardFailoverMs: {
    key: 'forward_failover_ms',
    field: 'forwardFailoverMs',
    allowed: 'milliseconds from 100 to 3600000: how long without a connection to the upstream in use before the next one in forward is used',
    parse: integer(100, 3_600_000),
  },
  logPath: {
    key: 'log_path',
    field: 'logPath',
    allowed: 'empty (write no files) or a folder path',
    parse: (v) => (typeof v !== 'string' ? undefined : v === '' ? null : v.includes('\0') ? undefined : v),
  },
  rotateHours: { key: 'rotate_hours', field: 'rotateHours', allowed: 'an integer from 0 (daily files) to 12', parse: integer(0, 12) },
  streamRange: {
    key: 'stream_range',
    field: 'streamRange',
    allowed: 'two port numbers MIN MAX with 1 <= MIN <= MAX <= 65535',
    parse: portRange,
  },
  maxEventSize: {
    key: 'max_event_size',
    field: 'maxEventSize',
    allowed: 'a number of bytes from 1024 to 268435456',
    parse: integer(1024, 256 * 1024 * 1024),
  },
  verbosity: { key: 'verbosity', field: 'verbosity', allowed: 'an integer from 0 (notices) to 2 (debug)', parse: integer(0, 2) },
  flushIntervalMs: {
    key: 'flush_interval_ms',
    field: 'flushIntervalMs',
    allowed: 'milliseconds from 10 to 1000',
    parse: integer(10, 1000),
  },
  idleCloseMs: { key: 'idle_close_ms', field: 'idleCloseMs', allowed: 'milliseconds from 1000 to 3600000', parse: integer(1000, 3_600_000) },
  handshakeTimeoutMs: {
    key: 'handshake_timeout_ms',
    field: 'handshakeTimeoutMs',
    allowed: 'milliseconds from 100 to 600000',
    parse: integer(100, 600_000),
  },
  forwardSpoolBytes: {
    key: 'forward_spool_bytes',
    field: 'forwardSpoolBytes',
    allowed: 'a number of bytes from 65536 to 17179869184',
    parse: integer(65536, 16 * 1024 * 1024 * 1024),
  },
  drainTimeoutMs: { key: 'drain_timeout_ms', field: 'drainTimeoutMs', allowed: 'milliseconds from 0 to 60000', parse: integer(0, 60_000) },
  adminSocket: {
    key: 'admin_socket',
    field: 'adminSocket',
    allowed: 'empty (no administrative socket) or an absolute path of at most 100 bytes',
    parse: (v) =>
      typeof v !== 'string' ? undefined : v === '' ? null : v.startsWith('/') && Buffer.byteLength(v) <= 100 && !v.includes('\0') ? v : undefined,
  },
  ...STATSD_ROWS,
  ...SYSLOG_ROWS,
  ...SPOOL_ROWS,
  ...LINK_ROWS,
};

/** Parses one value for `field`, throwing a ConfigError that names `source`. */
export function parseSetting<K extends keyof OxdSettings>(field: K, value: unknown, source: string): OxdSettings[K] {
  const spec = SPECS[field] as SettingSpec<K>;
  const parsed = spec.parse(value);
  if (parsed === undefined) throw new ConfigError(source, spec.key, spec.allowed, value);
  return parsed;
}

/** The setting a config-file key (or OXD_<KEY> variable) names, or undefined. */
export function fieldForKey(key: string): keyof OxdSettings | undefined {
  return (Object.keys(SPECS) as (keyof OxdSettings)[]).find((f) => SPECS[f].key === key);
}

/** Every config-file key, in the order the settings are documented. */
export function settingKeys(): string[] {
  return Object.values(SPECS).map((s) => s.key);
}

/** The config-file key of a setting (log_path for logPath). */
export function keyOf(field: keyof OxdSettings): string {
  return SPECS[field].key;
}

/**
 * The settings a check file may give once for many checks: in `[defaults]`
 * (every check and scenario of the file), in a `[[scenario]]` (its steps),
 * and in the check or step itself, the most specific one winning. Each value
 * keeps the table it was written in, so an error found when values from
 * several tables meet (a jitter longer than the interval) names the line
 * where it was written.
 */
import { FileTable } from './file-table';

export interface Sourced<T> {
  value: T;
  table: FileTable;
  key: string;
}

export interface Threshold {
  failures: number;
  window: number;
}

export interface Layer {
  timeoutMs?: Sourced<number>;
  redirects?: Sourced<number>;
  maxBodyBytes?: Sourced<number>;
  tlsVerify?: Sourced<boolean>;
  tlsCa?: Sourced<string>;
  tlsCert?: Sourced<string>;
  tlsKey?: Sourced<string>;
  /** By lower-case name: the name as written and its value. */
  headers: ReadonlyMap<string, Sourced<[string, string]>>;
  intervalMs?: Sourced<number>;
  jitterMs?: Sourced<number>;
  retries?: Sourced<number>;
  threshold?: Sourced<Threshold>;
}

export const EMPTY_LAYER: Layer = { headers: new Map() };

/** What a request may take from the layers above it. */
export const REQUEST_LAYER_KEYS = ['timeout', 'redirects', 'max_body', 'tls', 'headers'] as const;
/** How often a check or scenario runs and when its failures count. */
export const SCHEDULE_KEYS = ['interval', 'jitter', 'retries', 'threshold'] as const;

export const ALLOWED = {
  timeout: 'a duration from 1ms to 10m, such as "250ms" or "5s"',
  redirects: 'an integer from 0 (redirects are not followed) to 20',
  maxBody: 'a size from 1 byte to 1GiB: a number of bytes, or a text such as "64KiB" or "1MiB"',
  tls: 'a table of verify, ca, cert and key',
  headers: 'a table of header names and values, such as { Accept = "application/json" }',
  headerName: "a header name holds only letters, digits and !#$%&'*+.^_`|~-",
  headerValue: 'a text without line breaks',
  interval: 'a duration from 100ms to 24h, such as "30s" or "5m"',
  jitter: 'a duration from 0s to 24h, such as "5s", and no longer than the interval',
  retries: 'an integer from 0 to 10',
  threshold: '"N of M" with 1 <= N <= M <= 100, such as "3 of 5" (the check is failing when N of its last M runs failed)',
};

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Set by the probe from the body it sends; a value written here could only disagree with it.
const COMPUTED_HEADERS = ['content-length', 'transfer-encoding'];
const THRESHOLD = /^(\d+) of (\d+)$/;

/** `base` with the layer keys that `t` sets put over it (the caller has refused unknown keys). */
export function readLayer(t: FileTable, base: Layer): Layer {
  const layer: Layer = { ...base, headers: new Map(base.headers) };
  const sourced = <T>(value: T | undefined, key: string, table = t): Sourced<T> | undefined =>
    value === undefined ? undefined : { value, table, key };
  const set = <K extends keyof Layer>(field: K, value: Layer[K] | undefined): void => {
    if (value !== undefined) layer[field] = value;
  };

  set('timeoutMs', sourced(t.duration('timeout', 1, 600_000, ALLOWED.timeout), 'timeout'));
  set('redirects', sourced(t.integer('redirects', 0, 20, ALLOWED.redirects), 'redirects'));
  set('maxBodyBytes', sourced(t.size('max_body', 1, 1024 ** 3, ALLOWED.maxBody), 'max_body'));
  const tls = t.table('tls', ALLOWED.tls);
  if (tls !== undefined) {
    tls.only(['verify', 'ca', 'cert', 'key'], `${tls.name()} (a table)`);
    set('tlsVerify', sourced(tls.boolean('verify'), 'verify', tls));
    set('tlsCa', sourced(tls.filePath('ca'), 'ca', tls));
    set('tlsCert', sourced(tls.filePath('cert'), 'cert', tls));
    set('tlsKey', sourced(tls.filePath('key'), 'key', tls));
  }
  const headers = t.table('headers', ALLOWED.headers);
  if (headers !== undefined) {
    const merged = new Map(base.headers);
    for (const name of headers.keys()) {
      const value = headers.get(name);
      if (!HEADER_NAME.test(name)) throw headers.error(name, `${headers.name(name)} is not a header name`, ALLOWED.headerName);
      if (COMPUTED_HEADERS.includes(name.toLowerCase())) {
        throw headers.error(name, `${headers.name(name)} is not allowed`, `${COMPUTED_HEADERS.join(' and ')} are set by oxpoke from the body it sends`);
      }
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw headers.bad(name, ALLOWED.headerValue);
      if (merged.get(name.toLowerCase())?.table === headers) {
        throw headers.error(name, `${headers.name(name)} is given twice`, 'header names are compared without regard to case; give each once');
      }
      merged.set(name.toLowerCase(), { value: [name, value], table: headers, key: name });
    }
    layer.headers = merged;
  }
  set('intervalMs', sourced(t.duration('interval', 100, 86_400_000, ALLOWED.interval), 'interval'));
  set('jitterMs', sourced(t.duration('jitter', 0, 86_400_000, ALLOWED.jitter), 'jitter'));
  set('retries', sourced(t.integer('retries', 0, 10, ALLOWED.retries), 'retries'));
  const threshold = t.get('threshold');
  if (threshold !== undefined) {
    const match = typeof threshold === 'string' ? THRESHOLD.exec(threshold.trim()) : null;
    const failures = Number(match?.[1]);
    const window = Number(match?.[2]);
    if (match === null || failures < 1 || failures > window || window > 100) throw t.bad('threshold', ALLOWED.threshold);
    layer.threshold = { value: { failures, window }, table: t, key: 'threshold' };
  }
  return layer;
}

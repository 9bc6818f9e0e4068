/**
 * How a setting's value, from a flag or the environment (text) or from
 * oxd.conf (typed TOML), is read: each returns undefined for a value that is
 * not allowed, and the settings table turns that into an error naming the
 * key and what is allowed.
 */
import { Endpoint, parseEndpoint } from '../protocol/endpoint';

export function integer(min: number, max: number) {
  return (value: unknown): number | undefined => {
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  };
}

export function endpoint(defaultPort: number) {
  return (value: unknown): Endpoint | undefined => {
    if (typeof value !== 'string') return undefined;
    try {
      return parseEndpoint(value, defaultPort);
    } catch {
      return undefined;
    }
  };
}

/**
 * One address or several, separated by commas or spaces (a TOML array of
 * them in oxd.conf): a forwarding oxd's upstreams, in order of preference.
 */
export function endpointList(defaultPort: number) {
  const parse = endpoint(defaultPort);
  return (value: unknown): Endpoint[] | undefined => {
    const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/).filter((p) => p !== '') : null;
    if (parts === null || parts.length === 0) return undefined;
    const list = parts.map(parse);
    return list.every((e): e is Endpoint => e !== undefined) ? list : undefined;
  };
}

/** An address that may be empty: the feature is off. */
export function optionalEndpoint(defaultPort: number) {
  const parse = endpoint(defaultPort);
  return (value: unknown): Endpoint | null | undefined => (value === '' || value === false ? null : parse(value));
}

export function boolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'yes' || value === '1') return true;
  if (value === 'false' || value === 'no' || value === '0') return false;
  return undefined;
}

/** A file's path that may be empty (not given). */
export function optionalPath(value: unknown): string | null | undefined {
  if (typeof value !== 'string') return undefined;
  return value === '' ? null : value.includes('\0') ? undefined : value;
}

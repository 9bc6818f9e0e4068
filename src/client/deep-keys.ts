/**
 * Dotted keys build nested maps, as in the original: set("response.status",
 * 200) gives {response: {status: 200}}. Every part is a string key (the
 * original turned numeric parts into integer keys; JavaScript objects and
 * the maps JavaScript readers decode have string keys).
 */

export type Data = { [key: string]: unknown };

function isMap(v: unknown): v is Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * The map that holds the last part of `key`, creating missing levels.
 * A level that holds something other than a map is replaced by one, as a
 * later set() replaces an earlier value.
 */
function holder(data: Data, parts: string[]): Data {
  let level = data;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = level[parts[i]];
    if (isMap(next)) level = next;
    else level = level[parts[i]] = {};
  }
  return level;
}

export function setDeep(data: Data, key: string, value: unknown): void {
  if (key.indexOf('.') < 0) {
    data[key] = value;
    return;
  }
  const parts = key.split('.');
  holder(data, parts)[parts[parts.length - 1]] = value;
}

export function getDeep(data: Data, key: string): unknown {
  let level: unknown = data;
  for (const part of key.split('.')) {
    if (!isMap(level)) return undefined;
    level = level[part];
  }
  return level;
}

/** Appends to the list at `key`, starting one when there is none. */
export function appendDeep(data: Data, key: string, value: unknown): void {
  const parts = key.split('.');
  const level = holder(data, parts);
  const last = parts[parts.length - 1];
  const list = level[last];
  if (Array.isArray(list)) list.push(value);
  else level[last] = [value];
}

/** Adds `n` to the number at `key`, starting from 0. */
export function addDeep(data: Data, key: string, n: number): void {
  const parts = key.split('.');
  const level = holder(data, parts);
  const last = parts[parts.length - 1];
  const current = level[last];
  level[last] = (typeof current === 'number' ? current : 0) + n;
}

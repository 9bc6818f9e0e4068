/**
 * statsd's key sanitising, so a name means the same series here as there:
 * DogStatsD tags appended as `;k=v` (Graphite's tagged-series syntax), runs
 * of white space to `_`, `/` to `-`, and anything outside `[A-Za-z0-9_.;=-]`
 * removed. Names that are already clean (nearly all of them) are returned
 * without building a new string.
 */

/** Longer names are refused: Graphite's whisper paths and carbon's line limit. */
export const MAX_NAME_LENGTH = 512;

const ALLOWED = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.;=') ALLOWED[c.charCodeAt(0)] = 1;

/**
 * The sanitised name for `text[start, end)` with the tag list `tags`
 * (comma-separated, may be empty); null when nothing usable is left.
 */
export function sanitizeKey(text: string, start: number, end: number, tags: string): string | null {
  let clean = true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || ALLOWED[c] === 0) {
      clean = false;
      break;
    }
  }
  let key = text.slice(start, end);
  // Tags need a name to go with: ":1|c|#env:prod" has none.
  if (end === start || (!clean && sanitize(key) === '')) return null;
  if (tags.length > 0) {
    key += ';' + tags.split(',').map((t) => t.replace(';', '_').replace(':', '=')).join(';');
    clean = false;
  }
  if (!clean) key = sanitize(key);
  // "__proto__" cannot be a key of the maps that carry intervals between oxds.
  return key.length === 0 || key.length > MAX_NAME_LENGTH || key === '__proto__' ? null : key;
}

/** The same three replacements statsd applies, in its order. */
export function sanitize(key: string): string {
  return key
    .replace(/\s+/g, '_')
    .replace(/\//g, '-')
    .replace(/[^a-zA-Z_\-0-9.;=]/g, '');
}

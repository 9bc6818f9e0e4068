/**
 * The JSON paths of expect.json and captures: `$` (the whole document), then
 * any number of `.name` (letters, digits, `_`, `-`), `["name"]` or `['name']`
 * (any name, with `\\` and `\"` or `\'` escapes) and `[N]` (an array element,
 * from 0; negative counts from the end, `[-1]` is the last). No wildcards or
 * filters: a path names one value.
 */

export type JsonPathSegment = string | number;

const NAME = /[A-Za-z0-9_-]+/y;
const INDEX = /\[(-?\d+)\]/y;

/** The segments of `text`, or undefined when it is not a path of this form. */
export function parseJsonPath(text: string): JsonPathSegment[] | undefined {
  if (!text.startsWith('$')) return undefined;
  const segments: JsonPathSegment[] = [];
  let pos = 1;
  while (pos < text.length) {
    if (text[pos] === '.') {
      NAME.lastIndex = pos + 1;
      const match = NAME.exec(text);
      if (match === null) return undefined;
      segments.push(match[0]);
      pos = NAME.lastIndex;
    } else if (text[pos] === '[' && (text[pos + 1] === '"' || text[pos + 1] === "'")) {
      const quote = text[pos + 1];
      let name = '';
      pos += 2;
      for (;;) {
        const c = text[pos++];
        if (c === undefined) return undefined;
        if (c === quote) break;
        name += c === '\\' ? text[pos++] ?? '' : c;
      }
      if (text[pos++] !== ']') return undefined;
      segments.push(name);
    } else {
      INDEX.lastIndex = pos;
      const match = INDEX.exec(text);
      if (match === null) return undefined;
      segments.push(Number(match[1]));
      pos = INDEX.lastIndex;
    }
  }
  return segments;
}

/** The value `path` names in `doc`, or found: false when there is none. */
export function findJsonPath(doc: unknown, path: readonly JsonPathSegment[]): { found: true; value: unknown } | { found: false } {
  let value = doc;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(value)) return { found: false };
      const index = segment < 0 ? value.length + segment : segment;
      if (index < 0 || index >= value.length) return { found: false };
      value = value[index];
    } else {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return { found: false };
      if (!Object.prototype.hasOwnProperty.call(value, segment)) return { found: false };
      value = (value as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value };
}

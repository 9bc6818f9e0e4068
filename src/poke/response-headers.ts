/**
 * An answer's header lines as one record of lower-case names to texts, made
 * the way the HTTP probe sees them through Node (http-exchange.ts
 * flattenHeaders), so that `oxpoke load`'s own parser (http-response-parser.ts)
 * hands the assertions the very same headers:
 * - names in lower case, values with the whitespace around them removed,
 *   bytes read as Latin-1 (as Node reads them);
 * - a repeated header joined with `, ` (the empty value too: `, z`), cookie
 *   with `; `, set-cookie with `, ` (Node keeps a list, which the probe joins
 *   so);
 * - of the headers that may only come once (content-type, location, server,
 *   ...), the first, the later ones dropped, as Node drops them.
 * Nothing is inherited by the record, so a header called `constructor` or
 * `__proto__` is a header like any other.
 */

/** Headers of which Node keeps the first and drops the rest. */
const FIRST_ONLY = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after',
  'server', 'user-agent',
]);

export type HeaderRecord = Record<string, string>;

/**
 * Records whose prototype is an empty object without one: no `constructor` or `__proto__` inherited, and,
 * unlike Object.create(null), objects V8 keeps in its fast mode (a third of the cost per answer).
 */
const NoPrototype = function NoPrototype(): void {} as unknown as { new (): HeaderRecord; prototype: object };
NoPrototype.prototype = Object.create(null) as object;

export function emptyHeaders(): HeaderRecord {
  return new NoPrototype();
}

/** Adds one header line (`name` already in lower case) to `headers`. */
export function addHeader(headers: HeaderRecord, name: string, value: string): void {
  const had = headers[name];
  if (had === undefined) headers[name] = value;
  else if (FIRST_ONLY.has(name)) return;
  else headers[name] = `${had}${name === 'cookie' ? '; ' : ', '}${value}`;
}

/** The last question hasToken answered: answers repeat the same Connection header. */
let lastValue = '';
let lastToken = '';
let lastAnswer = false;

/** Whether a comma-separated header value (Connection, Transfer-Encoding) holds `token`, compared without case. */
export function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  if (value === lastValue && token === lastToken) return lastAnswer;
  lastAnswer = holdsToken(value, token);
  lastValue = value;
  lastToken = token;
  return lastAnswer;
}

function holdsToken(value: string, token: string): boolean {
  // The usual answers (`keep-alive`, `close`) are one token: no need to split.
  if (value.indexOf(',') < 0) return value.length >= token.length && value.trim().toLowerCase() === token;
  for (const part of value.split(',')) if (part.trim().toLowerCase() === token) return true;
  return false;
}

/** Whether the last transfer coding of a Transfer-Encoding value is chunked: only then is the body in chunks. */
export function lastCodingIsChunked(value: string): boolean {
  const codings = value.split(',');
  return codings[codings.length - 1].trim().toLowerCase() === 'chunked';
}

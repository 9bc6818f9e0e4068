/**
 * What `-F [TYPE:]PATH` means, and the event type a file gets when the
 * command line does not name one.
 *
 * TYPE:PATH is recognised when the part before the first ":" contains no
 * "/" (so `/srv/a:b.log` and `./x:y` are plain paths). A type inferred from
 * the file name is the base name with one trailing ".log" removed
 * (`/var/log/nginx/access.log` -> `access`, `/var/log/mail.err` ->
 * `mail.err`, `/var/log/syslog` -> `syslog`), then made safe:
 *   - control characters, whitespace, "\" and a leading "^" become "_";
 *   - empty dot-separated parts are dropped (leading, trailing or doubled
 *     dots: `.hidden.log` -> `hidden`, `a..b` -> `a.b`);
 *   - cut to 63 bytes (the meta frame's limit) at a character boundary;
 *   - what is left empty, or "__proto__", becomes "oxingest".
 * The result always passes oxd's type-name rules and the client's naming
 * rules, so every line read is an event oxd accepts.
 */
import * as path from 'node:path';
import { placeContext } from '../client/naming';
import { PASCAL_MAX } from '../protocol/meta';
import { checkTypeName, TYPE_NAME_RULES } from '../protocol/type-name';

export interface FileSpec {
  /** The event type of the file's lines. */
  type: string;
  /** The path as given (relative paths are resolved against the working directory). */
  path: string;
  /** True when the type came from the file name. */
  inferred: boolean;
}

const FALLBACK = 'oxingest';

/** Cuts `text` to at most `max` UTF-8 bytes without splitting a character. */
function cutUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > max) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** The type inferred from a file's path; see the rule above. */
export function inferTypeName(file: string): string {
  let base = path.basename(file);
  if (base.endsWith('.log') && base.length > '.log'.length) base = base.slice(0, -'.log'.length);
  // C0 and C1 controls, DEL, every kind of whitespace, backslash, slash.
  let name = base.replace(/[\u0000-\u001f\u007f-\u009f\s\\/]/gu, '_');
  if (name.startsWith('^')) name = '_' + name.slice(1);
  const tidy = (s: string): string => s.split('.').filter((part) => part !== '').join('.');
  name = tidy(cutUtf8(tidy(name), PASCAL_MAX));
  if (name === '' || checkTypeName(name) !== null || !isClientName(name)) return FALLBACK;
  return name;
}

function isClientName(name: string): boolean {
  try {
    return placeContext(name, []).name === name;
  } catch {
    return false;
  }
}

/**
 * Why `type` cannot be used as an event type, or null. A type must be a
 * name oxd accepts and an absolute context name (no leading "." or "^", no
 * empty parts such as "a..b").
 */
export function typeNameProblem(type: string): string | null {
  const problem = checkTypeName(type);
  if (problem !== null) return TYPE_NAME_RULES[problem];
  if (type.startsWith('^')) return 'the type name starts with "^" (a relative context name)';
  if (!isClientName(type)) return 'the type name has an empty part (leading, trailing or doubled ".")';
  return null;
}

/** Parses one `-F` argument; throws an Error whose message names what is wrong. */
export function parseFileSpec(spec: string): FileSpec {
  const colon = spec.indexOf(':');
  let type: string | null = null;
  let file = spec;
  if (colon >= 0 && !spec.slice(0, colon).includes('/')) {
    type = spec.slice(0, colon);
    file = spec.slice(colon + 1);
  }
  if (file === '') throw new Error(`-F ${JSON.stringify(spec)}: the path is empty`);
  if (type === null) return { type: inferTypeName(file), path: file, inferred: true };
  const problem = typeNameProblem(type);
  if (problem !== null) throw new Error(`-F ${JSON.stringify(spec)}: ${problem}`);
  return { type, path: file, inferred: false };
}

/**
 * The JSON paths a check's assertions and captures name a value by, a small
 * subset of JSONPath with no filters, no slices and no recursive descent:
 *
 * - `$`: the whole document; every path starts with it.
 * - `.name`: the member `name` of an object. A dot-name is one or more
 *   characters other than `.`, `[`, `]`, quotes, `\`, `*` and white space;
 *   any other name needs the bracket form.
 * - `['name']` or `["name"]`: the member `name`, any characters; inside the
 *   quotes `\'`, `\"` and `\\` stand for `'`, `"` and `\`, and a backslash
 *   before anything else is an error.
 * - `[n]`: element n of an array, from 0; `[-1]` is the last element, `[-2]`
 *   the one before.
 * - `[*]`: every element of an array (every member value of an object). The
 *   value found is then the list of what the rest of the path finds in each
 *   element, in order (flattened when there are several `[*]`); elements
 *   where the rest finds nothing are left out.
 *
 * Examples: `$.result`, `$.items[0].id`, `$['first name']`, `$.items[-1]`,
 * `$.items[*].id`.
 *
 * A path finds nothing (`found: false`) when a member is missing, an index is
 * out of range, or a step meets a value of the wrong kind (a name on an array,
 * an index on an object). A path with `[*]` is found when the value it is
 * applied to is an array or an object, even if the list is empty.
 *
 * Paths are read once (compile, when the check file is read) and never
 * evaluated as code.
 */
import { BlueOxError } from '../errors';

export type PathSegment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'every' };

export interface JsonPath {
  /** The path as written. */
  text: string;
  segments: PathSegment[];
}

export interface Selection {
  found: boolean;
  value: unknown;
}

const FORMS = "a path is $ followed by .name, ['name'], [n] or [*], e.g. $.items[0]['first name']";

/** Characters that end a dot-name; see the module comment. */
const NOT_IN_DOT_NAME = /[.[\]'"\\*\s]/;

function bad(path: string, at: number, what: string): BlueOxError {
  return new BlueOxError(
    'EPOKE_JSON_PATH',
    `bad JSON path ${JSON.stringify(path)}: at character ${at + 1}, ${what}; ${FORMS}`,
  );
}

/** Reads a path; throws a BlueOxError (EPOKE_JSON_PATH) that says where and why it is wrong. */
export function compile(path: string): JsonPath {
  if (path[0] !== '$') throw bad(path, 0, 'expected $ (the document) at the start');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      let end = i + 1;
      while (end < path.length && !NOT_IN_DOT_NAME.test(path[end])) end++;
      if (end === i + 1) {
        const next = path[i + 1];
        const what = next === undefined ? 'the end of the path' : JSON.stringify(next);
        const hint = next === '*' ? " (every element is written [*])" : '';
        throw bad(path, i + 1, `expected a name after '.', found ${what}${hint}`);
      }
      segments.push({ kind: 'name', name: path.slice(i + 1, end) });
      i = end;
    } else if (c === '[') {
      i = bracket(path, i, segments);
    } else {
      throw bad(path, i, `expected '.' or '[', found ${JSON.stringify(c)}`);
    }
  }
  return { text: path, segments };
}

/** Reads the bracket that opens at `open`; returns the position after its `]`. */
function bracket(path: string, open: number, segments: PathSegment[]): number {
  let i = open + 1;
  const c = path[i];
  if (c === '*') {
    segments.push({ kind: 'every' });
    i++;
  } else if (c === "'" || c === '"') {
    let name = '';
    i++;
    for (;;) {
      if (i >= path.length) throw bad(path, open, `the quoted name is not closed with ${c}]`);
      const d = path[i];
      if (d === c) break;
      if (d === '\\') {
        const e = path[i + 1];
        if (e !== "'" && e !== '"' && e !== '\\') {
          const what = e === undefined ? 'the end of the path' : JSON.stringify(e);
          throw bad(path, i, `a backslash may only come before ' " or \\, found ${what}`);
        }
        name += e;
        i += 2;
      } else {
        name += d;
        i++;
      }
    }
    segments.push({ kind: 'name', name });
    i++;
  } else {
    const m = /^-?(0|[1-9][0-9]*)/.exec(path.slice(i));
    if (!m || m[0] === '-0') {
      const what = c === undefined ? 'the end of the path' : JSON.stringify(c);
      throw bad(path, i, `expected a number, * or a quoted name after '[', found ${what}`);
    }
    const index = Number(m[0]);
    if (!Number.isSafeInteger(index)) throw bad(path, i, `the index ${m[0]} is too large`);
    segments.push({ kind: 'index', index });
    i += m[0].length;
  }
  if (path[i] !== ']') {
    const what = i >= path.length ? 'the end of the path' : JSON.stringify(path[i]);
    throw bad(path, i, `expected ']', found ${what}`);
  }
  return i + 1;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Paths compiled from text, kept: the assertions select by the path as written, once per answer (thousands a second under load). */
const compiledPaths = new Map<string, JsonPath>();
const MAX_COMPILED_PATHS = 1024;

/** The value `path` names in `doc` (a value from JSON.parse). A string path is compiled first. */
export function select(doc: unknown, path: string | JsonPath): Selection {
  let compiled: JsonPath | undefined;
  if (typeof path !== 'string') compiled = path;
  else if ((compiled = compiledPaths.get(path)) === undefined) {
    compiled = compile(path);
    if (compiledPaths.size >= MAX_COMPILED_PATHS) compiledPaths.clear();
    compiledPaths.set(path, compiled);
  }
  return walk(doc, compiled.segments, 0);
}

const NOTHING: Selection = Object.freeze({ found: false, value: undefined }) as Selection;

function walk(value: unknown, segments: PathSegment[], from: number): Selection {
  let v = value;
  for (let s = from; s < segments.length; s++) {
    const seg = segments[s];
    if (seg.kind === 'name') {
      // Own members only: a document's "constructor" or "__proto__" is data, not the prototype's.
      if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, seg.name)) return NOTHING;
      v = v[seg.name];
    } else if (seg.kind === 'index') {
      if (!Array.isArray(v)) return NOTHING;
      const at = seg.index < 0 ? v.length + seg.index : seg.index;
      if (at < 0 || at >= v.length) return NOTHING;
      v = v[at];
    } else {
      let elements: unknown[];
      if (Array.isArray(v)) elements = v;
      else if (isObject(v)) elements = Object.values(v);
      else return NOTHING;
      const list: unknown[] = [];
      const rest = s + 1;
      const flatten = segments.slice(rest).some((x) => x.kind === 'every');
      for (const e of elements) {
        const r = walk(e, segments, rest);
        if (!r.found) continue;
        if (flatten) list.push(...(r.value as unknown[]));
        else list.push(r.value);
      }
      return { found: true, value: list };
    }
  }
  return { found: true, value: v };
}

/** The compiled path, or undefined when `text` is not one (for a caller that words its own error). */
export function parseJsonPath(text: string): JsonPath | undefined {
  try {
    return compile(text);
  } catch {
    return undefined;
  }
}

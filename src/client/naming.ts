/**
 * Where a new context goes in the tree of open contexts, and what it is
 * called. The rules are the original BlueOx's, quirks included, because
 * event type names end up as file names that existing readers look for:
 *
 *   ".x"        child of the current context: "request" -> "request.x"
 *   "^.x"       child of the outermost context
 *   "a.b.c"     under the open context sharing the most leading parts
 *               ("top.foo.bar" goes under "top.foo" rather than "top")
 *   ".foo.bar"  under a parent whose name has a "foo" part, from that part
 *               on: "request.foo" + ".foo.bar" -> "request.foo.bar"
 *   "..x", "^x", "" and names with empty parts are invalid.
 */
import { BlueOxError } from '../errors';

/** What naming needs to know about an open context. */
export interface Named {
  readonly name: string;
}

export interface Placement<T extends Named> {
  /** The full dotted type name of the new context. */
  name: string;
  /** The open context it belongs under (it shares its id), or null for a new tree. */
  parent: T | null;
  /** True when an open context already has this exact name (the original logged it). */
  duplicate: boolean;
}

function invalid(typeName: string, why: string): BlueOxError {
  return new BlueOxError('EBLUEOX_NAME', `invalid context name ${JSON.stringify(typeName)}: ${why}`);
}

/** Leading dot-separated parts two names share. */
function sharedParts(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * Resolves `typeName` against the open contexts, oldest first (`open[0]` is
 * the outermost, the last one the current). Throws EBLUEOX_NAME for names
 * the original refused.
 */
export function placeContext<T extends Named>(typeName: string, open: readonly T[]): Placement<T> {
  // With nothing open (every top-level context) the answer depends on the name alone: remember it.
  if (open.length === 0) {
    let placed = topLevel.get(typeName) as Placement<T> | undefined;
    if (placed === undefined) {
      placed = resolve(typeName, open);
      if (topLevel.size < 1000) topLevel.set(typeName, placed as Placement<Named>);
    }
    return placed;
  }
  return resolve(typeName, open);
}

const topLevel = new Map<string, Placement<Named>>();

function resolve<T extends Named>(typeName: string, open: readonly T[]): Placement<T> {
  let parent: T | null;
  let rest: string;
  let duplicate = false;
  if (typeName.startsWith('.')) {
    if (typeName.startsWith('..')) throw invalid(typeName, '".." is not a relative name; use ".x" or "^.x"');
    parent = open.length ? open[open.length - 1] : null;
    rest = typeName.slice(1);
  } else if (typeName.startsWith('^')) {
    if (!typeName.startsWith('^.')) throw invalid(typeName, 'the outermost context is named "^.x"');
    parent = open.length ? open[0] : null;
    rest = typeName.slice(2);
  } else {
    const parts = typeName.split('.');
    if (parts[0] === '') throw invalid(typeName, 'the name is empty');
    parent = null;
    let best = 0;
    for (const ctx of open) {
      const shared = sharedParts(parts, ctx.name.split('.'));
      if (shared > best) {
        parent = ctx;
        best = shared;
      }
    }
    if (parent === null) {
      rest = typeName;
    } else if (parent.name === typeName) {
      duplicate = true;
      rest = typeName;
    } else if (best === parent.name.split('.').length) {
      // Every part of the parent leads the name. (The original compared characters, so
      // "top.ab.x" counted as under "top.a" and came out as "top.a..x".)
      rest = typeName.slice(parent.name.length + 1);
    } else {
      // Shares a first part but is not below the parent: a separate tree.
      rest = typeName;
      parent = null;
    }
  }
  if (rest === '' || rest.split('.').includes('')) throw invalid(typeName, 'a name part is empty');
  if (parent === null) return { name: rest, parent: null, duplicate };

  // The part after the first dot of what was written picks where, in the
  // parent's name, the new name continues ("request.foo" + ".foo.bar").
  const written = typeName.split('.');
  const pivot = written.length > 1 ? written[1] : rest;
  const parentParts = parent.name.split('.');
  for (let i = parentParts.length - 1; i >= 0; i--) {
    if (parentParts[i] === pivot) {
      const name = [...parentParts.slice(0, i), ...(written.length > 1 ? written.slice(1) : [rest])].join('.');
      return { name, parent, duplicate };
    }
  }
  return { name: `${parent.name}.${rest}`, parent, duplicate };
}

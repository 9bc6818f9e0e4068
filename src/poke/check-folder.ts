/**
 * The service's checks: every `*.toml` file directly in its folder
 * (/etc/blueox/poke.d by default), in name order, read as `oxpoke run` reads
 * a file (check-file.ts). All or nothing: one file that cannot be read or
 * loaded stops the whole folder, with the file:line: key message of that
 * file, so a reload with a typo in one file keeps every check running as it
 * was rather than silently dropping that file's checks.
 *
 * Each check gets an id, `<file name without .toml>/<check name>`: check
 * names are unique only within their file, and file names within the
 * folder, so the id is unique in the service and says where to look.
 * Hidden files (`.name.toml`, such as an editor's lock or backup files) are
 * passed over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlueOxError } from '../errors';
import type { Check } from './check';
import { readCheckFile } from './check-file';

export const DEFAULT_CHECK_FOLDER = '/etc/blueox/poke.d';

export interface FolderCheck {
  /** `<file stem>/<check name>`: unique in the folder. */
  id: string;
  check: Check;
  /**
   * What the check does, as text: two loads of the folder give the same
   * fingerprint for a check whose file did not change it (its line may move).
   */
  fingerprint: string;
}

export interface CheckFolder {
  dir: string;
  /** The files read, in order (full paths). */
  files: string[];
  checks: FolderCheck[];
  /** Things worth a log line that do not stop the folder from loading. */
  notes: string[];
}

/** Reads every check file of `dir`; throws the BlueOxError of the first that cannot be read or loaded. */
export function loadCheckFolder(dir: string): CheckFolder {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.name.endsWith('.toml') && !e.name.startsWith('.') && (e.isFile() || e.isSymbolicLink()))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new BlueOxError('EPOKEDIR', `cannot read the check folder ${dir}: ${(err as Error).message}; give the folder of the check files with --dir (or OXPOKE_DIR)`);
  }
  const files = names.map((name) => path.join(dir, name));
  const checks: FolderCheck[] = [];
  for (const file of files) {
    const stem = path.basename(file, '.toml');
    for (const check of readCheckFile(file)) {
      checks.push({ id: `${stem}/${check.name}`, check, fingerprint: checkFingerprint(check) });
    }
  }
  return { dir, files, checks, notes: sharedNames(checks) };
}

/**
 * The check as text, without where it was written (its line), regular
 * expressions as `/source/flags` (JSON would make every one `{}`, and two
 * checks differing only there would look alike).
 */
export function checkFingerprint(check: Check): string {
  const { line: _line, ...rest } = check;
  return JSON.stringify(rest, (_key, value: unknown) => (value instanceof RegExp ? `/${value.source}/${value.flags}` : value));
}

/**
 * Checks of one name in several files: each runs and has its own state, but
 * their metrics (`poke.<name>.…`, named as `oxpoke run` names them) add up.
 */
function sharedNames(checks: FolderCheck[]): string[] {
  const byName = new Map<string, string[]>();
  for (const c of checks) byName.set(c.check.name, [...(byName.get(c.check.name) ?? []), c.id]);
  return [...byName]
    .filter(([, ids]) => ids.length > 1)
    .map(([name, ids]) => `the checks ${ids.join(', ')} share the name ${name}, so their metrics poke.${name}.* add up; rename one for metrics of its own`);
}

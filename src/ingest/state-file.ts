/**
 * Where oxingest remembers how far it read each followed file: a small
 * JSON file, replaced atomically (written to a temporary file next to it,
 * flushed to disk, renamed over it), so a crash leaves either the old or
 * the new state, never half of one.
 *
 *   {"version": 1, "files": {"/var/log/syslog": {"type": "syslog",
 *     "inode": "1234", "offset": 5678, "fingerprint": "…", "updated": "…"}}}
 *
 * Entries of paths this run does not follow are kept as they are on disk
 * (read again before each write), so processes sharing one state file
 * (one oxingest per file, say) do not undo each other's positions;
 * `--state-file` per process avoids even the short race that leaves.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Position } from './progress';

export interface StateEntry {
  type: string;
  inode: string;
  offset: number;
  fingerprint: string | null;
  updated: string;
}

/**
 * $STATE_DIRECTORY/oxingest.json when systemd sets StateDirectory= (the
 * first one), else $XDG_STATE_HOME/blueox/oxingest.json, else
 * ~/.local/state/blueox/oxingest.json.
 */
export function defaultStatePath(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd) return path.join(systemd, 'oxingest.json');
  const xdg = env.XDG_STATE_HOME;
  // The XDG specification says a relative value is to be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'blueox', 'oxingest.json');
  return path.join(home, '.local', 'state', 'blueox', 'oxingest.json');
}

function isEntry(v: unknown): v is StateEntry {
  const e = v as StateEntry;
  return (
    typeof e === 'object' && e !== null &&
    typeof e.inode === 'string' && /^\d+$/.test(e.inode) &&
    Number.isSafeInteger(e.offset) && e.offset >= 0 &&
    (e.fingerprint === null || typeof e.fingerprint === 'string')
  );
}

export interface LoadedState {
  entries: Map<string, StateEntry>;
  /** Why the file could not be used (it is then ignored), or null. */
  problem: string | null;
}

/** Reads the state file; a missing file is an empty state, a damaged one is reported and ignored. */
export function loadState(file: string): LoadedState {
  const entries = new Map<string, StateEntry>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { entries, problem: code === 'ENOENT' ? null : `cannot read ${file}: ${(err as Error).message}` };
  }
  try {
    const doc = JSON.parse(text);
    if (doc?.version !== 1 || typeof doc.files !== 'object' || doc.files === null) throw new Error('not an oxingest state file (version 1)');
    for (const [p, e] of Object.entries(doc.files)) if (isEntry(e)) entries.set(p, e);
    return { entries, problem: null };
  } catch (err) {
    return { entries, problem: `ignoring ${file}: ${(err as Error).message}` };
  }
}

export function toPosition(e: StateEntry | undefined): Position | null {
  return e === undefined ? null : { ino: e.inode, offset: e.offset, fingerprint: e.fingerprint };
}

export class StateFile {
  private readonly entries: Map<string, StateEntry>;
  /** The paths this process follows: only their entries are ours to change. */
  private readonly mine = new Set<string>();
  private written = '';

  constructor(
    readonly file: string,
    loaded: Map<string, StateEntry>,
  ) {
    this.entries = new Map(loaded);
  }

  /** Records where `filePath` is; null leaves what was there. */
  set(filePath: string, type: string, pos: Position | null): void {
    this.mine.add(filePath);
    if (pos === null) return;
    const old = this.entries.get(filePath);
    if (old && old.inode === pos.ino && old.offset === pos.offset && old.type === type && old.fingerprint === pos.fingerprint) return;
    this.entries.set(filePath, { type, inode: pos.ino, offset: pos.offset, fingerprint: pos.fingerprint, updated: new Date().toISOString() });
  }

  /** Writes the file if anything changed since the last write; throws when it cannot. */
  save(force = false): boolean {
    for (const [p, e] of loadState(this.file).entries) if (!this.mine.has(p)) this.entries.set(p, e);
    const files = Object.fromEntries([...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const text = JSON.stringify({ version: 1, files }, null, 2) + '\n';
    if (text === this.written && !force) return false;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    this.written = text;
    return true;
  }
}

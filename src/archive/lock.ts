/**
 * One oxstore at a time changes a log path: `zip` and `prune` hold
 * `<log-path>/.oxstore.lock`, created with O_EXCL and holding the holder's
 * pid, host, command and process start time (so a reused pid is not mistaken
 * for the holder).
 *
 * A lock whose holder is gone (same host, pid no longer running, or running
 * but started at another time) is stale and taken over. Taking over happens
 * under a second, short-lived O_EXCL file (`.oxstore.lock.takeover`), and
 * only removes the stale lock if it still has the content that was judged
 * stale, so two runs that find the same stale lock cannot both end up
 * holding the lock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const LOCK_NAME = '.oxstore.lock';
const TAKEOVER_SUFFIX = '.takeover';
/** A lock file still empty after this long was left by a run that died while creating it. */
const UNWRITTEN_STALE_MS = 10_000;
/** A takeover guard older than this was left by a run that died while taking over. */
const TAKEOVER_STALE_MS = 30_000;

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), when readable. */
  procStart: string | null;
}

export type LockAttempt = { held: true; lock: StoreLock } | { held: false; holder: LockHolder | null; why: string };

/** The start time of `pid` in clock ticks since boot, or null when it cannot be read. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may contain spaces or ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the holder still runs: 'unknown' for another host (or a holder we cannot judge). */
export function holderState(h: LockHolder, host = os.hostname()): 'alive' | 'gone' | 'unknown' {
  if (h.host !== host || !Number.isInteger(h.pid) || h.pid <= 0) return 'unknown';
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
  }
  const started = processStartTime(h.pid);
  if (h.procStart && started && started !== h.procStart) return 'gone';
  return 'alive';
}

export function describeHolder(h: LockHolder | null): string {
  if (!h) return 'another oxstore';
  return `"${h.command}" (pid ${h.pid} on ${h.host}, since ${h.since})`;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as LockHolder;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? v : null;
  } catch {
    return null;
  }
}

function readText(file: string): { text: string; ageMs: number } | null {
  try {
    const st = fs.statSync(file);
    return { text: fs.readFileSync(file, 'utf8'), ageMs: Date.now() - st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Removes `file` if it still holds `staleText`, under the takeover guard; false if someone else is at it. */
function removeStale(file: string, staleText: string): boolean {
  const guard = file + TAKEOVER_SUFFIX;
  let fd = -1;
  for (let attempt = 0; fd < 0; attempt++) {
    try {
      fd = fs.openSync(guard, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const left = readText(guard);
      if (attempt > 0 || (left && left.ageMs <= TAKEOVER_STALE_MS)) return false;
      fs.rmSync(guard, { force: true }); // left by a run that died while taking over
    }
  }
  try {
    fs.writeSync(fd, String(process.pid));
    const now = readText(file);
    if (now && now.text === staleText) fs.unlinkSync(file);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(guard, { force: true });
  }
  return true;
}

export class StoreLock {
  private released = false;

  private constructor(
    readonly file: string,
    private readonly content: string,
  ) {}

  /** One attempt: the lock, or who holds it. */
  static tryAcquire(root: string, command: string): LockAttempt {
    const file = path.join(root, LOCK_NAME);
    const me: LockHolder = {
      pid: process.pid,
      host: os.hostname(),
      command,
      since: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      procStart: processStartTime(process.pid),
    };
    const content = JSON.stringify(me) + '\n';
    for (let attempt = 0; attempt < 4; attempt++) {
      let fd: number;
      try {
        fd = fs.openSync(file, 'wx', 0o644);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const found = readText(file);
        if (found === null) continue; // released between our open and our read
        const holder = parseHolder(found.text);
        if (holder === null && found.ageMs < UNWRITTEN_STALE_MS) return { held: false, holder: null, why: 'the lock is being created' };
        const state = holder ? holderState(holder) : 'gone';
        if (state !== 'gone') return { held: false, holder, why: state === 'alive' ? 'running' : 'on another host' };
        if (!removeStale(file, found.text)) return { held: false, holder, why: 'another oxstore is taking over its stale lock' };
        continue;
      }
      try {
        fs.writeSync(fd, content);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return { held: true, lock: new StoreLock(file, content) };
    }
    return { held: false, holder: null, why: 'the lock keeps changing hands' };
  }

  /**
   * The lock, waiting up to `waitMs` (Infinity: for as long as it takes; 0:
   * not at all) by polling; otherwise the last attempt, for the message.
   * `onWait` is told once when waiting starts.
   */
  static async acquire(root: string, command: string, waitMs: number, pollMs = 200, onWait?: (busy: LockAttempt) => void): Promise<LockAttempt> {
    const deadline = Date.now() + waitMs;
    for (let first = true; ; first = false) {
      const attempt = StoreLock.tryAcquire(root, command);
      if (attempt.held || Date.now() >= deadline) return attempt;
      if (first) onWait?.(attempt);
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    }
  }

  /** True while the lock file is still ours (nobody removed or replaced it). */
  stillHeld(): boolean {
    try {
      return fs.readFileSync(this.file, 'utf8') === this.content;
    } catch {
      return false;
    }
  }

  /** Removes the lock if it is still ours. Synchronous, so exit and signal handlers can use it. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.stillHeld()) fs.rmSync(this.file, { force: true });
  }
}

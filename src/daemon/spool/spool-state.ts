/**
 * The spool's state file: which link it feeds (an id made once, which the
 * upstream uses with the sequence numbers to drop what it already took) and
 * the highest sequence number acknowledged. Replaced atomically (a new file,
 * fsync, rename, fsync of the folder), so after a crash it is the old state
 * or the new, never half of one; an old state only means some events are
 * sent again, which the upstream drops.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STATE_FILE = 'state';
const STATE_VERSION = 1;

export interface SpoolState {
  /** 32 hex characters, made when the spool is first used. */
  link: string;
  /** Every sequence number up to this one is acknowledged (0: none yet). */
  acked: number;
}

/** A new state, for a spool folder without one. */
export function freshState(): SpoolState {
  return { link: randomBytes(16).toString('hex'), acked: 0 };
}

/**
 * The state in `dir`, or null when there is none or it cannot be read (a
 * damaged state never stops oxd: it starts afresh, and what is spooled is
 * sent again). `problem` says why, when a file was there.
 */
export function readState(dir: string): { state: SpoolState | null; problem: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, STATE_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: null, problem: null };
    return { state: null, problem: `cannot read ${STATE_FILE}: ${(err as Error).message}` };
  }
  try {
    const v = JSON.parse(text) as { version?: unknown; link?: unknown; acked?: unknown };
    if (v.version === STATE_VERSION && typeof v.link === 'string' && /^[0-9a-f]{32}$/.test(v.link) && Number.isSafeInteger(v.acked) && (v.acked as number) >= 0) {
      return { state: { link: v.link, acked: v.acked as number }, problem: null };
    }
  } catch {
    // reported below
  }
  return { state: null, problem: `${STATE_FILE} is not a state this oxd wrote` };
}

/** Replaces the state file in `dir` atomically and durably. */
export function writeState(dir: string, state: SpoolState): void {
  const file = path.join(dir, STATE_FILE);
  const temp = `${file}.new`;
  const fd = fs.openSync(temp, 'w', 0o640);
  try {
    fs.writeSync(fd, `${JSON.stringify({ version: STATE_VERSION, link: state.link, acked: state.acked })}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  syncFolder(dir);
}

/** As writeState, on libuv's thread pool: the event loop does not wait for the disk. */
export async function writeStateAsync(dir: string, state: SpoolState): Promise<void> {
  const file = path.join(dir, STATE_FILE);
  const temp = `${file}.new`;
  const handle = await fs.promises.open(temp, 'w', 0o640);
  try {
    await handle.writeFile(`${JSON.stringify({ version: STATE_VERSION, link: state.link, acked: state.acked })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, file);
  await syncFolderAsync(dir);
}

export async function syncFolderAsync(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename or a new file in `dir` durable. */
export function syncFolder(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

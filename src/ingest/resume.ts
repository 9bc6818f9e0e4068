/**
 * Where to start in a followed file, given where the previous run stopped
 * (the state file's inode, offset and fingerprint):
 *   - the same file, still holding the bytes read: resume at the offset;
 *   - the same inode, but shorter or rewritten (copytruncate, or a new
 *     file that got the old inode number): from the start, after the rest
 *     of the old bytes if a copy of them is next to it;
 *   - another inode (rotated while oxingest was stopped): from the start,
 *     after the rest of the old file if it is still next to it (renamed).
 */
import * as fs from 'node:fs';
import { findOldStream, fingerprintAt, OldStream } from './file-identity';
import type { Position } from './progress';

export interface ResumePlan {
  /** Where to start reading the file at the path. */
  start: number;
  /** The rest of the previous file, to read first (from `from`), or null. */
  old: OldStream | null;
  /** What to tell the administrator, or null. */
  note: string | null;
}

function stillThere(file: string, r: Position): boolean {
  if (r.fingerprint === null) return false;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    return fs.fstatSync(fd).size >= r.offset && fingerprintAt(fd, r.offset) === r.fingerprint;
  } finally {
    fs.closeSync(fd);
  }
}

export function planResume(file: string, liveIno: string, r: Position): ResumePlan {
  const lookFor = (ino: string | null): OldStream | null =>
    r.fingerprint === null || r.offset === 0 ? null : findOldStream(file, ino, r.offset, r.fingerprint, liveIno);
  if (r.ino === liveIno) {
    if (stillThere(file, r)) return { start: r.offset, old: null, note: null };
    return { start: 0, old: lookFor(null), note: 'shorter or rewritten since the last run; reading it from the start' };
  }
  return { start: 0, old: lookFor(r.ino), note: `replaced since the last run (inode ${r.ino} -> ${liveIno}); reading it from the start` };
}

/**
 * Telling files apart: the inode at a path, a fingerprint of the bytes just
 * before a position, and finding where the bytes of a rotated file went.
 *
 * A position in a file is (inode, offset) plus the fingerprint of the up to
 * 256 bytes before the offset: an inode number can be reused by a new file
 * (delete + create), and copytruncate rewrites the same inode, so the
 * fingerprint decides whether a position still means what it meant.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** How many bytes before an offset its fingerprint covers. */
export const FINGERPRINT_BYTES = 256;

export interface Identity {
  /** The inode number, as a decimal string (64-bit safe). */
  ino: string;
  size: number;
}

/** The file at `file` (following symlinks), or null when there is none. Throws on other errors (EACCES). */
export function identityOf(file: string): Identity | null {
  try {
    const st = fs.statSync(file, { bigint: true });
    return { ino: st.ino.toString(), size: Number(st.size) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

export function identityOfFd(fd: number): Identity {
  const st = fs.fstatSync(fd, { bigint: true });
  return { ino: st.ino.toString(), size: Number(st.size) };
}

/** The fingerprint of `bytes`, which end at `offset` (the last ≤256 bytes before it). */
export function fingerprintOf(bytes: Buffer): string {
  return createHash('sha1').update(bytes.subarray(Math.max(0, bytes.length - FINGERPRINT_BYTES))).digest('hex');
}

/** The fingerprint of the bytes before `offset` in `fd`, or null when the file is shorter. */
export function fingerprintAt(fd: number, offset: number): string | null {
  const k = Math.min(offset, FINGERPRINT_BYTES);
  const buf = Buffer.alloc(k);
  let got = 0;
  while (got < k) {
    const n = fs.readSync(fd, buf, got, k - got, offset - k + got);
    if (n === 0) return null;
    got += n;
  }
  return fingerprintOf(buf);
}

/** Keeps the last bytes read, to fingerprint a position after its file was truncated. */
export class RecentBytes {
  private bytes = Buffer.alloc(0);

  add(chunk: Buffer): void {
    if (chunk.length >= FINGERPRINT_BYTES) this.bytes = Buffer.from(chunk.subarray(chunk.length - FINGERPRINT_BYTES));
    else this.bytes = Buffer.concat([this.bytes, chunk]).subarray(-FINGERPRINT_BYTES);
  }

  /** Reads them again from `fd`, for the position `offset` (after a rewind). */
  reload(fd: number, offset: number): void {
    const k = Math.min(offset, FINGERPRINT_BYTES);
    const buf = Buffer.alloc(k);
    const n = k > 0 ? fs.readSync(fd, buf, 0, k, offset - k) : 0;
    this.bytes = n === k ? buf : Buffer.alloc(0);
  }

  fingerprint(): string {
    return fingerprintOf(this.bytes);
  }
}

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|Z|zip)$/;

export interface OldStream {
  path: string;
  fd: number;
  ino: string;
}

/**
 * Finds, next to `file`, the file that continues the stream read up to
 * `offset` (fingerprint `fingerprint`): the file with inode `ino` if it is
 * still there under another name (renamed while oxingest was away), else
 * an uncompressed rotated copy (`<name>.1`, `<name>-20250101`, ... as
 * copytruncate leaves them), newest first. Returns it opened, or null.
 */
export function findOldStream(file: string, ino: string | null, offset: number, fingerprint: string, skipIno: string | null): OldStream | null {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const candidates: Array<{ path: string; ino: string; mtime: number; same: boolean }> = [];
  for (const name of names) {
    const p = path.join(dir, name);
    let st: fs.BigIntStats;
    try {
      st = fs.lstatSync(p, { bigint: true });
    } catch {
      continue;
    }
    if (!st.isFile() || Number(st.size) < offset) continue;
    const candidateIno = st.ino.toString();
    if (candidateIno === skipIno) continue;
    const same = ino !== null && candidateIno === ino;
    const copy = name !== base && name.startsWith(base) && /^[.\-_]/.test(name.slice(base.length)) && !COMPRESSED.test(name);
    if (same || copy) candidates.push({ path: p, ino: candidateIno, mtime: Number(st.mtimeMs), same });
  }
  candidates.sort((a, b) => Number(b.same) - Number(a.same) || b.mtime - a.mtime);
  for (const c of candidates) {
    let fd: number;
    try {
      fd = fs.openSync(c.path, 'r');
    } catch {
      continue;
    }
    if (fingerprintAt(fd, offset) === fingerprint) return { path: c.path, fd, ino: c.ino };
    fs.closeSync(fd);
  }
  return null;
}

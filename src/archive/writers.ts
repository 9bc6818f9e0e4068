/**
 * Which processes have a file open for writing, from /proc/<pid>/fd and
 * /proc/<pid>/fdinfo: files are matched by device and inode (so a path seen
 * through another mount or a deleted name still matches), and only
 * descriptors opened for writing (O_WRONLY or O_RDWR) count, so a reader
 * such as `oxview` or `tail` does not hold a file back.
 *
 * Processes whose descriptors cannot be read (another user's, without root)
 * are counted, so the caller can say that the check was incomplete.
 */
import * as fs from 'node:fs';

export interface WriterScan {
  /** File key (see fileKey) to the pids that have it open for writing. */
  writers: Map<string, number[]>;
  /** Processes whose descriptors could not be read. */
  unreadable: number;
}

/** Device and inode; give a `{ bigint: true }` stat, since inode numbers may pass 2^53. */
export function fileKey(st: { dev: bigint; ino: bigint }): string {
  return `${st.dev}:${st.ino}`;
}

/** True when the descriptor was opened for writing; true too when its flags cannot be read. */
function openForWriting(procRoot: string, pid: string, fd: string): boolean {
  try {
    const info = fs.readFileSync(`${procRoot}/${pid}/fdinfo/${fd}`, 'latin1');
    const m = /^flags:\s*([0-7]+)/m.exec(info);
    if (!m) return true;
    return (parseInt(m[1], 8) & 3) !== 0; // O_ACCMODE: 0 is O_RDONLY
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Scans every process for descriptors on the files in `keys`. */
export function findWriters(keys: ReadonlySet<string>, procRoot = '/proc'): WriterScan {
  const writers = new Map<string, number[]>();
  let unreadable = 0;
  if (keys.size === 0) return { writers, unreadable };
  let pids: string[];
  try {
    pids = fs.readdirSync(procRoot).filter((p) => /^\d+$/.test(p));
  } catch {
    return { writers, unreadable: 1 };
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`${procRoot}/${pid}/fd`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') unreadable++;
      continue;
    }
    for (const fd of fds) {
      const link = `${procRoot}/${pid}/fd/${fd}`;
      let key: string;
      try {
        // Sockets, pipes and anonymous inodes read as "socket:[…]" and the like.
        if (!fs.readlinkSync(link).startsWith('/')) continue;
        key = fileKey(fs.statSync(link, { bigint: true }));
      } catch {
        continue; // closed meanwhile
      }
      if (!keys.has(key) || !openForWriting(procRoot, pid, fd)) continue;
      const list = writers.get(key) ?? [];
      if (!list.includes(Number(pid))) list.push(Number(pid));
      writers.set(key, list);
    }
  }
  return { writers, unreadable };
}

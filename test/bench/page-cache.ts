/**
 * The page cache made ready before a benchmark that writes files: this VM
 * is slow the first time it touches a page of guest memory (several times a
 * normal page-cache write), which would be charged to whichever trial writes
 * files first. A long-running server does not pay it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes and deletes `mb` MiB in `dir`, so the kernel's free pages are ones
 * the VM has already backed. Null for `mb` = 0 (off).
 */
export function prewarmPageCache(dir: string, mb: number): { seconds: number; mbPerSec: number } | null {
  if (mb === 0) return null;
  const file = path.join(dir, 'prewarm');
  const block = Buffer.alloc(1024 * 1024, 0x5a);
  const started = process.hrtime.bigint();
  const fd = fs.openSync(file, 'w');
  try {
    for (let i = 0; i < mb; i++) fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
    fs.unlinkSync(file);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, mbPerSec: (mb * 1.048576) / seconds };
}

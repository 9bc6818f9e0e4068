/**
 * Which uncompressed log files `oxstore zip` may compress, and why the others
 * are kept. A file is compressed only when all of these hold:
 *
 * - it is not the newest file of its type (and host): oxd may still write it;
 * - its UTC day is over, plus a margin (an hourly file waits for its whole
 *   day too, as a daily file does), so no batch accepted before midnight is
 *   still on its way to it;
 * - no process has it open for writing.
 *
 * A file next to an archive of the same name (`X.log` and `X.log.gz`, or the
 * original's `X.log.bz2`) is what a run interrupted after the rename leaves
 * behind: under the same rules it is "finished" (the archive is checked
 * against it, then the original removed) rather than compressed again.
 */
import type { LogFile } from '../store/find-logs';

const DAY_MS = 86_400_000;
/** How long after the end of a file's UTC day it may be compressed. */
export const DAY_OVER_MARGIN_MS = 15 * 60_000;

export type ZipDecision =
  | { file: LogFile; action: 'zip' }
  | { file: LogFile; action: 'finish'; archive: LogFile }
  | { file: LogFile; action: 'keep'; reason: string };

export function groupKey(f: { type: string; host: string | null }): string {
  return `${f.type}\0${f.host ?? ''}`;
}

function periodKey(f: LogFile): string {
  return `${groupKey(f)}\0${f.stamp}`;
}

/** The first millisecond at which a file of this day may be compressed. */
export function zipAllowedFrom(f: LogFile): number {
  return Math.floor(f.start / DAY_MS) * DAY_MS + DAY_MS + DAY_OVER_MARGIN_MS;
}

/**
 * Decides for every uncompressed file in `files` (all files of the log path,
 * as listLogFiles returns them). `writersOf` gives the pids that have a file
 * open for writing.
 */
export function planZip(files: LogFile[], now: number, writersOf: (f: LogFile) => number[]): ZipDecision[] {
  const newest = new Map<string, number>();
  const archives = new Map<string, LogFile>();
  for (const f of files) {
    const k = groupKey(f);
    newest.set(k, Math.max(newest.get(k) ?? -Infinity, f.start));
    if (f.compression) {
      // A .gz sibling is ours; prefer it to a .bz2 one when both exist.
      const seen = archives.get(periodKey(f));
      if (!seen || (seen.compression === 'bz2' && f.compression === 'gz')) archives.set(periodKey(f), f);
    }
  }
  const out: ZipDecision[] = [];
  for (const file of files) {
    if (file.compression) continue;
    if (file.start >= newest.get(groupKey(file))!) {
      out.push({ file, action: 'keep', reason: `the newest ${file.type}${file.host ? ` (${file.host})` : ''} file: oxd may still write it` });
      continue;
    }
    const from = zipAllowedFrom(file);
    if (now < from) {
      out.push({ file, action: 'keep', reason: `its day is not over (not before ${new Date(from).toISOString()})` });
      continue;
    }
    const pids = writersOf(file);
    if (pids.length) {
      out.push({ file, action: 'keep', reason: `open for writing by pid ${pids.join(', ')}` });
      continue;
    }
    const archive = archives.get(periodKey(file));
    out.push(archive ? { file, action: 'finish', archive } : { file, action: 'zip' });
  }
  return out;
}

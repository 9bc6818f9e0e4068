/**
 * `oxstore zip`: compresses every log file that is no longer written (see
 * zip-plan.ts), one at a time, oldest first. Per file:
 *
 *   gzipFile (tmp, fsync, rename, fsync folder) → compare the archive with the
 *   original → check the original is unchanged and not open for writing →
 *   remove it → fsync the folder.
 *
 * Run under the store lock, it first removes `.gz.tmp` files left by an
 * interrupted run, and finishes originals left next to a complete archive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../errors';
import { dayFolders, LogFile, listLogFiles } from '../store/find-logs';
import { parseLogFileName } from '../store/naming';
import { compareArchive } from './compare';
import { fsyncDir, gzipFile, TMP_SUFFIX } from './gzip-file';
import { formatBytes, Progress } from './progress';
import { fileKey, findWriters } from './writers';
import { planZip } from './zip-plan';

export interface Reporter {
  /** What was done, or with --dry-run what would be done (standard output). */
  action(line: string): void;
  /** Why a file was left alone (standard output, with --verbose or --dry-run). */
  detail(line: string): void;
  /** Something went wrong or needs a person (standard error). */
  problem(line: string): void;
}

export interface ZipOptions {
  root: string;
  dryRun: boolean;
  report: Reporter;
  now?: number;
  /** Makes the progress display once the work is known; null for none. */
  progress?: (files: number, bytes: number) => Progress | null;
}

export interface ZipSummary {
  zipped: number;
  finished: number;
  kept: number;
  failed: number;
  temporaries: number;
  bytesIn: number;
  bytesOut: number;
}

/** `<log name>.gz.tmp`: what gzipFile writes before the rename. */
export function isLeftoverTemporary(name: string): boolean {
  if (!name.endsWith(TMP_SUFFIX)) return false;
  const base = parseLogFileName(name.slice(0, -TMP_SUFFIX.length));
  return base !== null && base.compression === null;
}

/** Removes `*.log.gz.tmp` left by an interrupted zip (only safe under the lock). */
export function removeLeftoverTemporaries(root: string, dryRun: boolean, report: Reporter, days?: (day: string) => boolean): number {
  let n = 0;
  for (const { day, names } of dayFolders(root)) {
    if (days && !days(day)) continue;
    for (const name of names) {
      if (!isLeftoverTemporary(name)) continue;
      if (!dryRun) fs.rmSync(path.join(root, day, name), { force: true });
      report.action(`${dryRun ? 'would remove' : 'removed'} ${day}/${name} (left by an interrupted run)`);
      n++;
    }
  }
  return n;
}

/** Thrown when the original must stay: it changed, or something opened it for writing. */
class LeftAlone extends Error {}

/** Removes `file` if it is as it was (`before`) and nobody writes it; else removes `archive` (when given, it is stale). */
async function removeOriginal(file: string, before: fs.BigIntStats, archive: string | null): Promise<void> {
  const now = await fs.promises.lstat(file, { bigint: true });
  const why =
    now.ino !== before.ino || now.dev !== before.dev ? 'was replaced'
    : now.size !== before.size || now.mtimeNs !== before.mtimeNs ? 'changed'
    : findWriters(new Set([fileKey(now)])).writers.size > 0 ? 'was opened for writing'
    : null;
  if (why) {
    if (archive !== null) {
      // The new archive holds what the file had; the file now holds more. Keep the file only.
      await fs.promises.rm(archive, { force: true });
      await fsyncDir(path.dirname(file));
    }
    throw new LeftAlone(`${why} while it was being compressed; left as it is`);
  }
  await fs.promises.unlink(file);
  await fsyncDir(path.dirname(file));
}

export async function runZip(opts: ZipOptions): Promise<ZipSummary> {
  const { root, dryRun } = opts;
  const sum: ZipSummary = { zipped: 0, finished: 0, kept: 0, failed: 0, temporaries: 0, bytesIn: 0, bytesOut: 0 };
  let progress: Progress | null = null;
  const report: Reporter = {
    action: (l) => (progress?.interrupt(), opts.report.action(l)),
    detail: (l) => (progress?.interrupt(), opts.report.detail(l)),
    problem: (l) => (progress?.interrupt(), opts.report.problem(l)),
  };
  sum.temporaries = removeLeftoverTemporaries(root, dryRun, report);

  const files = listLogFiles(root);
  const keys = new Map<string, string>();
  for (const f of files) {
    if (f.compression) continue;
    try {
      keys.set(f.path, fileKey(fs.lstatSync(f.path, { bigint: true })));
    } catch {
      // gone since the listing; planZip will find no writers and the zip will fail cleanly
    }
  }
  const scan = findWriters(new Set(keys.values()));
  if (scan.unreadable > 0) {
    report.problem(`warning: could not see the open files of ${scan.unreadable} process(es) (run as root or as oxd's user); relying on file names and dates`);
  }
  const plan = planZip(files, opts.now ?? Date.now(), (f) => scan.writers.get(keys.get(f.path) ?? '') ?? []);
  for (const d of plan) if (d.action === 'keep') report.detail(`kept ${d.file.relative}: ${d.reason}`);
  sum.kept = plan.filter((d) => d.action === 'keep').length;
  const work = plan.filter((d) => d.action !== 'keep');

  if (dryRun) {
    for (const d of work) {
      if (d.action === 'zip') report.action(`would zip ${d.file.relative} (${formatBytes(d.file.size)})`);
      else if (d.action === 'finish') report.action(`would compare ${d.archive.relative} with ${d.file.relative} and remove ${d.file.relative} if they hold the same bytes`);
    }
    return sum;
  }

  // Bytes to read: the files to compress (a re-zip of a cut-off archive, rare, adds to them).
  progress = opts.progress?.(work.length, work.reduce((n, d) => n + (d.action === 'zip' ? d.file.size : 0), 0)) ?? null;
  const zipOne = async (file: LogFile, verb: string, note = ''): Promise<void> => {
    const r = await gzipFile(file.path, (n) => progress?.read(n));
    const size = Number(r.original.size);
    const cmp = await compareArchive(r.archive, file.path, size);
    if (cmp.verdict !== 'equal') {
      await fs.promises.rm(r.archive, { force: true });
      throw new Error(`the new archive does not decompress to the original (${cmp.verdict}, ${cmp.matched} of ${size} bytes${cmp.error ? `: ${cmp.error}` : ''}); removed it`);
    }
    await removeOriginal(file.path, r.original, r.archive);
    sum.bytesIn += size;
    sum.bytesOut += r.archiveBytes;
    report.action(`${verb} ${file.relative} → ${path.basename(r.archive)} (${formatBytes(size)} → ${formatBytes(r.archiveBytes)})${note}`);
  };

  for (const d of work) {
    try {
      if (d.action === 'zip') {
        await zipOne(d.file, 'zipped');
        sum.zipped++;
      } else if (d.action === 'finish') {
        const before = await fs.promises.lstat(d.file.path, { bigint: true });
        const cmp = await compareArchive(d.archive.path, d.file.path);
        if (cmp.verdict === 'equal') {
          await removeOriginal(d.file.path, before, null);
          report.action(`removed ${d.file.relative}: ${d.archive.relative} holds all of it (left by an interrupted run)`);
          sum.finished++;
        } else if (cmp.verdict === 'prefix' && d.archive.compression === 'gz') {
          await zipOne(d.file, 're-zipped', `: the archive there held only ${cmp.matched} of ${cmp.originalBytes} bytes`);
          sum.zipped++;
        } else {
          throw new Error(`${d.archive.relative} also exists and holds other data (${cmp.matched} of ${cmp.originalBytes} bytes match${cmp.error ? `; ${cmp.error}` : ''}); left both for a person to look at`);
        }
      }
    } catch (err) {
      if (err instanceof LeftAlone) {
        report.problem(`${d.file.relative} ${err.message}`);
        sum.kept++;
      } else {
        report.problem(`${d.file.relative}: ${describeError(err)}`);
        sum.failed++;
      }
    }
    progress?.fileDone();
  }
  progress?.end();
  return sum;
}

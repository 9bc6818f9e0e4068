/**
 * `oxstore prune`: deletes archives (.gz, .bz2) dated more than
 * `retainDays` days before today (UTC), and the day folders that leaves
 * empty. Uncompressed files are never deleted: they are either still written
 * (the newest of their type) or waiting for `oxstore zip`, and are listed as
 * kept. The original pruned whole day folders, compressed or not; this one
 * only deletes what was archived.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../errors';
import { LogFile, listLogFiles } from '../store/find-logs';
import { bucketFor } from '../store/naming';
import { isLeftoverTemporary, removeLeftoverTemporaries, Reporter } from './zip';
import { groupKey } from './zip-plan';

const DAY_MS = 86_400_000;

export interface PrunePlan {
  /** Files of days before this (YYYYMMDD) are old. */
  cutoffDay: string;
  remove: LogFile[];
  kept: { file: LogFile; reason: string }[];
}

export function planPrune(files: LogFile[], now: number, retainDays: number): PrunePlan {
  const cutoffDay = bucketFor(Math.floor(now / DAY_MS) * DAY_MS - retainDays * DAY_MS, 0).day;
  const newest = new Map<string, number>();
  for (const f of files) newest.set(groupKey(f), Math.max(newest.get(groupKey(f)) ?? -Infinity, f.start));
  const plan: PrunePlan = { cutoffDay, remove: [], kept: [] };
  for (const file of files) {
    if (file.stamp.slice(0, 8) >= cutoffDay) continue;
    if (file.compression) plan.remove.push(file);
    else if (file.start >= newest.get(groupKey(file))!) plan.kept.push({ file, reason: `not compressed, and the newest ${file.type} file` });
    else plan.kept.push({ file, reason: 'not compressed yet (oxstore zip compresses it; prune deletes only archives)' });
  }
  return plan;
}

export interface PruneSummary {
  removed: number;
  folders: number;
  kept: number;
  failed: number;
  bytes: number;
}

export function runPrune(root: string, retainDays: number, dryRun: boolean, report: Reporter, now = Date.now()): PruneSummary {
  const plan = planPrune(listLogFiles(root), now, retainDays);
  const sum: PruneSummary = { removed: 0, folders: 0, kept: plan.kept.length, failed: 0, bytes: 0 };
  for (const { file, reason } of plan.kept) report.detail(`kept ${file.relative}: ${reason}`);
  const gone = new Set<string>();
  for (const file of plan.remove) {
    try {
      if (!dryRun) fs.unlinkSync(file.path);
      gone.add(file.path);
      sum.removed++;
      sum.bytes += file.size;
      report.action(`${dryRun ? 'would remove' : 'removed'} ${file.relative}`);
    } catch (err) {
      sum.failed++;
      report.problem(`cannot remove ${file.relative}: ${describeError(err)}`);
    }
  }
  const old = (day: string): boolean => day < plan.cutoffDay;
  removeLeftoverTemporaries(root, dryRun, report, old);
  for (const day of fs.readdirSync(root).filter((d) => /^\d{8}$/.test(d) && old(d)).sort()) {
    const dir = path.join(root, day);
    let left: string[];
    try {
      left = fs.readdirSync(dir).filter((n) => !gone.has(path.join(dir, n)) && !isLeftoverTemporary(n));
      if (!fs.statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    if (left.length > 0) continue;
    try {
      if (!dryRun) fs.rmdirSync(dir);
      sum.folders++;
      report.action(`${dryRun ? 'would remove' : 'removed'} the empty folder ${day}/`);
    } catch (err) {
      sum.failed++;
      report.problem(`cannot remove the folder ${day}/: ${describeError(err)}`);
    }
  }
  return sum;
}

/**
 * Finding the dated files of a type (or of every type under a prefix) in a
 * time range, in time order, as oxview and oxstore read them. A file covers
 * from its stamp (a day, or an hour with --rotate-hours) to the next file of
 * its type that day, or the end of that day.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlueOxError } from '../errors';
import { parseLogFileName, ParsedLogName } from './naming';

export interface LogFile extends ParsedLogName {
  /** Relative to the log path: `<YYYYMMDD>/<name>`. */
  relative: string;
  /** Absolute path. */
  path: string;
  /** First and first-after millisecond this file may hold, UTC. */
  start: number;
  end: number;
  size: number;
}

const DAY_MS = 86_400_000;

/** A type filter as users write it: `name*` is a prefix, a bare name is exact, nothing is all. */
export function typeMatcher(filter: string | undefined | null): (type: string) => boolean {
  if (!filter) return () => true;
  if (filter.endsWith('*')) {
    const prefix = filter.slice(0, -1);
    return (type) => type.startsWith(prefix);
  }
  return (type) => type === filter;
}

/** `YYYYMMDD` or `YYYYMMDD HH:MM` (also `YYYYMMDDTHH:MM`), UTC, as milliseconds. */
export function parseDateArg(text: string, what: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})(?:[ T](\d{2}):(\d{2}))?$/.exec(text.trim());
  if (m) {
    const [, y, mo, d, h = '0', mi = '0'] = m;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
    const back = new Date(ms);
    if (back.getUTCDate() === Number(d) && back.getUTCMonth() === Number(mo) - 1 && Number(h) < 24 && Number(mi) < 60) return ms;
  }
  throw new BlueOxError('EDATE', `${what} "${text}" is not a date: use YYYYMMDD or "YYYYMMDD HH:MM" (UTC)`);
}

function stampStart(stamp: string): number {
  const ms = Date.UTC(Number(stamp.slice(0, 4)), Number(stamp.slice(4, 6)) - 1, Number(stamp.slice(6, 8)));
  return stamp.length === 10 ? ms + Number(stamp.slice(8, 10)) * 3_600_000 : ms;
}

/**
 * The YYYYMMDD folders under `root`, in date order, with the names in each
 * (a folder that cannot be read is left out). Throws ELOGPATH when `root`
 * itself cannot be read.
 */
export function* dayFolders(root: string): Generator<{ day: string; names: string[] }> {
  let days: string[];
  try {
    days = fs.readdirSync(root).filter((d) => /^\d{8}$/.test(d));
  } catch (err) {
    throw new BlueOxError('ELOGPATH', `cannot read the log path ${root}: ${(err as Error).message}`);
  }
  for (const day of days.sort()) {
    try {
      yield { day, names: fs.readdirSync(path.join(root, day)) };
    } catch {
      continue;
    }
  }
}

/** Every BlueOx log file under `root` (in its YYYYMMDD folders), in time order then type. */
export function listLogFiles(root: string): LogFile[] {
  const files: LogFile[] = [];
  for (const { day, names } of dayFolders(root)) {
    for (const name of names) {
      const parsed = parseLogFileName(name);
      if (!parsed || !parsed.stamp.startsWith(day)) continue;
      const full = path.join(root, day, name);
      let size: number;
      try {
        const st = fs.statSync(full);
        if (!st.isFile()) continue;
        size = st.size;
      } catch {
        continue;
      }
      const start = stampStart(parsed.stamp);
      files.push({ ...parsed, relative: `${day}/${name}`, path: full, start, end: start + DAY_MS, size });
    }
  }
  // A file covers until the next stamp of its type (and host) that day, or the day's end.
  const byKey = new Map<string, LogFile[]>();
  for (const f of files) {
    const key = `${f.type}\0${f.host ?? ''}`;
    if (!byKey.has(key)) byKey.set(key, []);
    byKey.get(key)!.push(f);
  }
  for (const group of byKey.values()) {
    const stamps = [...new Set(group.map((f) => f.start))].sort((a, b) => a - b);
    for (const f of group) {
      const dayEnd = Math.floor(f.start / DAY_MS) * DAY_MS + DAY_MS;
      const next = stamps.find((s) => s > f.start);
      f.end = next !== undefined && next < dayEnd ? next : dayEnd;
    }
  }
  return files.sort((a, b) => a.start - b.start || a.type.localeCompare(b.type) || a.relative.localeCompare(b.relative));
}

/** The files of types matching `filter` that may hold events from [start, end). */
export function findLogFiles(root: string, filter: string | null | undefined, start: number, end: number): LogFile[] {
  const match = typeMatcher(filter);
  return listLogFiles(root).filter((f) => match(f.type) && f.start < end && f.end > start);
}

/**
 * Names of the dated log files, shared by oxd (writing) and the tools
 * (finding and reading):
 *
 *   <log-path>/<YYYYMMDD>/<TYPE>-<YYYYMMDD>.log          daily
 *   <log-path>/<YYYYMMDD>/<TYPE>-<YYYYMMDDHH>.log        every N hours, HH rounded down
 *   <TYPE>-<DATE>[-<HOST>].log[.gz|.bz2]                 archived
 *
 * Dates are UTC and taken from the time an event arrives.
 */
import * as path from 'node:path';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The span of time whose events share one file. */
export interface Bucket {
  /** Folder name, YYYYMMDD. */
  day: string;
  /** Date part of the file name: YYYYMMDD, or YYYYMMDDHH with hourly rotation. */
  stamp: string;
  /** First millisecond of the bucket. */
  start: number;
  /** First millisecond after it. */
  end: number;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `rotateHours` 0 means daily files; 1..12 means a file every that many hours. */
export function bucketFor(ms: number, rotateHours: number): Bucket {
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
  if (!rotateHours) return { day, stamp: day, start: dayStart, end: dayStart + DAY_MS };
  const hour = Math.floor(d.getUTCHours() / rotateHours) * rotateHours;
  const start = dayStart + hour * HOUR_MS;
  // A period that does not divide 24 ends its last bucket at midnight, as the folder does.
  const end = Math.min(start + rotateHours * HOUR_MS, dayStart + DAY_MS);
  return { day, stamp: `${day}${pad(hour)}`, start, end };
}

export function logFileName(type: string, stamp: string): string {
  return `${type}-${stamp}.log`;
}

export function logFilePath(root: string, type: string, bucket: Bucket): string {
  return path.join(root, bucket.day, logFileName(type, bucket.stamp));
}

export type Compression = 'gz' | 'bz2' | null;

export interface ParsedLogName {
  type: string;
  /** YYYYMMDD or YYYYMMDDHH. */
  stamp: string;
  host: string | null;
  compression: Compression;
}

const LOG_NAME = /^(.+?)-(\d{8}(?:\d{2})?)(?:-([^/]+?))?\.log(?:\.(gz|bz2))?$/;

/**
 * Reads a file name back into its parts; null for names that are not BlueOx
 * logs. The type may itself contain "-", so the date is the first
 * "-<8 or 10 digits>" followed by ".log" or "-<host>.log".
 */
export function parseLogFileName(name: string): ParsedLogName | null {
  const m = LOG_NAME.exec(name);
  if (!m) return null;
  return { type: m[1], stamp: m[2], host: m[3] ?? null, compression: (m[4] as Compression) ?? null };
}

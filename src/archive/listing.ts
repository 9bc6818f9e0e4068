/**
 * `oxstore list` and the date range of `list` and `cat`.
 *
 * Dates are YYYYMMDD or "YYYYMMDD HH:MM", UTC. A start is an instant; an end
 * given as a bare day means the end of that day (inclusive, as the original
 * read it), an end with a time is the instant itself (exclusive).
 */
import { BlueOxError } from '../errors';
import { LogFile, parseDateArg } from '../store/find-logs';
import { formatBytes } from './progress';

const DAY_MS = 86_400_000;

function endOf(text: string, what: string): number {
  const ms = parseDateArg(text, what);
  return /\d{2}:\d{2}\s*$/.test(text) ? ms : ms + DAY_MS;
}

function checked(start: number, end: number): [number, number] {
  if (end <= start) throw new BlueOxError('EDATE', '--end must be after --start');
  return [start, end];
}

/** `cat`: from the start (default today, 00:00 UTC) to the end (default one day after the start). */
export function catRange(start: string | undefined, end: string | undefined, now = Date.now()): [number, number] {
  const from = start ? parseDateArg(start, '--start') : Math.floor(now / DAY_MS) * DAY_MS;
  return checked(from, end ? endOf(end, '--end') : from + DAY_MS);
}

/** `list`: everything, or from the start on, or up to the end. */
export function listRange(start: string | undefined, end: string | undefined): [number, number] {
  return checked(start ? parseDateArg(start, '--start') : -Infinity, end ? endOf(end, '--end') : Infinity);
}

export interface ListedFile {
  file: string;
  type: string;
  stamp: string;
  host: string | null;
  size: number;
  compression: 'gz' | 'bz2' | null;
}

export function listed(files: LogFile[]): ListedFile[] {
  return files.map((f) => ({ file: f.relative, type: f.type, stamp: f.stamp, host: f.host, size: f.size, compression: f.compression }));
}

/** One line per file: type, stamp, host (or -), size in bytes, compression (or -), path under the log path. */
export function formatTsv(files: ListedFile[]): string {
  return files.map((f) => [f.type, f.stamp, f.host ?? '-', f.size, f.compression ?? '-', f.file].join('\t') + '\n').join('');
}

export function formatJson(files: ListedFile[]): string {
  return JSON.stringify(files, null, 1) + '\n';
}

/** Aligned columns with a header and human sizes, for a terminal. */
export function formatTable(files: ListedFile[]): string {
  const rows = [
    ['TYPE', 'DATE', 'HOST', 'SIZE', 'COMPRESSED', 'FILE'],
    ...files.map((f) => [f.type, f.stamp, f.host ?? '', formatBytes(f.size), f.compression ?? 'no', f.file]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const total = files.reduce((n, f) => n + f.size, 0);
  const lines = rows.map((r) =>
    r.map((cell, i) => (i === 3 ? cell.padStart(widths[i]) : i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '),
  );
  lines.push(`${files.length} file(s), ${formatBytes(total)}`);
  return lines.join('\n') + '\n';
}

/**
 * The spool's segment files: `<first sequence number, 16 hex digits>.seg`,
 * so that listing the folder gives them in order, and each one's range of
 * sequence numbers is known without reading it (a segment ends where the
 * next begins). Anything else in the folder is left alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SEGMENT_NAME = /^([0-9a-f]{16})\.seg$/;

export interface SegmentFile {
  /** The sequence number of its first record (records may be missing, never out of order). */
  first: number;
  path: string;
}

export function segmentName(first: number): string {
  return `${first.toString(16).padStart(16, '0')}.seg`;
}

/** The segments in `dir`, oldest first; none when the folder is missing. */
export function listSegments(dir: string): SegmentFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: SegmentFile[] = [];
  for (const name of names) {
    const m = SEGMENT_NAME.exec(name);
    if (m !== null) out.push({ first: parseInt(m[1], 16), path: path.join(dir, name) });
  }
  return out.sort((a, b) => a.first - b.first);
}

/** Bytes of a segment on disk, or -1 when it is gone. */
export function segmentBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return -1;
  }
}

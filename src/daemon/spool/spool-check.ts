/**
 * `oxd --check-spool`: what a disk spool holds, read without changing it
 * (oxd may be running): per segment its records, bytes, sequence numbers and
 * damage, and for the whole the state, the events not yet acknowledged and
 * the oldest of them. Damage is what a running oxd would step over and
 * count; the report says how many events it cost where that is known.
 */
import * as fs from 'node:fs';
import { listSegments } from './segments';
import { RecordScanner } from './record-scanner';
import { readState } from './spool-state';

export interface SegmentReport {
  name: string;
  bytes: number;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  damaged: number;
  damagedBytes: number;
  /** Events missing between records on either side of damage. */
  lostInDamage: number;
}

export interface SpoolReport {
  dir: string;
  exists: boolean;
  link: string | null;
  acked: number;
  stateProblem: string | null;
  segments: SegmentReport[];
  /** Records after the acknowledged position. */
  unacked: number;
  /** When the oldest of them was spooled (ms since the epoch), or null. */
  oldestUnacked: number | null;
  damaged: number;
}

export function checkSpool(dir: string): SpoolReport {
  const report: SpoolReport = { dir, exists: fs.existsSync(dir), link: null, acked: 0, stateProblem: null, segments: [], unacked: 0, oldestUnacked: null, damaged: 0 };
  if (!report.exists) return report;
  const { state, problem } = readState(dir);
  report.link = state?.link ?? null;
  report.acked = state?.acked ?? 0;
  report.stateProblem = problem;
  for (const file of listSegments(dir)) {
    const fd = fs.openSync(file.path, 'r');
    try {
      const bytes = fs.fstatSync(fd).size;
      const seg: SegmentReport = { name: file.path.slice(dir.length + 1), bytes, records: 0, firstSeq: null, lastSeq: null, damaged: 0, damagedBytes: 0, lostInDamage: 0 };
      const scanner = new RecordScanner(fd, 0);
      let previous = file.first - 1;
      for (let damaged = 0; scanner.next(bytes, true); damaged = scanner.damaged) {
        const r = scanner.record;
        if (scanner.damaged !== damaged) seg.lostInDamage += Math.max(0, r.seq - previous - 1);
        previous = r.seq;
        seg.records++;
        seg.firstSeq ??= r.seq;
        seg.lastSeq = r.seq;
        if (r.seq > report.acked) {
          report.unacked++;
          report.oldestUnacked ??= r.spooledAt;
        }
      }
      seg.damaged = scanner.damaged;
      seg.damagedBytes = scanner.damagedBytes;
      report.damaged += seg.damaged;
      report.segments.push(seg);
    } finally {
      fs.closeSync(fd);
    }
  }
  return report;
}

/** The report as text for a person, one line per segment. */
export function describeSpool(r: SpoolReport, now = Date.now()): string {
  if (!r.exists) return `spool ${r.dir}: no such folder (nothing spooled)\n`;
  const lines = [
    `spool ${r.dir}: link ${r.link ?? '-'}, acknowledged up to ${r.acked}${r.stateProblem ? ` (state: ${r.stateProblem}; oxd starts afresh and sends everything again)` : ''}`,
  ];
  for (const s of r.segments) {
    const range = s.firstSeq === null ? 'no whole record' : `${s.firstSeq}..${s.lastSeq}`;
    const damage = s.damaged === 0 ? '' : `, damaged ${s.damaged} (${s.damagedBytes} bytes, ${s.lostInDamage} events known lost)`;
    lines.push(`  ${s.name}: ${s.bytes} bytes, ${s.records} records, ${range}${damage}`);
  }
  const oldest = r.oldestUnacked === null ? '' : `, the oldest spooled ${((now - r.oldestUnacked) / 1000).toFixed(1)} s ago`;
  lines.push(`${r.unacked} events not yet acknowledged${oldest}; ${r.damaged === 0 ? 'no damage' : `${r.damaged} damaged stretches (a running oxd steps over them and counts them)`}`);
  return `${lines.join('\n')}\n`;
}

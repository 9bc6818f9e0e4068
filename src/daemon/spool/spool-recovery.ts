/**
 * What a disk spool folder holds when oxd starts: the state (or a fresh one
 * when it is missing or unreadable), the segments left by the last run, and
 * the next sequence number to give out. Nothing found there stops start-up:
 * a newest segment with no whole record is damage, counted and deleted; a
 * torn end moves the numbering past any number it can have held.
 */
import * as fs from 'node:fs';
import { recordSize } from '../../protocol/spool/spool-record';
import { listSegments } from './segments';
import { SpoolSegment } from './spool-segment';
import { freshState, readState, SpoolState } from './spool-state';

export interface RecoveredSpool {
  state: SpoolState;
  /** Why the state file was not used, if it was there and unreadable. */
  stateProblem: string | null;
  /** The state differs from the file (fresh, or moved past deleted segments): it is to be saved. */
  stateChanged: boolean;
  segments: SpoolSegment[];
  nextSeq: number;
  damaged: number;
  damagedBytes: number;
}

export function recoverSpool(dir: string): RecoveredSpool {
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  const { state, problem } = readState(dir);
  const out: RecoveredSpool = { state: state ?? freshState(), stateProblem: problem, stateChanged: state === null, segments: [], nextSeq: 1, damaged: 0, damagedBytes: 0 };
  for (const file of listSegments(dir)) out.segments.push(SpoolSegment.open(file));
  let last = out.state.acked;
  while (out.segments.length > 0) {
    const newest = out.segments[out.segments.length - 1];
    const { lastSeq, damaged, damagedBytes, tornBytes } = newest.scanLast();
    if (lastSeq >= newest.first) {
      // Records torn at its end (a crash of the machine) had numbers of their own, which may have
      // reached the upstream: numbering goes on beyond any they can have had. Damage between whole
      // records held numbers between theirs: counted past, the numbering would leave events that never
      // existed unacknowledged for good.
      last = Math.max(last, lastSeq + Math.ceil(tornBytes / recordSize(0, 0)));
      break;
    }
    out.damaged += damaged;
    out.damagedBytes += damagedBytes;
    out.segments.pop()!.remove();
  }
  out.nextSeq = last + 1;
  // Segments are deleted once acknowledged, before the state says so: what precedes the oldest was acknowledged.
  if (out.segments.length > 0 && out.segments[0].first - 1 > out.state.acked) {
    out.state.acked = out.segments[0].first - 1;
    out.stateChanged = true;
  }
  return out;
}

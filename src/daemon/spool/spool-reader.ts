/**
 * The reader side of the disk spool: hands out events in order from the
 * oldest unacknowledged one, reading the segment files (the page cache,
 * usually), and starts there again after a reconnect (`rewind`).
 *
 * It is its own part because its state (where it is, what it has handed
 * out, the ages of what is in flight) changes only as events are read and
 * acknowledged, while the spool's write side changes the segments under
 * it; the spool tells it when the oldest segment goes. Damage met on the
 * way is stepped over and counted here, where the sequence numbers around
 * it are known.
 */
import { RecordScanner } from './record-scanner';
import { SpoolSegment } from './spool-segment';
import { UnackedAges } from './unacked-ages';

/** The spool's counters that reading adds to. */
export interface ReadCounts {
  damaged: number;
  damaged_bytes: number;
  lost_in_damage: number;
}

export class SpoolReader {
  /** The segment it is in and its scanner; the highest sequence number handed out. */
  private index = 0;
  private scanner: RecordScanner | null = null;
  private handedOut: number;
  /** A record `oldestUnacked` read ahead, which `next` hands out first. */
  private held: RecordScanner | null = null;
  private readonly ages = new UnackedAges();

  constructor(
    /** The spool's segments, oldest first: the spool adds and removes them. */
    private readonly segments: readonly SpoolSegment[],
    /** The highest sequence number segment `i` can hold. */
    private readonly lastOf: (i: number) => number,
    private readonly counts: ReadCounts,
    acked: number,
  ) {
    this.handedOut = acked;
  }

  /**
   * The next event not handed out yet, in a scanner whose `record` and `buf`
   * give its frames (valid for as long as the caller keeps them), or null
   * when every written one was. `writing`: the segment still growing.
   */
  next(writing: SpoolSegment | null): RecordScanner | null {
    const held = this.held;
    if (held !== null) {
      this.held = null;
      return held;
    }
    while (this.index < this.segments.length) {
      const seg = this.segments[this.index];
      const scanner = (this.scanner ??= new RecordScanner(seg.fd, 0));
      const final = seg !== writing;
      const damaged = scanner.damaged;
      const found = scanner.next(seg.bytes, final);
      // Damage read again after a rewind (a new connection upstream) was counted the first time.
      if (scanner.damaged !== damaged && scanner.offset > seg.scanned) {
        this.counts.damaged += scanner.damaged - damaged;
        this.counts.damaged_bytes += scanner.damagedBytes;
        // The events damage in the middle cost: the gap in sequence numbers. How many a torn end held is not known.
        if (found) this.counts.lost_in_damage += Math.max(0, scanner.record.seq - Math.max(this.handedOut, seg.first - 1) - 1);
      }
      scanner.damagedBytes = 0;
      seg.scanned = Math.max(seg.scanned, scanner.offset);
      if (found) {
        if (scanner.record.seq <= this.handedOut) continue;
        this.handedOut = scanner.record.seq;
        this.ages.add(scanner.record.seq, scanner.record.spooledAt);
        return scanner;
      }
      if (!final) return null;
      this.handedOut = Math.max(this.handedOut, this.lastOf(this.index));
      this.scanner = null;
      this.index++;
    }
    return null;
  }

  /** Hands out again everything after `acked` (a new connection upstream). */
  rewind(acked: number): void {
    this.held = null;
    this.ages.clear();
    this.scanner = null;
    this.index = 0;
    this.handedOut = acked;
  }

  /** Every event up to `seq` is acknowledged. */
  ackUpTo(seq: number): void {
    this.ages.ackUpTo(seq);
  }

  /**
   * How far the acknowledged position `acked` may move with no word from the
   * upstream: when every record handed out is acknowledged, the numbers gone
   * past beyond them (to the end of a segment read to its end) hold no record
   * (damage, a torn end, numbering moved on at start-up), so nothing will ever
   * acknowledge them, and at the spool's end no later record will either.
   */
  recordlessUpTo(acked: number): number {
    return this.ages.oldest() === null ? Math.max(acked, this.handedOut) : acked;
  }

  /** The spool removed its oldest segment; what it held is acknowledged (or dropped) up to `acked`. */
  oldestRemoved(acked: number): void {
    if (this.index > 0) this.index--;
    else this.scanner = null;
    this.handedOut = Math.max(this.handedOut, acked);
  }

  /** When the oldest event in flight was spooled, else the next one to send (read ahead and held), or null: none. */
  oldestUnacked(writing: SpoolSegment | null): number | null {
    const inFlight = this.ages.oldest();
    if (inFlight !== null) return inFlight;
    const next = this.next(writing);
    if (next === null) return null;
    this.held = next;
    return next.record.spooledAt;
  }
}

/**
 * The write side of the disk spool: the events appended and not yet
 * written, in one buffer in memory, and the segment they are written to,
 * ended at its size and fsynced in the background. At close, everything
 * still waiting is written past the size bound (`writePastBound`), and
 * what a full disk will not take is handed back as lost (`dropWaiting`).
 *
 * It is its own part because its state (the buffer, the numbering of new
 * events, the segment being written) changes only as events are appended
 * and written, while the spool decides when to write and what its size
 * bound and `whenFull` allow, and deletes segments as they are
 * acknowledged. A write that fails is counted here and handed to the
 * spool, which may free room for the next try.
 */
import { readRecord, recordSize, SpoolRecord, wholeRecordsWithin, writeRecord } from '../../protocol/spool/spool-record';
import type { SpoolFolder } from './spool-folder';
import type { SpoolSegment } from './spool-segment';

const WRITE_BUFFER = 1024 * 1024;

/** Where writing reports: the spool's counters, write error and `full`, for STATUS and the forwarder. */
export interface WriteReport {
  readonly counts: { write_errors: number; fsyncs: number };
  lastWriteError: string | null;
  full: boolean;
}

export class SpoolWriter {
  /** The open segment takes the next write; null: the next write begins one. */
  segment: SpoolSegment | null = null;
  /** The spool's close() is writing: segments it ends are fsynced at once, the process exits next. */
  closing = false;
  /** Appended, not yet written: records `first..nextSeq-1` in `buffer[0, bytes)`. */
  nextSeq: number;
  first: number;
  bytes = 0;
  private buffer: Buffer = Buffer.allocUnsafe(WRITE_BUFFER);

  constructor(
    /** The spool's segments, oldest first: a segment begun is added here. */
    private readonly segments: SpoolSegment[],
    private readonly folder: SpoolFolder,
    private readonly segmentBytes: number,
    nextSeq: number,
    private readonly report: WriteReport,
    /** `bytes` more are on disk. */
    private readonly written: (bytes: number) => void,
    /** A write failed: acknowledged segments kept until now (the one being written) may give their space back. */
    private readonly failed: () => void,
  ) {
    this.nextSeq = nextSeq;
    this.first = nextSeq;
  }

  /** Events waiting in memory. */
  get waiting(): number {
    return this.nextSeq - this.first;
  }

  /** The buffer takes `size` more bytes without growing. */
  fits(size: number): boolean {
    return this.bytes + size <= this.buffer.length;
  }

  /** Takes one event into memory: its sequence number. */
  append(meta: Buffer, metaStart: number, metaEnd: number, body: Buffer, bodyStart: number, bodyEnd: number, now: number): number {
    const need = this.bytes + recordSize(metaEnd - metaStart, bodyEnd - bodyStart);
    if (need > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buffer.length));
      this.buffer.copy(grown, 0, 0, this.bytes);
      this.buffer = grown;
    }
    const seq = this.nextSeq++;
    this.bytes = writeRecord(this.buffer, this.bytes, seq, now, meta, metaStart, metaEnd, body, bodyStart, bodyEnd);
    return seq;
  }

  /** The whole records waiting that fit in `room` bytes. */
  wholeRecordsWithin(room: number): { bytes: number; records: number } {
    return wholeRecordsWithin(this.buffer, this.bytes, room);
  }

  /**
   * Writes the first `records` events waiting in memory (`bytes` of them) to
   * the newest segment; false when the write failed (counted, shown): they
   * wait, `full` is set, and the spool is told, to give room back for the
   * next try.
   */
  write(bytes: number, records: number): boolean {
    try {
      if (this.segment === null) {
        this.segment = this.folder.newSegment(this.first);
        this.segments.push(this.segment);
      }
      this.segment.write(this.buffer, bytes);
    } catch (err) {
      this.report.counts.write_errors++;
      this.report.lastWriteError = (err as Error).message;
      this.report.full = true;
      this.failed();
      return false;
    }
    this.written(bytes);
    this.buffer.copyWithin(0, bytes, this.bytes);
    this.bytes -= bytes;
    this.first += records;
    this.report.full = this.bytes > 0;
    this.report.lastWriteError = null;
    if (this.segment.bytes >= this.segmentBytes) this.endSegment();
    return true;
  }

  /**
   * At close: every event waiting in memory written, past the size bound,
   * into segments of the usual size, so that a full disk costs only the
   * newest ones, which do not fit. False when some still wait.
   */
  writePastBound(): boolean {
    while (this.bytes > 0) {
      const written = this.segment?.bytes ?? 0;
      let { bytes, records } = wholeRecordsWithin(this.buffer, this.bytes, this.segmentBytes - written);
      if (records === 0 && written > 0) {
        this.endSegment();
        continue;
      }
      if (records === 0) {
        // A record larger than a segment has one of its own.
        bytes = recordSize(this.buffer.readUInt16BE(2), this.buffer.readUInt32BE(4));
        records = 1;
      }
      if (!this.write(bytes, records)) return false;
    }
    return true;
  }

  /** The segment being written is complete: the next write begins another; it is fsynced in the background (at close: now). */
  endSegment(): void {
    const done = this.segment;
    this.segment = null;
    if (this.closing) {
      if (done?.sync()) this.report.counts.fsyncs++;
      return;
    }
    done?.syncAsync().then(
      (synced) => synced && this.report.counts.fsyncs++,
      (err: Error) => (this.report.lastWriteError = err.message),
    );
  }

  /** Drops every event waiting in memory, each handed to `lost` if given (`buf` and `record` as a scanner gives them): how many. */
  dropWaiting(lost?: (buf: Buffer, record: SpoolRecord) => void): number {
    const dropped = this.waiting;
    const r: SpoolRecord = { seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 };
    if (lost) for (let at = 0; at < this.bytes && readRecord(this.buffer, at, this.bytes, r) > 0; at = r.end) lost(this.buffer, r);
    this.bytes = 0;
    this.first = this.nextSeq;
    return dropped;
  }
}

/**
 * The disk spool: a write-ahead log of the events a forwarding oxd has
 * taken and not yet seen acknowledged, in bounded segment files in one
 * folder, with a state file (spool-state.ts) for the acknowledged position.
 *
 * Events are appended to a buffer and written to the newest segment once
 * per turn of the event loop (`commit`), so they reach the page cache at
 * once and survive oxd being killed; fsync follows on an interval (`sync`)
 * and at close. A segment is deleted once every event in it is
 * acknowledged; numbers that hold no readable record (damage) are, once
 * every record before them is, even with none after them. The reader side
 * (spool-reader.ts) hands out events in order from the oldest
 * unacknowledged one, and starts there again after a reconnect (`rewind`).
 *
 * Nothing on disk stops oxd from starting: damaged records are stepped over
 * and counted, an unreadable state starts afresh (the upstream drops what it
 * sees twice). Every segment stays open, so a folder removed while oxd runs
 * loses nothing: it is made again for the segments that follow
 * (spool-folder.ts, which also writes the state when it changed). When the
 * spool is full (its size bound, or the disk), `whenFull` decides: block
 * (events wait in memory and `full` is set: the forwarder then reports
 * itself congested, so the sources stop reading), or drop the oldest
 * segment or the newest events, counted. At close, events waiting in memory
 * are written past the size bound (oxd's own, while the senders' queues can
 * hold what it does not read; at shutdown nothing else holds what it took),
 * and only those a full disk will not take are lost, counted and handed back.
 */
import { readRecord, recordSize, SpoolRecord, wholeRecordsWithin, writeRecord } from '../../protocol/spool/spool-record';
import { RecordScanner } from './record-scanner';
import { SpoolFolder } from './spool-folder';
import { SpoolReader } from './spool-reader';
import { recoverSpool } from './spool-recovery';
import { SpoolState } from './spool-state';
import { SpoolSegment } from './spool-segment';

export type WhenFull = 'block' | 'drop-oldest' | 'drop-newest';

export interface DiskSpoolOptions {
  dir: string;
  /** Bound on the bytes the spool holds, on disk and waiting to be written. */
  maxBytes: number;
  whenFull: WhenFull;
  /** Bytes at which a segment is closed and the next begun; by default a 16th of maxBytes, from 64 KiB to 64 MiB. */
  segmentBytes?: number;
}

const WRITE_BUFFER = 1024 * 1024;

export class DiskSpool {
  readonly state: SpoolState;
  /** Why the state file was not used at start-up, if it was there and unreadable. */
  readonly stateProblem: string | null;
  /** Counters for STATUS. */
  readonly counts = { appended: 0, acked: 0, dropped_oldest: 0, dropped_newest: 0, damaged: 0, damaged_bytes: 0, lost_in_damage: 0, folder_removed: 0, write_errors: 0, fsyncs: 0 };
  /** Set while appended events wait in memory because the spool or the disk is full (whenFull = block). */
  full = false;
  lastWriteError: string | null = null;
  private readonly segments: SpoolSegment[] = [];
  private readonly segmentBytes: number;
  /** The open segment takes the next commit; null: the next commit begins one. */
  private writing: SpoolSegment | null = null;
  private nextSeq: number;
  /** Appended, not yet written: records `pendingFirst..nextSeq-1` in `pending[0, pendingBytes)`. */
  private pending: Buffer = Buffer.allocUnsafe(WRITE_BUFFER);
  private pendingBytes = 0;
  private pendingFirst = 1;
  private diskBytes = 0;
  /** close() is writing: segments it ends are fsynced at once, the process exits next. */
  private closing = false;
  private readonly folder: SpoolFolder;
  private readonly reader: SpoolReader;

  constructor(private readonly options: DiskSpoolOptions) {
    this.segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.min(64 * 1024 * 1024, Math.floor(options.maxBytes / 16)));
    const found = recoverSpool(options.dir);
    this.state = found.state;
    this.stateProblem = found.stateProblem;
    this.folder = new SpoolFolder(options.dir, this.state, this);
    this.folder.stateDirty = found.stateChanged;
    this.segments.push(...found.segments);
    this.nextSeq = found.nextSeq;
    this.counts.damaged += found.damaged;
    this.counts.damaged_bytes += found.damagedBytes;
    this.pendingFirst = this.nextSeq;
    for (const s of this.segments) this.diskBytes += s.bytes;
    this.reader = new SpoolReader(this.segments, (i) => this.lastOf(i), this.counts, this.state.acked);
    this.dropAcked();
    this.folder.saveState();
  }

  get link(): string {
    return this.state.link;
  }

  /** Events taken and not acknowledged (damage not yet read included). */
  get unacked(): number {
    return this.nextSeq - 1 - this.state.acked;
  }

  /** Bytes on disk and waiting to be written. */
  get bytes(): number {
    return this.diskBytes + this.pendingBytes;
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Takes one event: its sequence number, or 0 when it was dropped (drop-newest, and the spool is full). */
  append(meta: Buffer, metaStart: number, metaEnd: number, body: Buffer, bodyStart: number, bodyEnd: number, now: number): number {
    const size = recordSize(metaEnd - metaStart, bodyEnd - bodyStart);
    if (this.bytes + size > this.options.maxBytes && !this.makeRoom(size)) {
      this.counts.dropped_newest++;
      return 0;
    }
    // A segment ends before the record that would take it over its size; the write buffer is written when full.
    if (this.pendingBytes > 0 && !this.full && (this.writing?.bytes ?? 0) + this.pendingBytes + size > this.segmentBytes && this.commit()) this.endSegment();
    if (this.pendingBytes + size > this.pending.length) {
      if (!this.full) this.commit();
      if (this.pendingBytes + size > this.pending.length) this.growPending(this.pendingBytes + size);
    }
    const seq = this.nextSeq++;
    this.pendingBytes = writeRecord(this.pending, this.pendingBytes, seq, now, meta, metaStart, metaEnd, body, bodyStart, bodyEnd);
    this.counts.appended++;
    return seq;
  }

  /**
   * Writes what was appended to the newest segment (the page cache); false
   * when it stays in memory. A full disk: the segment is cut back to its last
   * whole record and the events wait (`full`), or with drop-newest are
   * dropped, counted. With block, events over the size bound wait too.
   */
  commit(): boolean {
    if (this.pendingBytes === 0) return true;
    let bytes = this.pendingBytes;
    let records = this.nextSeq - this.pendingFirst;
    if (this.options.whenFull === 'block' && this.diskBytes + bytes > this.options.maxBytes) {
      // As many whole records as fit under the bound; the rest wait for acknowledgements to make room.
      ({ bytes, records } = wholeRecordsWithin(this.pending, this.pendingBytes, this.options.maxBytes - this.diskBytes));
      if (records === 0) {
        this.full = true;
        return false;
      }
    }
    if (!this.writePending(bytes, records)) {
      if (this.options.whenFull === 'drop-newest') {
        this.counts.dropped_newest += this.nextSeq - this.pendingFirst;
        this.pendingBytes = 0;
        this.pendingFirst = this.nextSeq;
        this.full = false;
      }
      return false;
    }
    return !this.full;
  }

  /**
   * Writes the first `records` events waiting in memory (`bytes` of them) to
   * the newest segment; false when the write failed (counted, shown): they
   * wait, `full` is set, and acknowledged segments kept until now (the one
   * being written) give their space back for the next try.
   */
  private writePending(bytes: number, records: number): boolean {
    try {
      if (this.writing === null) {
        this.writing = this.folder.newSegment(this.pendingFirst);
        this.segments.push(this.writing);
      }
      this.writing.write(this.pending, bytes);
    } catch (err) {
      this.counts.write_errors++;
      this.lastWriteError = (err as Error).message;
      this.full = true;
      this.dropAcked();
      return false;
    }
    this.diskBytes += bytes;
    this.pending.copyWithin(0, bytes, this.pendingBytes);
    this.pendingBytes -= bytes;
    this.pendingFirst += records;
    this.full = this.pendingBytes > 0;
    this.lastWriteError = null;
    if (this.writing.bytes >= this.segmentBytes) this.endSegment();
    return true;
  }

  /**
   * At close: every event waiting in memory written, past the size bound,
   * into segments of the usual size, so that a full disk costs only the
   * newest ones, which do not fit. False when some still wait.
   */
  private commitPastBound(): boolean {
    while (this.pendingBytes > 0) {
      const written = this.writing?.bytes ?? 0;
      let { bytes, records } = wholeRecordsWithin(this.pending, this.pendingBytes, this.segmentBytes - written);
      if (records === 0 && written > 0) {
        this.endSegment();
        continue;
      }
      if (records === 0) {
        // A record larger than a segment has one of its own.
        bytes = recordSize(this.pending.readUInt16BE(2), this.pending.readUInt32BE(4));
        records = 1;
      }
      if (!this.writePending(bytes, records)) return false;
    }
    return true;
  }

  /** The segment being written is complete: the next commit begins another; it is fsynced in the background (at close: now). */
  private endSegment(): void {
    const done = this.writing;
    this.writing = null;
    if (this.closing) {
      if (done?.sync()) this.counts.fsyncs++;
      return;
    }
    done?.syncAsync().then(
      (synced) => synced && this.counts.fsyncs++,
      (err: Error) => (this.lastWriteError = err.message),
    );
  }

  /** fsync of the newest segment, and of the state when it changed (at close: the event loop waits). */
  sync(): void {
    if (this.writing?.sync()) this.counts.fsyncs++;
    if (this.folder.ensure()) this.writing = null;
    this.folder.saveState();
  }

  /** As sync, on libuv's thread pool, for the fsync interval: the event loop does not wait for the disk. */
  async syncAsync(): Promise<void> {
    const writing = this.writing;
    if (writing !== null && (await writing.syncAsync())) this.counts.fsyncs++;
    if (this.folder.ensure()) this.writing = null;
    await this.folder.saveStateAsync();
  }

  /** The next event not handed out yet, or null when every written one was (SpoolReader.next). */
  next(): RecordScanner | null {
    const found = this.reader.next(this.writing);
    // Read to the end, every record acknowledged: numbers with no record after them (a damaged last record) too.
    if (found === null) this.advance(this.reader.recordlessUpTo(this.state.acked));
    return found;
  }

  /** Hands out again everything after the acknowledged position (a new connection upstream). */
  rewind(): void {
    this.reader.rewind(this.state.acked);
  }

  /** Every event up to `seq` is acknowledged: segments wholly acknowledged are deleted. */
  ack(seq: number): void {
    const upTo = Math.min(seq, this.nextSeq - 1);
    if (upTo <= this.state.acked) return;
    this.reader.ackUpTo(upTo);
    // The upstream acknowledges records: the numbers the reader went past after the last of them hold none.
    this.advance(this.reader.recordlessUpTo(upTo));
  }

  private advance(upTo: number): void {
    if (upTo <= this.state.acked) return;
    this.counts.acked += upTo - this.state.acked;
    this.state.acked = upTo;
    this.folder.stateDirty = true;
    this.dropAcked();
  }

  /** When the oldest unacknowledged event was spooled (null: none), looking at the next one to send if none is in flight. */
  oldestUnacked(): number | null {
    if (this.unacked === 0) return null;
    return this.reader.oldestUnacked(this.writing);
  }

  /**
   * Writes what waits in memory (past the size bound: see commitPastBound)
   * and the segments removed with the folder again (SpoolFolder.restoreRemoved),
   * fsyncs, and closes the segments. Returns how many events could not be
   * written (a full disk, after a second try with the room acknowledged
   * segments gave back): dropped, each handed to `lost` (`buf` and `record`
   * as a scanner gives them) so that the caller counts it by type.
   */
  close(lost: (buf: Buffer, record: SpoolRecord) => void = () => undefined): number {
    this.closing = true;
    // A folder removed under oxd: the segment being written is in the old one, gone at exit.
    try {
      if (this.folder.ensure()) this.writing = null;
    } catch (err) {
      this.lastWriteError = (err as Error).message;
    }
    if (!this.commitPastBound()) this.commitPastBound();
    const waiting = this.nextSeq - this.pendingFirst;
    const r: SpoolRecord = { seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 };
    for (let at = 0; at < this.pendingBytes && readRecord(this.pending, at, this.pendingBytes, r) > 0; at = r.end) lost(this.pending, r);
    this.counts.dropped_newest += waiting;
    this.pendingBytes = 0;
    this.pendingFirst = this.nextSeq;
    const removed = this.folder.restoreRemoved(this.segments, this.state.acked, lost);
    try {
      this.sync();
    } catch (err) {
      // The events are written; only their fsync or the state's failed (an old state sends some again).
      this.lastWriteError = (err as Error).message;
    }
    for (const s of this.segments) s.close();
    return waiting + removed;
  }

  status(): { [key: string]: number | string | null | boolean } {
    return {
      path: this.options.dir,
      link: this.state.link,
      bytes: this.bytes,
      max_bytes: this.options.maxBytes,
      segments: this.segments.length,
      unacked: this.unacked,
      last_seq: this.lastSeq,
      acked_seq: this.state.acked,
      oldest_unacked_ms: ((at) => (at === null ? null : Math.max(0, Date.now() - at)))(this.oldestUnacked()),
      full: this.full,
      when_full: this.options.whenFull,
      ...this.counts,
      last_write_error: this.lastWriteError,
    };
  }

  /** The highest sequence number segment `i` can hold. */
  private lastOf(i: number): number {
    if (i + 1 < this.segments.length) return this.segments[i + 1].first - 1;
    return this.pendingFirst - 1;
  }

  private growPending(need: number): void {
    const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.pending.length));
    this.pending.copy(grown, 0, 0, this.pendingBytes);
    this.pending = grown;
  }

  /** Room for `size` more bytes: true to take the event (block waits; drop-oldest makes room), false to drop it. */
  private makeRoom(size: number): boolean {
    if (this.options.whenFull === 'drop-newest') return false;
    if (this.options.whenFull === 'block') {
      this.full = true;
      return true;
    }
    while (this.bytes + size > this.options.maxBytes && this.segments.length > 0 && this.segments[0] !== this.writing) {
      const end = this.lastOf(0);
      this.counts.dropped_oldest += Math.max(0, end - Math.max(this.state.acked, this.segments[0].first - 1));
      if (end > this.state.acked) {
        this.state.acked = end;
        this.folder.stateDirty = true;
      }
      this.removeOldest();
    }
    return true;
  }

  /** Deletes the segments whose every event is acknowledged, but the one being written. */
  private dropAcked(): void {
    while (this.segments.length > 0 && this.lastOf(0) <= this.state.acked) {
      if (this.segments[0] === this.writing) {
        // The one being written is kept (no new file per acknowledgement), but not when the spool is full:
        // on a full disk it may be all there is to free.
        if (!this.full) return;
        this.writing = null;
      }
      this.removeOldest();
    }
  }

  private removeOldest(): void {
    const seg = this.segments.shift()!;
    this.reader.oldestRemoved(this.state.acked);
    this.diskBytes -= seg.bytes;
    seg.remove();
  }
}


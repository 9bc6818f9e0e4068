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
 * segment or the newest events, counted. The write side (spool-writer.ts)
 * holds the events waiting in memory and the segment being written. At
 * close, events waiting in memory are written past the size bound (oxd's
 * own, while the senders' queues can hold what it does not read; at
 * shutdown nothing else holds what it took), and only those a full disk
 * will not take are lost, counted and handed back.
 */
import { recordSize, SpoolRecord } from '../../protocol/spool/spool-record';
import { RecordScanner } from './record-scanner';
import { SpoolFolder } from './spool-folder';
import { SpoolReader } from './spool-reader';
import { recoverSpool } from './spool-recovery';
import { SpoolState } from './spool-state';
import { SpoolSegment } from './spool-segment';
import { SpoolWriter } from './spool-writer';

export type WhenFull = 'block' | 'drop-oldest' | 'drop-newest';

export interface DiskSpoolOptions {
  dir: string;
  /** Bound on the bytes the spool holds, on disk and waiting to be written. */
  maxBytes: number;
  whenFull: WhenFull;
  /** Bytes at which a segment is closed and the next begun; by default a 16th of maxBytes, from 64 KiB to 64 MiB. */
  segmentBytes?: number;
}

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
  private diskBytes = 0;
  private readonly folder: SpoolFolder;
  private readonly reader: SpoolReader;
  private readonly writer: SpoolWriter;

  constructor(private readonly options: DiskSpoolOptions) {
    this.segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.min(64 * 1024 * 1024, Math.floor(options.maxBytes / 16)));
    const found = recoverSpool(options.dir);
    this.state = found.state;
    this.stateProblem = found.stateProblem;
    this.folder = new SpoolFolder(options.dir, this.state, this);
    this.folder.stateDirty = found.stateChanged;
    this.segments.push(...found.segments);
    this.counts.damaged += found.damaged;
    this.counts.damaged_bytes += found.damagedBytes;
    for (const s of this.segments) this.diskBytes += s.bytes;
    const written = (bytes: number): number => (this.diskBytes += bytes);
    this.writer = new SpoolWriter(this.segments, this.folder, this.segmentBytes, found.nextSeq, this, written, () => this.dropAcked());
    this.reader = new SpoolReader(this.segments, (i) => this.lastOf(i), this.counts, this.state.acked);
    this.dropAcked();
    this.folder.saveState();
  }

  get link(): string {
    return this.state.link;
  }

  /** Events taken and not acknowledged (damage not yet read included). */
  get unacked(): number {
    return this.writer.nextSeq - 1 - this.state.acked;
  }

  /** Bytes on disk and waiting to be written. */
  get bytes(): number {
    return this.diskBytes + this.writer.bytes;
  }

  get lastSeq(): number {
    return this.writer.nextSeq - 1;
  }

  /** Takes one event: its sequence number, or 0 when it was dropped (drop-newest, and the spool is full). */
  append(meta: Buffer, metaStart: number, metaEnd: number, body: Buffer, bodyStart: number, bodyEnd: number, now: number): number {
    const size = recordSize(metaEnd - metaStart, bodyEnd - bodyStart);
    if (this.bytes + size > this.options.maxBytes && !this.makeRoom(size)) {
      this.counts.dropped_newest++;
      return 0;
    }
    // A segment ends before the record that would take it over its size; the write buffer is written when full.
    const w = this.writer;
    if (w.bytes > 0 && !this.full && (w.segment?.bytes ?? 0) + w.bytes + size > this.segmentBytes && this.commit()) w.endSegment();
    if (!w.fits(size) && !this.full) this.commit();
    const seq = w.append(meta, metaStart, metaEnd, body, bodyStart, bodyEnd, now);
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
    if (this.writer.bytes === 0) return true;
    let bytes = this.writer.bytes;
    let records = this.writer.waiting;
    if (this.options.whenFull === 'block' && this.diskBytes + bytes > this.options.maxBytes) {
      // As many whole records as fit under the bound; the rest wait for acknowledgements to make room.
      ({ bytes, records } = this.writer.wholeRecordsWithin(this.options.maxBytes - this.diskBytes));
      if (records === 0) {
        this.full = true;
        return false;
      }
    }
    if (!this.writer.write(bytes, records)) {
      if (this.options.whenFull === 'drop-newest') {
        this.counts.dropped_newest += this.writer.dropWaiting();
        this.full = false;
      }
      return false;
    }
    return !this.full;
  }

  /** fsync of the newest segment, and of the state when it changed (at close: the event loop waits). */
  sync(): void {
    if (this.writer.segment?.sync()) this.counts.fsyncs++;
    if (this.folder.ensure()) this.writer.segment = null;
    this.folder.saveState();
  }

  /** As sync, on libuv's thread pool, for the fsync interval: the event loop does not wait for the disk. */
  async syncAsync(): Promise<void> {
    const writing = this.writer.segment;
    if (writing !== null && (await writing.syncAsync())) this.counts.fsyncs++;
    if (this.folder.ensure()) this.writer.segment = null;
    await this.folder.saveStateAsync();
  }

  /** The next event not handed out yet, or null when every written one was (SpoolReader.next). */
  next(): RecordScanner | null {
    const found = this.reader.next(this.writer.segment);
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
    const upTo = Math.min(seq, this.writer.nextSeq - 1);
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
    return this.reader.oldestUnacked(this.writer.segment);
  }

  /**
   * Writes what waits in memory (past the size bound: see SpoolWriter.writePastBound)
   * and the segments removed with the folder again (SpoolFolder.restoreRemoved),
   * fsyncs, and closes the segments. Returns how many events could not be
   * written (a full disk, after a second try with the room acknowledged
   * segments gave back): dropped, each handed to `lost` (`buf` and `record`
   * as a scanner gives them) so that the caller counts it by type.
   */
  close(lost: (buf: Buffer, record: SpoolRecord) => void = () => undefined): number {
    this.writer.closing = true;
    // A folder removed under oxd: the segment being written is in the old one, gone at exit.
    try {
      if (this.folder.ensure()) this.writer.segment = null;
    } catch (err) {
      this.lastWriteError = (err as Error).message;
    }
    if (!this.writer.writePastBound()) this.writer.writePastBound();
    const waiting = this.writer.dropWaiting(lost);
    this.counts.dropped_newest += waiting;
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
    return this.writer.first - 1;
  }

  /** Room for `size` more bytes: true to take the event (block waits; drop-oldest makes room), false to drop it. */
  private makeRoom(size: number): boolean {
    if (this.options.whenFull === 'drop-newest') return false;
    if (this.options.whenFull === 'block') {
      this.full = true;
      return true;
    }
    while (this.bytes + size > this.options.maxBytes && this.segments.length > 0 && this.segments[0] !== this.writer.segment) {
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
      if (this.segments[0] === this.writer.segment) {
        // The one being written is kept (no new file per acknowledgement), but not when the spool is full:
        // on a full disk it may be all there is to free.
        if (!this.full) return;
        this.writer.segment = null;
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


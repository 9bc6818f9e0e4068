/**
 * Reads the records of one segment file in order, from a byte offset up to
 * a limit that may grow (the segment being written). Damage is stepped over:
 * the scanner looks for the next offset where a whole record checks out, so
 * every record before and after a damaged stretch is read. What a damaged
 * stretch cost is known exactly from the sequence numbers around it, which
 * the spool gives out one by one.
 *
 * Each read goes into a buffer of its own, never written again: a record
 * handed out stays valid while a consumer holds it (libzmq may keep a view
 * of what it sends).
 */
import * as fs from 'node:fs';
import { nextRecord, readRecord, RECORD_HEADER, RECORD_INCOMPLETE, SpoolRecord } from '../../protocol/spool/spool-record';

const READ_SIZE = 1024 * 1024;

export class RecordScanner {
  /** The buffer the last record is in; its frames are `buf[record.metaStart, record.metaEnd)` and `buf[record.metaEnd, record.end)`. */
  buf: Buffer = Buffer.alloc(0);
  readonly record: SpoolRecord = { seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 };
  /** Damaged stretches stepped over, and their bytes. */
  damaged = 0;
  damagedBytes = 0;
  /** The file offset of `buf[0]`, the next record's index in `buf`, and the bytes read into `buf`. */
  private bufAt: number;
  private pos = 0;
  private fill = 0;
  private inDamage = false;
  private damageFrom = 0;
  private readonly scratch: SpoolRecord = { seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 };

  constructor(
    private readonly fd: number,
    offset: number,
  ) {
    this.bufAt = offset;
  }

  /** The file offset after the last record read (or stepped over). */
  get offset(): number {
    return this.bufAt + this.pos;
  }

  /**
   * The next record into `record` and true, or false when the bytes up to
   * `limit` hold no further whole record. `final`: the segment will not grow,
   * so bytes left at its end are damage (a write torn by a crash).
   */
  next(limit: number, final: boolean): boolean {
    for (;;) {
      const r = readRecord(this.buf, this.pos, this.fill, this.record);
      if (r >= 0) {
        this.endDamage();
        this.pos = r;
        return true;
      }
      if (r === RECORD_INCOMPLETE) {
        if (this.readMore(limit)) continue;
        if (final && this.pos < this.fill) {
          this.startDamage();
          this.pos = this.fill;
          this.endDamage();
        }
        return false;
      }
      // RECORD_DAMAGED
      this.startDamage();
      const at = nextRecord(this.buf, this.pos, this.fill, this.scratch);
      if (at >= 0) {
        this.pos = at;
        continue;
      }
      // No record starts in what is read: keep the last bytes, which could begin one.
      this.pos = Math.max(this.pos + 1, this.fill - (RECORD_HEADER - 1));
      if (!this.readMore(limit)) {
        if (final) {
          this.pos = this.fill;
          this.endDamage();
        }
        return false;
      }
    }
  }

  /** Reads on from the file up to `limit` into a fresh buffer holding the unread bytes; false when there is nothing more. */
  private readMore(limit: number): boolean {
    const fileEnd = this.bufAt + this.fill;
    if (fileEnd >= limit) return false;
    const keep = this.fill - this.pos;
    let need = READ_SIZE;
    if (keep >= RECORD_HEADER && this.buf[this.pos] === 0xd5) {
      // A record larger than a read: room for all of it at once.
      need = Math.max(need, RECORD_HEADER + this.buf.readUInt16BE(this.pos + 2) + this.buf.readUInt32BE(this.pos + 4));
    }
    const size = Math.min(Math.max(need, keep + 1), keep + (limit - fileEnd));
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, this.pos, this.fill);
    let got = keep;
    while (got < size) {
      const n = fs.readSync(this.fd, next, got, size - got, this.bufAt + this.fill + (got - keep));
      if (n === 0) break;
      got += n;
    }
    this.bufAt += this.pos;
    this.buf = next;
    this.pos = 0;
    this.fill = got;
    return got > keep;
  }

  private startDamage(): void {
    if (this.inDamage) return;
    this.inDamage = true;
    this.damageFrom = this.offset;
  }

  private endDamage(): void {
    if (!this.inDamage) return;
    this.inDamage = false;
    this.damaged++;
    this.damagedBytes += this.bufAt + this.pos - this.damageFrom;
  }
}

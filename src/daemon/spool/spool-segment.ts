/**
 * One segment file of the disk spool, held open from start-up (or its
 * creation) until it is deleted: its events stay readable even if the file
 * is removed from under oxd. Only the newest segment is written, and only
 * at its end; a failed write is cut back so no torn record stays behind.
 */
import * as fs from 'node:fs';
import { RecordScanner } from './record-scanner';
import type { SegmentFile } from './segments';

const { O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW } = fs.constants;

export class SpoolSegment implements SegmentFile {
  /** Bytes of it the reader has gone through, across rewinds: damage in them is counted already. */
  scanned = 0;
  private unsynced = false;

  private constructor(
    readonly path: string,
    readonly first: number,
    readonly fd: number,
    /** Bytes of whole records in it (as far as oxd wrote them; what start-up found). */
    public bytes: number,
  ) {}

  /** A segment left by an earlier run, read-only in practice: writing goes to a new one. */
  static open(file: SegmentFile): SpoolSegment {
    const fd = fs.openSync(file.path, O_RDWR | O_NOFOLLOW);
    return new SpoolSegment(file.path, file.first, fd, fs.fstatSync(fd).size);
  }

  static create(file: string, first: number): SpoolSegment {
    const fd = fs.openSync(file, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o640);
    return new SpoolSegment(file, first, fd, 0);
  }

  /** Appends `buf[0, n)`; on an error (a full disk) the file is cut back to what it held and the error thrown. */
  write(buf: Buffer, n: number): void {
    let done = 0;
    try {
      while (done < n) done += fs.writeSync(this.fd, buf, done, n - done, this.bytes + done);
    } catch (err) {
      if (done > 0) {
        try {
          fs.ftruncateSync(this.fd, this.bytes);
        } catch {
          // The next write goes to the same offset, over whatever stayed.
        }
      }
      throw err;
    }
    this.bytes += n;
    this.unsynced = true;
  }

  /** As sync, on libuv's thread pool (a busy disk can take seconds): the event loop goes on meanwhile. */
  async syncAsync(): Promise<boolean> {
    if (!this.unsynced) return false;
    this.unsynced = false;
    try {
      await new Promise<void>((resolve, reject) => fs.fsync(this.fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.unsynced = true;
      throw err;
    }
    return true;
  }

  /** fsync when written since the last; true when it did. */
  sync(): boolean {
    if (!this.unsynced) return false;
    fs.fsyncSync(this.fd);
    this.unsynced = false;
    return true;
  }

  /**
   * The last sequence number in it (its first minus one when it holds no whole record), the damage
   * read on the way, and the bytes after its last whole record (a write torn at its end).
   */
  scanLast(): { lastSeq: number; damaged: number; damagedBytes: number; tornBytes: number } {
    const scanner = new RecordScanner(this.fd, 0);
    let lastSeq = this.first - 1;
    let lastEnd = 0;
    while (scanner.next(this.bytes, true)) {
      lastSeq = scanner.record.seq;
      lastEnd = scanner.offset;
    }
    return { lastSeq, damaged: scanner.damaged, damagedBytes: scanner.damagedBytes, tornBytes: this.bytes - lastEnd };
  }

  /**
   * Its file removed from under oxd (no name left: the folder removed) is
   * written again at its path from the open descriptor, so that what it holds
   * outlives oxd; true when it was. A file still named somewhere (renamed,
   * moved) is left alone. Throws when it cannot be written (nothing stays).
   */
  restore(): boolean {
    if (fs.fstatSync(this.fd).nlink > 0) return false;
    const out = fs.openSync(this.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o640);
    try {
      const buf = Buffer.allocUnsafe(Math.min(this.bytes, 1024 * 1024));
      for (let at = 0; at < this.bytes; ) {
        const n = fs.readSync(this.fd, buf, 0, Math.min(buf.length, this.bytes - at), at);
        if (n === 0) break;
        for (let done = 0; done < n; ) done += fs.writeSync(out, buf, done, n - done, at + done);
        at += n;
      }
      fs.fsyncSync(out);
    } catch (err) {
      fs.closeSync(out);
      fs.rmSync(this.path, { force: true });
      throw err;
    }
    fs.closeSync(out);
    return true;
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Closed already.
    }
  }

  /** Deletes the file (gone already is fine) and lets go of it. */
  remove(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }
}

/**
 * One open file being read: a descriptor of our own (so a file renamed or
 * deleted under us can still be read to its end), the position up to which
 * bytes were read, the position just past the last line handed on (what a
 * restart may resume from), and the line splitter between them.
 */
import * as fs from 'node:fs';
import { identityOfFd, RecentBytes } from './file-identity';
import { LineSplitter, SplitCounts } from './line-splitter';
import type { Sender } from './sender';

export interface LineOptions {
  maxLineBytes: number;
  truncateLongLines: boolean;
}

const READ_CHUNK = 64 * 1024;
const scratch = Buffer.allocUnsafe(READ_CHUNK);

export type ReadResult = 'eof' | 'blocked';

/** What was read from one followed path, over all the files it named. */
export interface FileCounts extends SplitCounts {
  lines: number;
}

export class FileReader {
  /** The next byte to read. */
  readPos: number;
  /** Just past the last line handed to the sender. */
  committed: number;
  /** When bytes last arrived (ms). */
  lastGrowth = Date.now();
  readonly splitter: LineSplitter;
  /** The bytes just before `readPos`, to recognise the stream after a truncation. */
  readonly recent = new RecentBytes();
  private open = true;

  constructor(
    readonly fd: number,
    readonly ino: string,
    /** Where it was opened from, for messages. */
    readonly path: string,
    start: number,
    private readonly type: string,
    private readonly sender: Sender,
    options: LineOptions,
    readonly counts: FileCounts,
  ) {
    this.readPos = start;
    this.committed = start;
    this.splitter = new LineSplitter(options.maxLineBytes, options.truncateLongLines, counts);
    if (start > 0) this.recent.reload(fd, start);
  }

  /** Opens `file`; returns null when it is not there. */
  static openPath(file: string, start: number | 'end', type: string, sender: Sender, options: LineOptions, counts: FileCounts): FileReader | null {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const id = identityOfFd(fd);
    return new FileReader(fd, id.ino, file, start === 'end' ? id.size : start, type, sender, options, counts);
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** The file's size now. */
  size(): number {
    return identityOfFd(this.fd).size;
  }

  /**
   * Takes the bytes at `at` (which must be `readPos`), handing complete
   * lines to the sender while it has room. False when it ran out of room:
   * the position is then back at the first line not handed.
   */
  consume(chunk: Buffer, at: number): boolean {
    let room = this.sender.room();
    const ok =
      room > 0 &&
      this.splitter.feed(chunk, at, (text, end) => {
        if (room === 0) return false;
        room--;
        this.sender.send(this.type, text);
        this.counts.lines++;
        this.committed = end;
        return true;
      });
    if (!ok) {
      this.rewind();
      return false;
    }
    this.readPos = at + chunk.length;
    this.recent.add(chunk);
    if (chunk.length > 0) this.lastGrowth = Date.now();
    return true;
  }

  /** Reads from `readPos` to the end of the file (or to `until`), or until the sender is full. */
  readAvailable(until = Infinity): ReadResult {
    for (;;) {
      const want = Math.min(READ_CHUNK, until - this.readPos);
      if (want <= 0) return 'eof';
      const n = fs.readSync(this.fd, scratch, 0, want, this.readPos);
      if (n === 0) return 'eof';
      if (!this.consume(scratch.subarray(0, n), this.readPos)) return 'blocked';
    }
  }

  /** Forgets what was read past the last line handed on; the next read starts there. */
  rewind(): void {
    this.splitter.reset();
    if (this.readPos !== this.committed) this.recent.reload(this.fd, this.committed);
    this.readPos = this.committed;
  }

  /** Hands on the incomplete last line, if any (the file will not be completed). */
  flushPartial(): boolean {
    if (this.splitter.pending === 0) return true;
    if (this.sender.room() === 0) return false;
    return this.splitter.flush((text, end) => {
      this.sender.send(this.type, text);
      this.counts.lines++;
      this.committed = end;
      return true;
    });
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      fs.closeSync(this.fd);
    } catch {
      // nothing to do
    }
  }
}

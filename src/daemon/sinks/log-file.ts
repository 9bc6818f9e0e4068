/**
 * One dated log file that oxd appends to.
 *
 * Bodies are copied into large chunks as they arrive and written with one
 * writev per flush, on libuv's thread pool, so the event loop never waits on
 * the disk and there is never a syscall per event.
 *
 * Before each write the path is checked against the open file: if logrotate
 * (or a person) renamed or removed it, a fresh file is opened at the expected
 * path. After the write, a link count of zero means the file was removed
 * while we wrote into it; that batch is written again into the fresh file, so
 * nothing is lost. A rename needs no rewrite: the batch is in the renamed file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError } from '../../errors';
import type { TypeEntry } from '../stats';
import type { ChunkPool } from './chunk-pool';

const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;
/** A quiet file batches into small chunks; a busy one into the pool's standard chunks. */
export const SMALL_CHUNK = 16 * 1024;

export interface FileStoreContext {
  pool: ChunkPool;
  /** Bytes held in memory by every file of the store; the store watches it. */
  pendingBytes: number;
  writes: number;
  writeErrors: number;
  reopened: number;
  onWriteError(file: LogFile, err: unknown): void;
  /** `events` of the file's type are now in the file. */
  onWritten(file: LogFile, events: number): void;
  /** A write finished (well or not) and the file is free for the next one. */
  onWriteDone(file: LogFile): void;
}

async function writeAll(handle: fs.promises.FileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const { bytesWritten } = await handle.writev(rest);
    let n = bytesWritten;
    let i = 0;
    while (i < rest.length && n >= rest[i].length) n -= rest[i++].length;
    rest = rest.slice(i);
    if (n > 0) rest[0] = rest[0].subarray(n);
  }
}

export class LogFile {
  lastAppend = Date.now();
  /** Set when the last write failed; cleared by the next good one. */
  failing = false;
  private handle: fs.promises.FileHandle | null = null;
  private ino = -1;
  private dev = -1;
  private reopenRequested = false;
  private chunk: Buffer | null = null;
  private used = 0;
  private chunkEvents = 0;
  private chunkSize = SMALL_CHUNK;
  private queue: Buffer[] = [];
  /** The whole buffers behind `queue`'s views, handed back to the pool once written. */
  private owners: Buffer[] = [];
  private queuedBytes = 0;
  private queuedEvents = 0;
  private bytesSinceFlush = 0;
  private writing: Promise<void> | null = null;
  private again: Promise<void> | null = null;

  constructor(
    readonly path: string,
    readonly type: TypeEntry,
    private readonly ctx: FileStoreContext,
  ) {}

  /** Bytes waiting to be written (sealed chunks plus the open one). */
  get pending(): number {
    return this.queuedBytes + this.used;
  }

  get busy(): boolean {
    return this.writing !== null || this.pending > 0;
  }

  /** Sealed bytes waiting: the store flushes early when this grows. */
  get sealed(): number {
    return this.queuedBytes;
  }

  append(buf: Buffer, start: number, end: number, now: number): void {
    const n = end - start;
    let chunk = this.chunk;
    if (chunk === null || this.used + n > chunk.length) {
      this.seal();
      chunk = this.chunk = this.ctx.pool.take(n > this.chunkSize ? n : this.chunkSize);
    }
    buf.copy(chunk, this.used, start, end);
    this.used += n;
    this.chunkEvents++;
    this.ctx.pendingBytes += n;
    this.lastAppend = now;
  }

  private seal(): void {
    if (this.chunk !== null && this.used > 0) {
      this.queue.push(this.chunk.subarray(0, this.used));
      this.owners.push(this.chunk);
      this.queuedBytes += this.used;
      this.queuedEvents += this.chunkEvents;
      this.bytesSinceFlush += this.used;
    } else if (this.chunk !== null) {
      this.ctx.pool.give(this.chunk);
    }
    this.chunk = null;
    this.used = 0;
    this.chunkEvents = 0;
  }

  /** Asks for the file to be closed after what is pending is written, and reopened on the next write (SIGHUP). */
  requestReopen(): void {
    this.reopenRequested = true;
  }

  /** True while a write (or close) is in progress. */
  get writeInProgress(): boolean {
    return this.writing !== null;
  }

  /** Writes what is pending; resolves when that (and any write before it) is done. */
  flush(): Promise<void> {
    // Callers during a write share one follow-up flush: a chain per caller would grow with the load.
    if (this.writing !== null) {
      return (this.again ??= this.writing.then(() => {
        this.again = null;
        return this.flush();
      }));
    }
    this.seal();
    // Busy files get the pool's big chunks: fewer allocations and iovecs per write.
    this.chunkSize = this.bytesSinceFlush >= this.ctx.pool.chunkSize / 2 ? this.ctx.pool.chunkSize : SMALL_CHUNK;
    this.bytesSinceFlush = 0;
    if (this.queue.length === 0) {
      if (!this.reopenRequested || this.handle === null) return Promise.resolve();
      // SIGHUP with nothing to write: let go of the file now, so a rotated file is released at once.
      this.reopenRequested = false;
      this.writing = this.closeHandle().finally(() => {
        this.writing = null;
      });
      return this.writing;
    }
    const buffers = this.queue;
    const owners = this.owners;
    const events = this.queuedEvents;
    const bytes = this.queuedBytes;
    this.queue = [];
    this.owners = [];
    this.queuedEvents = 0;
    this.queuedBytes = 0;
    this.writing = this.writeOut(buffers, owners, events, bytes).finally(() => {
      this.writing = null;
      this.ctx.onWriteDone(this);
    });
    return this.writing;
  }

  private async writeOut(buffers: Buffer[], owners: Buffer[], events: number, bytes: number): Promise<void> {
    try {
      const handle = await this.ensureOpen();
      this.ctx.writes++;
      await writeAll(handle, buffers);
      const st = await handle.stat();
      if (st.nlink === 0) {
        // Removed while we wrote: those bytes are gone with the file. Write them again.
        await writeAll(await this.ensureOpen(), buffers);
      }
      this.failing = false;
      this.ctx.pendingBytes -= bytes;
      for (const owner of owners) this.ctx.pool.give(owner);
      this.ctx.onWritten(this, events);
    } catch (err) {
      // Keep the batch, in order, ahead of anything newer; the next flush retries it.
      this.queue.unshift(...buffers);
      this.owners.unshift(...owners);
      this.queuedEvents += events;
      this.queuedBytes += bytes;
      this.failing = true;
      this.ctx.writeErrors++;
      this.ctx.onWriteError(this, err);
    }
  }

  /** The open handle, after making sure it still is the file at `path`. */
  private async ensureOpen(): Promise<fs.promises.FileHandle> {
    if (this.handle !== null && !this.reopenRequested) {
      const st = await fs.promises.stat(this.path).catch(() => null);
      if (st !== null && st.ino === this.ino && st.dev === this.dev) return this.handle;
      this.ctx.reopened++;
    }
    this.reopenRequested = false;
    await this.closeHandle();
    await fs.promises.mkdir(path.dirname(this.path), { recursive: true });
    const handle = await fs.promises.open(this.path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o666);
    const st = await handle.stat();
    this.handle = handle;
    this.ino = st.ino;
    this.dev = st.dev;
    return handle;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) await handle.close().catch(() => undefined);
  }

  /** Drops events that can no longer be kept (the store is over its memory limit). */
  discardPending(): number {
    this.seal();
    const events = this.queuedEvents;
    this.ctx.pendingBytes -= this.queuedBytes;
    for (const owner of this.owners) this.ctx.pool.give(owner);
    this.owners = [];
    this.queue = [];
    this.queuedBytes = 0;
    this.queuedEvents = 0;
    return events;
  }

  /** Flushes, then closes the file. */
  async close(): Promise<void> {
    await this.flush();
    await this.closeHandle();
  }

  describe(err: unknown): string {
    return `cannot write ${this.path}: ${describeError(err)}`;
  }
}

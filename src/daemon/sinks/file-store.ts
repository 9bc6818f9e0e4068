/**
 * The file store sink: appends every event's body, unchanged, to
 * `<log-path>/<YYYYMMDD>/<TYPE>-<stamp>.log` by arrival time (UTC).
 *
 * Flushes every `flushIntervalMs`, and early for a busy file; closes files
 * idle for `idleCloseMs`. When the disk is slower than the senders the store
 * reports congestion and the collect source stops reading (TCP backpressure).
 * When writes fail (disk full, permissions) it keeps retrying with what it
 * holds, and beyond `maxPendingBytes` drops new events, counted per type, so a
 * broken disk costs memory only up to a limit and never stops the other sinks.
 */
import * as path from 'node:path';
import { bucketFor, Bucket, logFilePath } from '../../store/naming';
import type { Packable } from '../../protocol/compat-pack';
import type { Logger } from '../log';
import type { RateLimitedLog } from '../rate-limit';
import type { EventView, Sink } from '../sink';
import type { Stats, TypeEntry } from '../stats';
import { ChunkPool } from './chunk-pool';
import { FileStoreContext, LogFile } from './log-file';

export interface FileStoreOptions {
  root: string;
  rotateHours: number;
  flushIntervalMs: number;
  idleCloseMs: number;
  /** Above this many bytes waiting, sources pause. */
  highWaterBytes?: number;
  /** Above this many bytes waiting on a failing disk, new events are dropped. */
  maxPendingBytes?: number;
}

/** A busy file is written as soon as this much is sealed, not only on the timer. */
const EARLY_FLUSH_BYTES = 1024 * 1024;
/** Batches of busy files are built in chunks of this size, reused once written. */
const POOL_CHUNK = 256 * 1024;
const POOL_MAX = 48;

export class FileStore implements Sink {
  readonly name = 'file';
  onDrain: (() => void) | null = null;
  private readonly root: string;
  private readonly files = new Map<string, LogFile>();
  private bucket: Bucket;
  private readonly timer: NodeJS.Timeout;
  private readonly ctx: FileStoreContext;
  private readonly highWater: number;
  private readonly maxPending: number;
  private wasCongested = false;
  private dropped = 0;
  private written = 0;

  constructor(
    private readonly options: FileStoreOptions,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly warn: RateLimitedLog,
  ) {
    this.root = path.resolve(options.root);
    this.highWater = options.highWaterBytes ?? 16 * 1024 * 1024;
    this.maxPending = options.maxPendingBytes ?? 256 * 1024 * 1024;
    this.bucket = bucketFor(Date.now(), options.rotateHours);
    this.ctx = {
      pool: new ChunkPool(POOL_CHUNK, POOL_MAX),
      pendingBytes: 0,
      writes: 0,
      writeErrors: 0,
      reopened: 0,
      onWriteError: (file, err) => this.warn.log('error', 'file-write', `${file.describe(err)}; will retry`),
      onWritten: (file, events) => this.countWritten(file, events),
      onWriteDone: (file) => {
        // A failed write is retried by the timer, not in a tight loop.
        if (!file.failing && file.sealed >= EARLY_FLUSH_BYTES) void file.flush();
        this.checkDrain();
      },
    };
    this.timer = setInterval(() => this.tick(), options.flushIntervalMs);
  }

  get congested(): boolean {
    return this.ctx.pendingBytes > this.highWater && !this.anyFailing();
  }

  private anyFailing(): boolean {
    for (const f of this.files.values()) if (f.failing) return true;
    return false;
  }

  accept(ev: EventView): void {
    const arrival = ev.arrival;
    if (arrival >= this.bucket.end || arrival < this.bucket.start) {
      this.bucket = bucketFor(arrival, this.options.rotateHours);
    }
    const type = ev.type;
    let file = type.fileSlot as LogFile | null;
    if (file === null || type.fileSlotEnd !== this.bucket.end) file = this.fileFor(type);
    if (file === null || this.ctx.pendingBytes > this.maxPending) {
      type.dropped++;
      this.stats.totals.dropped++;
      this.dropped++;
      if (file !== null) {
        this.warn.log('error', 'file-drop', `dropping events: ${this.ctx.pendingBytes} bytes are waiting for a failing disk`);
      }
      return;
    }
    file.append(ev.bodyBuf, ev.bodyStart, ev.bodyEnd, arrival);
    // While a write is in progress the batch keeps growing; afterWrite() starts the next one.
    if (file.sealed >= EARLY_FLUSH_BYTES && !file.writeInProgress) void file.flush();
    if (!this.wasCongested && this.ctx.pendingBytes > this.highWater) this.wasCongested = true;
  }

  private fileFor(type: TypeEntry): LogFile | null {
    const filePath = logFilePath(this.root, type.name, this.bucket);
    // The type name was validated; this is the last line of defence against a path outside the store.
    if (path.dirname(path.dirname(filePath)) !== this.root) {
      this.warn.log('error', 'file-escape', `refused to write outside the log path: ${JSON.stringify(filePath)}`);
      return null;
    }
    let file = this.files.get(filePath);
    if (file === undefined) {
      file = new LogFile(filePath, type, this.ctx);
      this.files.set(filePath, file);
      this.log.info(`writing ${filePath}`);
    }
    type.fileSlot = file;
    type.fileSlotEnd = this.bucket.end;
    return file;
  }

  private countWritten(file: LogFile, events: number): void {
    file.type.written += events;
    this.stats.totals.written += events;
    this.written += events;
  }

  private checkDrain(): void {
    if (this.wasCongested && (this.ctx.pendingBytes <= this.highWater / 2 || this.anyFailing())) {
      this.wasCongested = false;
      this.onDrain?.();
    }
  }

  private tick(): void {
    const now = Date.now();
    for (const [key, file] of this.files) {
      if (file.pending > 0) void file.flush();
      else if (!file.busy && now - file.lastAppend >= this.options.idleCloseMs) {
        this.files.delete(key);
        if (file.type.fileSlot === file) file.type.fileSlot = null;
        this.log.info(`closing idle ${file.path}`);
        void file.close();
      }
    }
    this.checkDrain();
  }

  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => f.flush()));
  }

  reopen(): void {
    for (const file of this.files.values()) file.requestReopen();
    void this.flush();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.files.values()].map((f) => f.close()));
    for (const file of this.files.values()) {
      if (file.pending > 0) {
        const lost = file.discardPending();
        file.type.dropped += lost;
        this.stats.totals.dropped += lost;
        this.log.error(`lost ${lost} events that could not be written to ${file.path}`);
      }
    }
    this.files.clear();
  }

  status(): { [key: string]: Packable } {
    return {
      path: this.root,
      open_files: this.files.size,
      pending_bytes: this.ctx.pendingBytes,
      written: this.written,
      writes: this.ctx.writes,
      chunks_allocated: this.ctx.pool.allocated,
      chunks_reused: this.ctx.pool.reused,
      write_errors: this.ctx.writeErrors,
      reopened: this.ctx.reopened,
      dropped: this.dropped,
    };
  }
}

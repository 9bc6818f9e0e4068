/**
 * The forwarder's queue on the disk spool (spool_path): every event the
 * forwarder takes is appended, written to the page cache at the end of the
 * event loop's turn, fsynced every spool_fsync_ms, and acknowledged once the
 * link took it, so an oxd restarted or killed while its upstream is away
 * sends everything it had once the upstream is back.
 */
import type { OxdSettings } from '../../config/oxd-settings';
import { BlueOxError, describeError } from '../../errors';
import { META_TYPE_OFFSET } from '../../protocol/meta';
import { ForwardQueue, MemoryForwardQueue, QueuedEvent } from '../sinks/forward-queue';
import type { EventView } from '../sink';
import type { Stats, TypeEntry } from '../stats';
import { DiskSpool, DiskSpoolOptions } from './disk-spool';

export class DiskForwardQueue implements ForwardQueue {
  readonly durable = true;
  onReady: (() => void) | null = null;
  readonly spool: DiskSpool;
  private committing = false;
  private syncing = false;
  private readonly timer: NodeJS.Timeout;
  private readonly current: QueuedEvent = { meta: Buffer.alloc(0), body: Buffer.alloc(0), type: null };
  private currentSeq = 0;

  constructor(
    options: DiskSpoolOptions,
    fsyncMs: number,
    private readonly stats: Stats,
  ) {
    this.spool = new DiskSpool(options);
    this.timer = setInterval(() => this.tick(), fsyncMs);
    this.timer.unref();
  }

  push(ev: EventView): boolean {
    const seq = this.spool.append(ev.metaBuf, ev.metaStart, ev.metaEnd, ev.bodyBuf, ev.bodyStart, ev.bodyEnd, ev.arrival);
    if (seq === 0) return false;
    // Once per turn of the event loop: a write per read from a socket, not per event.
    if (!this.committing) {
      this.committing = true;
      setImmediate(() => {
        this.committing = false;
        this.spool.commit();
        this.onReady?.();
      });
    }
    return true;
  }

  get congested(): boolean {
    return this.spool.full;
  }

  peek(): QueuedEvent | null {
    if (this.currentSeq !== 0) return this.current;
    const scanner = this.spool.next();
    if (scanner === null) return null;
    const r = scanner.record;
    const c = this.current;
    c.meta = scanner.buf.subarray(r.metaStart, r.metaEnd);
    c.body = scanner.buf.subarray(r.metaEnd, r.end);
    c.type = this.typeOf(c.meta);
    this.currentSeq = r.seq;
    return c;
  }

  taken(): void {
    if (this.currentSeq === 0) return;
    this.ackUpTo(this.currentSeq);
    this.currentSeq = 0;
  }

  /** The upstream has every event up to `seq` (the link's acknowledgement, or PUSH's send). */
  ackUpTo(seq: number): void {
    this.spool.ack(seq);
    if (this.spool.full && this.spool.commit()) this.onReady?.();
  }

  get length(): number {
    return this.spool.unacked;
  }

  get bytes(): number {
    return this.spool.bytes;
  }

  /**
   * What was not taken stays on disk for the next start, events waiting in
   * memory for room included (written past spool_max_bytes); those a full
   * disk would not take are handed to `lost`, which counts them dropped.
   */
  close(lost: (e: QueuedEvent) => void): void {
    clearInterval(this.timer);
    this.spool.close((buf, r) => {
      const meta = buf.subarray(r.metaStart, r.metaEnd);
      lost({ meta, body: buf.subarray(r.metaEnd, r.end), type: this.typeOf(meta) });
    });
  }

  status(): { [key: string]: number | string | null | boolean } {
    return { kind: 'disk', ...this.spool.status() };
  }

  /** The counters of the type a spooled event's meta frame names (null: none known). */
  private typeOf(meta: Buffer): TypeEntry | null {
    const at = META_TYPE_OFFSET;
    const type = meta.length > at ? this.stats.typeFor(meta, at + 1, at + 1 + meta[at]) : null;
    return typeof type === 'string' ? null : type;
  }

  private tick(): void {
    // A full disk freed since the last try, or events held back by it.
    if (this.spool.full && this.spool.commit()) this.onReady?.();
    if (this.syncing) return;
    this.syncing = true;
    this.spool
      .syncAsync()
      .catch((err: Error) => {
        // fsync or the folder failed: shown in STATUS; the next tick tries again.
        this.spool.lastWriteError = err.message;
        this.spool.counts.write_errors++;
      })
      .finally(() => (this.syncing = false));
  }
}

/**
 * The forwarder's queue the settings ask for: the disk spool in spool_path,
 * or memory. Throws ESPOOL when the folder cannot be used.
 */
export function openForwardQueue(settings: OxdSettings, stats: Stats): ForwardQueue {
  if (settings.spoolPath === null) return new MemoryForwardQueue(settings.forwardSpoolBytes);
  try {
    return new DiskForwardQueue({ dir: settings.spoolPath, maxBytes: settings.spoolMaxBytes, whenFull: settings.spoolWhenFull }, settings.spoolFsyncMs, stats);
  } catch (err) {
    throw new BlueOxError(
      'ESPOOL',
      `spool_path ${settings.spoolPath}: ${describeError(err)}. The folder must be one oxd's user can create and write (the package uses /var/lib/blueox/spool); or set spool_path = "" to keep events to forward in memory`,
    );
  }
}

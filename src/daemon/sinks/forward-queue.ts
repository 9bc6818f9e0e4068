/**
 * What holds the events the forwarder has taken and the next oxd has not:
 * memory (forward_spool_bytes, lost on restart), or the disk spool
 * (spool_path, disk-forward-queue.ts). The forwarder hands the oldest one to
 * the link and says when the link took it.
 */
import type { EventView } from '../sink';
import type { TypeEntry } from '../stats';
import { MemorySpool } from './memory-spool';

export interface QueuedEvent {
  meta: Buffer;
  body: Buffer;
  /** Its type's counters, when known (events read back from disk after a restart find theirs by name). */
  type: TypeEntry | null;
}

export interface ForwardQueue {
  /** Keeps the event; false when it was dropped instead (the queue is full). */
  push(ev: EventView): boolean;
  /** The oldest event not handed to the link yet, or null. */
  peek(): QueuedEvent | null;
  /** The link took the event `peek` gave. */
  taken(): void;
  /**
   * It keeps events across restarts: then libzmq should take an event only
   * for a connected upstream (ZMQ_IMMEDIATE), so that what waits for the
   * upstream waits here, not in libzmq's queue, which a restart loses.
   */
  readonly durable: boolean;
  /** The queue holds the senders back (a full disk spool with spool_when_full = block). */
  readonly congested: boolean;
  /** Called when it stops being congested, or when events become available to peek. */
  onReady: (() => void) | null;
  readonly length: number;
  readonly bytes: number;
  /** Closes the queue; `lost` is called for each event lost with it (a memory queue loses what it holds). */
  close(lost: (e: QueuedEvent) => void): void;
  status(): { [key: string]: number | string | null | boolean };
}

interface Spooled extends QueuedEvent {
  size: number;
}

export class MemoryForwardQueue implements ForwardQueue {
  readonly durable = false;
  readonly congested = false;
  onReady: (() => void) | null = null;
  private readonly spool: MemorySpool<Spooled>;

  constructor(maxBytes: number) {
    this.spool = new MemorySpool(maxBytes);
  }

  push(ev: EventView): boolean {
    // Copies, so a queued event does not keep a whole receive chunk alive.
    const meta = Buffer.from(ev.metaBuf.subarray(ev.metaStart, ev.metaEnd));
    const body = Buffer.from(ev.bodyBuf.subarray(ev.bodyStart, ev.bodyEnd));
    const size = meta.length + body.length;
    if (!this.spool.push({ meta, body, type: ev.type, size }, size)) return false;
    this.onReady?.();
    return true;
  }

  peek(): QueuedEvent | null {
    return this.spool.peek() ?? null;
  }

  taken(): void {
    const item = this.spool.peek();
    if (item !== undefined) this.spool.shift(item.size);
  }

  get length(): number {
    return this.spool.length;
  }

  get bytes(): number {
    return this.spool.bytes;
  }

  close(lost: (e: QueuedEvent) => void): void {
    for (let item = this.spool.peek(); item !== undefined; item = this.spool.peek()) {
      this.spool.shift(item.size);
      lost(item);
    }
  }

  status(): { [key: string]: number | string | null | boolean } {
    return { kind: 'memory', max_bytes: this.spool.maxBytes };
  }
}

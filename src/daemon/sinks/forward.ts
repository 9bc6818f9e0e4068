/**
 * The forwarder: PUSHes each event's two frames, unchanged, to the collect
 * port of the next oxd up the hierarchy (zeromq.js, which reconnects on its
 * own). A queue in front absorbs the time the next oxd is away: memory,
 * where a full queue drops new events (counted) and a restart loses what it
 * holds, or the disk spool (forward-queue.ts).
 */
import * as zmq from 'zeromq';
import type { Packable } from '../../protocol/compat-pack';
import { Endpoint, formatEndpoint, zmqEndpoint } from '../../protocol/endpoint';
import type { Logger } from '../log';
import type { RateLimitedLog } from '../rate-limit';
import type { EventView, Sink } from '../sink';
import type { Stats } from '../stats';
import type { ForwardQueue } from './forward-queue';

export class Forwarder implements Sink {
  readonly name = 'forward';
  onDrain: (() => void) | null = null;
  private sock: zmq.Push;
  private pumping: Promise<void> | null = null;
  private dropped = 0;
  private forwarded = 0;
  private sendErrors = 0;
  private closing = false;
  private retargets = 0;

  constructor(
    private target: Endpoint,
    private readonly spool: ForwardQueue,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly warn: RateLimitedLog,
  ) {
    this.sock = this.connect(target);
    let wasCongested = false;
    spool.onReady = () => {
      if (wasCongested && !spool.congested) this.onDrain?.();
      wasCongested = spool.congested;
      this.startPump();
    };
    // A disk spool may hold events from before a restart.
    this.startPump();
  }

  /** True while the queue holds the senders back (a full disk spool that blocks). */
  get congested(): boolean {
    return this.spool.congested;
  }

  private startPump(): void {
    if (this.pumping === null && !this.closing) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  private connect(target: Endpoint): zmq.Push {
    // With a durable queue, events wait there while the upstream is away, and few sit in libzmq's queue.
    const sock = this.spool.durable ? new zmq.Push({ sendHighWaterMark: 1000, linger: 0, immediate: true }) : new zmq.Push({ sendHighWaterMark: 10_000, linger: 0 });
    sock.connect(zmqEndpoint(target));
    this.log.info(`forwarding to ${formatEndpoint(target)}`);
    return sock;
  }

  accept(ev: EventView): void {
    if (!this.spool.push(ev)) {
      ev.type.dropped++;
      this.stats.totals.dropped++;
      this.dropped++;
      this.warn.log('warning', 'forward-full', `forward spool full (${this.spool.bytes} bytes): dropping events for ${formatEndpoint(this.target)}`);
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      const item = this.spool.peek();
      if (item === null || this.closing) return;
      const sock = this.sock;
      try {
        await sock.send([item.meta, item.body]);
      } catch (err) {
        // A closed socket rejects (shutdown, or a retarget): the item stays for the next socket.
        if (this.closing) return;
        if (sock === this.sock) {
          this.sendErrors++;
          this.warn.log('warning', 'forward-send', `forwarding failed: ${(err as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        continue;
      }
      this.spool.taken();
      if (item.type !== null) item.type.forwarded++;
      this.stats.totals.forwarded++;
      this.forwarded++;
    }
  }

  /**
   * Points the forwarder at another oxd without a restart. What libzmq
   * already queued for the old target still goes there (the old socket
   * lingers up to `lingerMs`); everything still in the spool, including a
   * send that was waiting, goes to the new one. Nothing is sent twice.
   */
  retarget(target: Endpoint, lingerMs: number): void {
    const old = this.sock;
    this.target = target;
    this.sock = this.connect(target);
    this.retargets++;
    old.linger = lingerMs;
    old.close();
  }

  get endpoint(): Endpoint {
    return this.target;
  }

  async flush(): Promise<void> {
    await this.pumping;
  }

  reopen(): void {
    // zeromq reconnects by itself; nothing to reopen.
  }

  /** Hands what is spooled to libzmq, gives it `lingerMs` to reach the peer, then closes. */
  async closeWithin(lingerMs: number): Promise<void> {
    const deadline = Date.now() + lingerMs;
    while (this.spool.length > 0 && this.pumping !== null && Date.now() < deadline) {
      await Promise.race([this.pumping, new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())))]);
    }
    this.closing = true;
    let lost = 0;
    this.spool.close((item) => {
      if (item.type !== null) item.type.dropped++;
      lost++;
    });
    if (lost > 0) {
      this.stats.totals.dropped += lost;
      this.dropped += lost;
      this.log.error(`lost ${lost} events that could not be forwarded to ${formatEndpoint(this.target)} before shutdown`);
    }
    this.sock.linger = Math.max(0, deadline - Date.now());
    this.sock.close();
  }

  close(): Promise<void> {
    return this.closeWithin(0);
  }

  status(): { [key: string]: Packable } {
    return {
      target: formatEndpoint(this.target),
      spooled: this.spool.length,
      spooled_bytes: this.spool.bytes,
      spool: this.spool.status(),
      forwarded: this.forwarded,
      dropped: this.dropped,
      send_errors: this.sendErrors,
      retargets: this.retargets,
    };
  }
}

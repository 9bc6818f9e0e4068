/**
 * The forwarder: PUSHes each event's two frames, unchanged, to the collect
 * port of the next oxd up the hierarchy (zeromq.js, which reconnects on its
 * own). A memory spool in front absorbs the time the next oxd is away; when
 * it is full, new events are dropped and counted rather than growing oxd
 * without bound.
 */
import * as zmq from 'zeromq';
import type { Packable } from '../../protocol/compat-pack';
import { Endpoint, formatEndpoint, zmqEndpoint } from '../../protocol/endpoint';
import type { Logger } from '../log';
import type { RateLimitedLog } from '../rate-limit';
import type { EventView, Sink } from '../sink';
import type { Stats, TypeEntry } from '../stats';
import { MemorySpool } from './memory-spool';

interface Spooled {
  meta: Buffer;
  body: Buffer;
  type: TypeEntry;
}

export class Forwarder implements Sink {
  readonly name = 'forward';
  readonly congested = false;
  onDrain: (() => void) | null = null;
  private sock: zmq.Push;
  private readonly spool: MemorySpool<Spooled>;
  private pumping: Promise<void> | null = null;
  private dropped = 0;
  private forwarded = 0;
  private sendErrors = 0;
  private closing = false;
  private retargets = 0;

  constructor(
    private target: Endpoint,
    spoolBytes: number,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly warn: RateLimitedLog,
  ) {
    this.spool = new MemorySpool(spoolBytes);
    this.sock = this.connect(target);
  }

  private connect(target: Endpoint): zmq.Push {
    const sock = new zmq.Push({ sendHighWaterMark: 10_000, linger: 0 });
    sock.connect(zmqEndpoint(target));
    this.log.info(`forwarding to ${formatEndpoint(target)}`);
    return sock;
  }

  accept(ev: EventView): void {
    // Copies, so a queued event does not keep a whole receive chunk alive.
    const meta = Buffer.from(ev.metaBuf.subarray(ev.metaStart, ev.metaEnd));
    const body = Buffer.from(ev.bodyBuf.subarray(ev.bodyStart, ev.bodyEnd));
    if (!this.spool.push({ meta, body, type: ev.type }, meta.length + body.length)) {
      ev.type.dropped++;
      this.stats.totals.dropped++;
      this.dropped++;
      this.warn.log('warning', 'forward-full', `forward spool full (${this.spool.bytes} bytes): dropping events for ${formatEndpoint(this.target)}`);
      return;
    }
    if (this.pumping === null) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  private async pump(): Promise<void> {
    for (;;) {
      const item = this.spool.peek();
      if (item === undefined || this.closing) return;
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
      this.spool.shift(item.meta.length + item.body.length);
      item.type.forwarded++;
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
    for (let item = this.spool.peek(); item !== undefined; item = this.spool.peek()) {
      this.spool.shift(item.meta.length + item.body.length);
      item.type.dropped++;
      lost++;
    }
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
      forwarded: this.forwarded,
      dropped: this.dropped,
      send_errors: this.sendErrors,
      retargets: this.retargets,
    };
  }
}

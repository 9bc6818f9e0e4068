/**
 * Forwarding by plain PUSH, to an upstream that does not speak the link
 * (an original Python oxd) or from a memory queue: each event's two frames
 * to the upstream's collect port, as an application sends them. zeromq.js
 * reconnects by itself; an event libzmq took counts as delivered, so with a
 * durable queue (or other upstreams to fail over to) libzmq takes events
 * only for a connected upstream (ZMQ_IMMEDIATE), and what waits for the
 * upstream waits in the queue, not in libzmq's, which a restart loses.
 */
import * as zmq from 'zeromq';
import { Endpoint, zmqEndpoint } from '../../protocol/endpoint';
import type { TypeEntry } from '../stats';
import type { ForwardQueue } from './forward-queue';

export interface PushEvents {
  /** libzmq took `n` events of `type`. */
  taken(type: TypeEntry | null, n: number): void;
  connected(): void;
  disconnected(): void;
  /** A send failed for another reason than a close; the event is tried again. */
  sendFailed(why: string): void;
}

export class PushSender {
  private readonly sock: zmq.Push;
  private pumping: Promise<void> | null = null;
  private closed = false;

  constructor(
    target: Endpoint,
    private readonly queue: ForwardQueue,
    onlyWhenConnected: boolean,
    private readonly on: PushEvents,
  ) {
    this.sock = onlyWhenConnected
      ? new zmq.Push({ sendHighWaterMark: 1000, linger: 0, immediate: true })
      : new zmq.Push({ sendHighWaterMark: 10_000, linger: 0 });
    // Watched before it connects: libzmq's events before the monitor is set up are not reported.
    const events = this.sock.events;
    void (async () => {
      for await (const ev of events) {
        if (this.closed) return;
        if (ev.type === 'handshake') this.on.connected();
        else if (ev.type === 'disconnect') this.on.disconnected();
      }
    })().catch(() => undefined);
    this.sock.connect(zmqEndpoint(target));
    this.poke();
  }

  /** Events are in the queue: sends them. */
  poke(): void {
    if (this.pumping === null && !this.closed) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  /** Waits until the queue is empty or libzmq holds the sender back. */
  async flush(): Promise<void> {
    await this.pumping;
  }

  /** Keeps sending what is queued until `deadline` (a clean shutdown hands libzmq what it can). */
  async drainUntil(deadline: number): Promise<void> {
    while (this.queue.length > 0 && this.pumping !== null && Date.now() < deadline) {
      await Promise.race([this.pumping, new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())))]);
    }
  }

  /**
   * What libzmq holds still goes out for up to `lingerMs`; what the queue
   * holds stays there. Resolves when this sender has stopped taking from the
   * queue: only then may another one start.
   */
  async close(lingerMs: number): Promise<void> {
    this.closed = true;
    this.sock.linger = lingerMs;
    this.sock.close();
    await this.pumping;
  }

  private async pump(): Promise<void> {
    while (!this.closed) {
      const item = this.queue.peek();
      if (item === null) return;
      try {
        await this.sock.send([item.meta, item.body]);
      } catch (err) {
        // A closed socket rejects (shutdown, or another upstream): the event stays for the next sender.
        if (this.closed) return;
        this.on.sendFailed((err as Error).message);
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      this.queue.taken();
      this.on.taken(item.type, 1);
    }
  }
}

/**
 * Hands lines to the client library as events, never more than its bounded
 * queue can take: callers ask `room()` before sending and wait with
 * `whenRoom()` while the queue is full (oxd away or slow), so the library
 * never has to drop a line. `handed` numbers every event given to the
 * library; `delivered()` says how many of those the library has written to
 * the connection, in the same order, so a reader can tell which of its
 * positions are safe to save.
 */
import * as blueox from '../client';
import { formatEndpoint, Endpoint } from '../protocol/endpoint';

/** Lines that may wait in the client library's queue; beyond it reading pauses. */
export const QUEUE_LIMIT = 4096;

export interface SenderOptions {
  endpoint: Endpoint;
  lingerMs: number;
  queueLimit?: number;
  onWarning?: (message: string) => void;
}

export class Sender {
  /** Events handed to the library so far. */
  handed = 0;
  readonly limit: number;
  private readonly waiting = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(readonly options: SenderOptions) {
    this.limit = options.queueLimit ?? QUEUE_LIMIT;
    blueox.configure({
      host: formatEndpoint(options.endpoint),
      queueLimit: this.limit,
      lingerMs: options.lingerMs,
      onWarning: options.onWarning,
    });
  }

  /** How many events can be handed now without the library's queue refusing one. */
  room(): number {
    if (this.closed) return 0;
    return Math.max(0, this.limit - blueox.stats().queued);
  }

  /** One line as one event of `type`, body {data: line}. The caller checked room(). */
  send(type: string, line: string): void {
    blueox.context(type, (ctx) => ctx.set('data', line));
    this.handed++;
  }

  /** Events the library wrote to its connection (or refused), counted in the order handed. */
  delivered(): number {
    const s = blueox.stats();
    return s.sent + s.refused;
  }

  stats(): blueox.Stats {
    return blueox.stats();
  }

  /** Calls `resume` once the queue has drained below half its limit. */
  whenRoom(resume: () => void): void {
    if (this.closed) return;
    this.waiting.add(resume);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.waiting.size === 0) return;
    // Poll quickly while connected (the queue drains as fast as oxd reads), slowly while oxd is away.
    this.timer = setTimeout(() => this.poll(), blueox.stats().connected ? 1 : 50);
  }

  private poll(): void {
    this.timer = null;
    if (this.closed) return;
    if (blueox.stats().queued < this.limit / 2) {
      const resumes = [...this.waiting];
      this.waiting.clear();
      for (const resume of resumes) resume();
    }
    this.schedule();
  }

  /**
   * Stops taking lines and waits (up to the linger time) for the queue to
   * reach oxd. Resolves to the number of events that could not be delivered.
   */
  async shutdown(): Promise<number> {
    this.closed = true;
    this.waiting.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await blueox.shutdown();
    return this.handed - this.delivered();
  }
}

/**
 * The interval clock: fires at wall-clock multiples of the interval (every
 * 10 s at :00, :10, :20 …), so every oxd of a hierarchy closes the same
 * windows and their intervals can be merged. statsd's windows start when it
 * started, which differs from host to host.
 */

export class FlushClock {
  private timer: NodeJS.Timeout | null = null;
  /** End of the window being filled, ms since the epoch. */
  windowEnd = 0;

  constructor(
    readonly intervalMs: number,
    private readonly onWindowEnd: (windowEnd: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.windowEnd = nextBoundary(this.now(), this.intervalMs);
    this.arm();
  }

  private arm(): void {
    // A timer may fire a little early; it is re-armed until the boundary has passed.
    const wait = Math.max(0, this.windowEnd - this.now());
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  private fire(): void {
    if (this.now() < this.windowEnd) return this.arm();
    const ended = this.windowEnd;
    // After a stall (a suspended machine, a long pause), the next window is the one now open.
    this.windowEnd = nextBoundary(Math.max(this.now(), ended), this.intervalMs);
    this.onWindowEnd(ended);
    this.arm();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The first multiple of `intervalMs` after `t`. */
export function nextBoundary(t: number, intervalMs: number): number {
  return (Math.floor(t / intervalMs) + 1) * intervalMs;
}

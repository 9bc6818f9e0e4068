/**
 * The one updating progress line on stderr while files are shipped:
 *
 *   oxstash: 12000/50000 events (24.0%), 8000 events/s
 *
 * "done" counts events read and settled (indexed, rejected, undelivered or
 * left out by the type filter); the total comes from a counting pass over the
 * same files that runs beside the shipping ("?" until it is done). Redrawn at
 * most four times a second with a carriage return, and ended with a newline so
 * what follows starts on a line of its own.
 */
import type { Writable } from 'node:stream';

const REDRAW_MS = 250;

export class ProgressLine {
  private total: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly started = Date.now();
  private drawn = false;

  constructor(
    private readonly out: Writable,
    private readonly done: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), REDRAW_MS);
    this.timer.unref();
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** The text of the line for `done` events after `elapsedMs`. */
  static format(done: number, total: number | null, elapsedMs: number): string {
    const rate = elapsedMs > 0 ? Math.round((done * 1000) / elapsedMs) : 0;
    if (total === null) return `oxstash: ${done}/? events, ${rate} events/s`;
    const percent = total > 0 ? Math.min(100, (done * 100) / total) : 100;
    return `oxstash: ${done}/${total} events (${percent.toFixed(1)}%), ${rate} events/s`;
  }

  draw(): void {
    this.out.write(`\r${ProgressLine.format(this.done(), this.total, Date.now() - this.started)}\x1b[K`);
    this.drawn = true;
  }

  /** Draws the final state and moves to the next line. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.draw();
    if (this.drawn) this.out.write('\n');
  }
}

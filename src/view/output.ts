/**
 * Writing a tool's output: the writer waits when the reader is slower, and
 * a reader that goes away (`oxview ... | head`) ends the output quietly
 * instead of with an EPIPE stack. Callers hand over large pieces (the
 * printer gathers events into 64 KiB), since one write per line would cost
 * more than producing it.
 */
import type { Writable } from 'node:stream';

export class Output {
  private waiting: Promise<void> | null = null;
  /** True once the reader has gone away; nothing more is written. */
  closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(private readonly stream: Writable = process.stdout) {
    this.closedPromise = new Promise((resolve) => {
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
          this.closed = true;
          resolve();
        } else {
          throw err;
        }
      });
      stream.once('close', () => {
        this.closed = true;
        resolve();
      });
    });
  }

  /** Resolves when the reader is gone (for live sources that would otherwise never end). */
  get gone(): Promise<void> {
    return this.closedPromise;
  }

  write(data: Buffer | string): void {
    if (this.closed || data.length === 0) return;
    if (!this.stream.write(data) && this.waiting === null) {
      this.waiting = new Promise<void>((resolve) => {
        const done = (): void => {
          this.waiting = null;
          resolve();
        };
        this.stream.once('drain', done);
        void this.closedPromise.then(done);
      });
    }
  }

  /** Resolves when the reader has taken what was written (await it between input chunks). */
  ready(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }
}

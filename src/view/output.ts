/**
 * Writing a tool's output: text is gathered into large writes (one write
 * per line would cost more than decoding), the writer waits when the reader
 * is slower, and a reader that goes away (`oxview ... | head`) ends the
 * output quietly instead of with an EPIPE stack.
 */
import type { Writable } from 'node:stream';

const FLUSH_AT = 64 * 1024;

export class Output {
  private parts: string[] = [];
  private size = 0;
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

  write(text: string): void {
    if (this.closed) return;
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.closed || this.size === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(text) && this.waiting === null) {
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

  /** Writes what is left and waits until it is out. */
  async end(): Promise<void> {
    this.flush();
    await this.ready();
  }
}

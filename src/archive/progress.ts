/**
 * Progress of a long `oxstore zip`: files done of total, bytes read of
 * total, and speed. On a terminal one status line is redrawn in place (at
 * most ten times a second) and cleared at the end; elsewhere (`--progress`
 * into a file or pipe) a line is printed at most once a second and once at
 * the end.
 */
import type { Writable } from 'node:stream';

const MB = 1024 * 1024;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MB) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * MB) return `${(n / MB).toFixed(1)} MiB`;
  return `${(n / 1024 / MB).toFixed(2)} GiB`;
}

export class Progress {
  private files = 0;
  private bytes = 0;
  private lastDraw = -Infinity;
  private drawn = false;
  private readonly started: number;
  private readonly interval: number;

  constructor(
    private readonly totalFiles: number,
    private readonly totalBytes: number,
    private readonly stream: Writable & { isTTY?: boolean },
    private readonly inPlace = Boolean(stream.isTTY),
    private readonly now: () => number = Date.now,
  ) {
    this.interval = inPlace ? 100 : 1000;
    this.started = now();
  }

  /** The status line as it would be drawn now. */
  line(): string {
    const seconds = Math.max((this.now() - this.started) / 1000, 0.001);
    const rate = this.bytes / MB / seconds;
    return `zip: ${this.files}/${this.totalFiles} files, ${formatBytes(this.bytes)} of ${formatBytes(this.totalBytes)}, ${rate.toFixed(1)} MB/s`;
  }

  read(n: number): void {
    this.bytes += n;
    this.draw(false);
  }

  fileDone(): void {
    this.files++;
    this.draw(false);
  }

  /** Draws the final line (and on a terminal, clears the status line first). */
  end(): void {
    this.draw(true);
    if (this.inPlace && this.drawn) this.stream.write('\n');
  }

  /** Clears the in-place line so that another message can be printed, then redraws it later. */
  interrupt(): void {
    if (this.inPlace && this.drawn) {
      this.stream.write('\r\x1b[K');
      this.drawn = false;
      this.lastDraw = -Infinity;
    }
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    this.drawn = true;
    this.stream.write(this.inPlace ? `\r\x1b[K${this.line()}` : `${this.line()}\n`);
  }
}

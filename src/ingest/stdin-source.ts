/**
 * Standard input mode: each line becomes one event of the given type. A
 * chunk's lines wait in a small array while the sender is full, and stdin
 * is paused meanwhile, so a fast producer is held back by the pipe rather
 * than by dropping lines.
 */
import type { LineOptions } from './file-reader';
import { LineSplitter } from './line-splitter';
import type { Sender } from './sender';

export class StdinSource {
  readonly counts = { lines: 0, split: 0, truncated: 0 };
  private readonly splitter: LineSplitter;
  private pending: string[] = [];
  private next = 0;
  private offset = 0;
  private ended = false;
  private stopped = false;
  private finish: (() => void) | null = null;
  private readonly drain = (): void => this.hand();

  constructor(
    private readonly type: string,
    private readonly sender: Sender,
    options: LineOptions,
    private readonly input: NodeJS.ReadStream = process.stdin,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes, options.truncateLongLines, this.counts);
  }

  /** Resolves when the input has ended and every line was handed to the sender, or after stop(). */
  run(onError: (err: Error) => void): Promise<void> {
    return new Promise((resolve) => {
      this.finish = resolve;
      this.input.on('data', (chunk: Buffer) => {
        this.splitter.feed(chunk, this.offset, (text) => this.pending.push(text) > 0);
        this.offset += chunk.length;
        this.hand();
      });
      this.input.on('end', () => {
        this.splitter.flush((text) => this.pending.push(text) > 0);
        this.ended = true;
        this.hand();
      });
      this.input.on('error', (err) => {
        onError(err);
        this.ended = true;
        this.hand();
      });
    });
  }

  /** Lines read but not handed to the sender (nonzero only after stop()). */
  get unsent(): number {
    return this.pending.length - this.next;
  }

  private hand(): void {
    if (this.stopped) return;
    let room = this.sender.room();
    while (this.next < this.pending.length && room > 0) {
      this.sender.send(this.type, this.pending[this.next++]);
      this.counts.lines++;
      room--;
    }
    if (this.next < this.pending.length) {
      this.input.pause();
      this.sender.whenRoom(this.drain);
      return;
    }
    this.pending = [];
    this.next = 0;
    if (this.ended) this.done();
    else this.input.resume();
  }

  /** Stops reading (a signal); what was read and not handed stays `unsent`. */
  stop(): void {
    if (this.stopped) return;
    this.input.pause();
    this.stopped = true;
    this.done();
  }

  private done(): void {
    const finish = this.finish;
    this.finish = null;
    finish?.();
  }
}

/**
 * statsd over TCP: newline-separated lines on a stream. Whatever complete
 * lines a read brings are handed on together, as statsd's TCP server does
 * (each such run counts as one packet); a partial line waits for the rest.
 * A line that grows past the limit without a newline is dropped up to its
 * newline and counted, so a sender that never ends a line cannot grow oxd.
 */
import { StringDecoder } from 'node:string_decoder';

export const MAX_TCP_LINE = 64 * 1024;

export class TcpLines {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  /** Discarding a line that went over the limit, until its newline. */
  private skipping = false;

  constructor(
    private readonly onLines: (text: string) => void,
    private readonly onTooLong: (start: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (this.skipping) {
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      this.skipping = false;
      text = text.slice(nl + 1);
    }
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      this.pending += text;
      this.checkLength();
      return;
    }
    const complete = this.pending + text.slice(0, last + 1);
    this.pending = text.slice(last + 1);
    this.onLines(complete);
    this.checkLength();
  }

  /** The connection ended: a last line without a newline still counts. */
  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (!this.skipping && rest.length > 0) this.onLines(rest);
  }

  private checkLength(): void {
    if (this.pending.length <= MAX_TCP_LINE) return;
    this.onTooLong(this.pending.slice(0, 80));
    this.pending = '';
    this.skipping = true;
  }
}

/**
 * A growing buffer of UTF-8 bytes that JSON text is written into.
 *
 * The tools write JSON as bytes rather than building strings: a str value
 * that needs no escaping is copied byte for byte from the event into the
 * output, and nothing is allocated per value. take() hands the bytes written
 * so far to an output stream without copying them (the stream may hold them
 * until it has written them) and starts a new buffer.
 */

const INITIAL_BYTES = 64 * 1024;

export class TextBuffer {
  buf: Buffer;
  /** Bytes written: buf[0, pos). */
  pos = 0;

  constructor(private readonly initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.pos;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Appends text known to be ASCII (punctuation, digits, numbers' text, ANSI colour codes). */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = text.charCodeAt(i);
    this.pos = p;
  }

  /** Appends any text as UTF-8. */
  text(text: string): void {
    this.ensure(Buffer.byteLength(text));
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  byte(b: number): void {
    if (this.pos === this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** The bytes written so far, no longer owned by this buffer; writing goes on in a new one. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.initialBytes);
    this.pos = 0;
    return out;
  }

  /** The text written so far, and start afresh in the same buffer. */
  takeString(): string {
    const s = this.buf.toString('utf8', 0, this.pos);
    this.pos = 0;
    return s;
  }

  /** Forgets what was written. */
  reset(): void {
    this.pos = 0;
  }
}

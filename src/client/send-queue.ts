/**
 * Events waiting to be written to oxd, already framed for the wire, in
 * chunks that go out in one socket write each. Bounded by a number of events
 * (the original's queue held 3,500): an event that does not fit is refused
 * and the caller counts it dropped, so a missing oxd costs the application a
 * bounded amount of memory and never blocks it.
 */
import { META_SIZE } from '../protocol/meta';
import { writeFrameHeader, FLAG_MORE, frameHeaderLength } from '../protocol/zmtp/frame';

const CHUNK = 64 * 1024;

export interface Framer {
  writeMeta(target: Buffer, offset: number, end: number, typeField: Buffer): void;
}

export class SendQueue {
  private chunks: Buffer[] = [];
  private tail: Buffer | null = null;
  private used = 0;
  private count = 0;

  constructor(readonly limit: number) {}

  /** Events waiting. */
  get length(): number {
    return this.count;
  }

  /** Appends one event's two frames; false when the queue is full. */
  push(framer: Framer, end: number, typeField: Buffer, body: Buffer): boolean {
    if (this.count >= this.limit) return false;
    const size = 2 + META_SIZE + frameHeaderLength(body.length) + body.length;
    if (this.tail === null || this.used + size > this.tail.length) {
      this.seal();
      this.tail = Buffer.allocUnsafe(Math.max(CHUNK, size));
    }
    const buf = this.tail;
    let at = writeFrameHeader(buf, this.used, META_SIZE, FLAG_MORE);
    framer.writeMeta(buf, at, end, typeField);
    at = writeFrameHeader(buf, at + META_SIZE, body.length, 0);
    body.copy(buf, at);
    this.used = at + body.length;
    this.count++;
    return true;
  }

  private seal(): void {
    if (this.tail !== null && this.used > 0) this.chunks.push(this.tail.subarray(0, this.used));
    this.tail = null;
    this.used = 0;
  }

  /** Everything queued, as buffers to write in order; the queue is then empty. */
  take(): Buffer[] {
    this.seal();
    const out = this.chunks;
    this.chunks = [];
    this.count = 0;
    return out;
  }
}

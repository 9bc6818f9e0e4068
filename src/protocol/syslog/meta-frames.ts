/**
 * Meta frames kept per host, for a source that makes many events of one
 * type from a few senders: the frame of a host is made once and only its
 * end time is written for each event. What the router keeps of a frame (the
 * counters of a host read its end time when STATUS asks) is then 137 bytes
 * per host, rewritten with that host's newest event, rather than a buffer
 * of many events. Hosts are found by a hash of their bytes in a table of
 * fixed size; one that takes a busy slot gets a frame of its own, the old one
 * left to whoever still holds it.
 */
import { encodeMeta, META_END_OFFSET, META_HOST_OFFSET, PASCAL_MAX } from '../meta';

const SLOTS = 1024;

export class MetaFrames {
  private readonly frames: Array<Buffer | undefined> = new Array(SLOTS);
  private readonly views: Array<DataView | undefined> = new Array(SLOTS);

  constructor(private readonly type: string) {}

  /**
   * The meta frame of the host `bytes[start, end)` (valid UTF-8 of at most
   * 63 bytes), with `end` as its end time; valid until the next call for
   * the same host.
   */
  frame(bytes: Uint8Array, start: number, end: number, endTime: number): Buffer {
    const n = end - start;
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    const slot = (hash >>> 0) % SLOTS;
    let frame = this.frames[slot];
    let view = this.views[slot];
    if (frame === undefined || view === undefined || !holds(frame, bytes, start, n)) {
      if (n > PASCAL_MAX) throw new RangeError(`a host of ${n} bytes`);
      frame = encodeMeta({ end: endTime, host: Buffer.from(bytes.subarray(start, end)).toString('utf8'), type: this.type });
      view = new DataView(frame.buffer, frame.byteOffset, frame.length);
      this.frames[slot] = frame;
      this.views[slot] = view;
    }
    view.setFloat64(META_END_OFFSET, endTime);
    return frame;
  }
}

/** The frame is the host `bytes[start, start + n)`'s. */
function holds(frame: Buffer, bytes: Uint8Array, start: number, n: number): boolean {
  if (frame[META_HOST_OFFSET] !== n) return false;
  for (let i = 0; i < n; i++) if (frame[META_HOST_OFFSET + 1 + i] !== bytes[start + i]) return false;
  return true;
}

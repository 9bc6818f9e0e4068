/**
 * Decodes a stream of log-file bytes (msgpack maps one after another) into
 * events, tolerating what real files contain: a last event cut short (the
 * file is still being written, or was truncated), and damaged regions, which
 * are stepped over to the next plausible event and reported. Every byte is
 * either part of an event or counted as skipped.
 *
 * Events are handed on as their msgpack bytes, not decoded: the tools print
 * them from the bytes (src/json/) and read the few fields they act on
 * without decoding the body (event-fields.ts). An event is a complete
 * msgpack map; what it holds is never a reason to skip it.
 */
import { INCOMPLETE, INVALID, isMapTag, msgpackExtent } from '../protocol/msgpack-extent';

export interface SkippedRegion {
  /** Offset of the first skipped byte in the input. */
  offset: number;
  bytes: number;
  /** Damaged or not an event (a top-level value that is not a map), or cut off at the end. */
  reason: 'corrupt' | 'truncated';
}

/** Keys every BlueOx event has; a map starting with one of them is where decoding resumes. */
const EVENT_KEYS = ['body', 'end', 'pid', 'start', 'host', 'type', 'id'].map((k) => Buffer.from(k));
/** No event is larger than this: a "value" claiming more is damage, not data to wait for. */
export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024 * 1024;
/** How much of a new chunk is joined to a held partial event to finish it. */
const HEAD_BYTES = 64 * 1024;


/** True when `buf[at]` starts a map whose first key is a known event key. */
function looksLikeEvent(buf: Buffer, at: number, end: number): boolean {
  const tag = buf[at];
  if (!isMapTag(tag)) return false;
  const k = at + (tag <= 0x8f ? 1 : tag === 0xde ? 3 : 5);
  if (k >= end) return true; // cannot tell yet: let the extent decide
  const keyTag = buf[k];
  if (keyTag < 0xa0 || keyTag > 0xbf) return false;
  const len = keyTag & 0x1f;
  if (k + 1 + len > end) return true;
  return EVENT_KEYS.some((key) => key.length === len && buf.compare(key, 0, len, k + 1, k + 1 + len) === 0);
}

export class EventReader {
  events = 0;
  readonly skipped: SkippedRegion[] = [];
  private pending: Buffer = Buffer.alloc(0);
  /** Input offset of pending[0]. */
  private base = 0;

  constructor(
    /** `raw`: the event's bytes, a view into the input (not copied). */
    private readonly onEvent: (raw: Buffer) => void,
    private readonly maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
  ) {}

  get skippedBytes(): number {
    return this.skipped.reduce((n, s) => n + s.bytes, 0);
  }

  push(chunk: Buffer): void {
    if (this.pending.length > 0) {
      // An event started in the last chunk: finish it from the front of this one, copying
      // only that front, rather than copying the whole chunk onto the leftover.
      const held = this.pending.length;
      const head = Buffer.concat([this.pending, chunk.subarray(0, HEAD_BYTES)]);
      const used = this.scan(head, false);
      if (used >= held) {
        this.base += used;
        this.pending = Buffer.alloc(0);
        chunk = chunk.subarray(used - held);
      } else if (chunk.length <= HEAD_BYTES) {
        this.base += used;
        this.pending = head.subarray(used);
        return;
      } else {
        chunk = Buffer.concat([this.pending, chunk]); // an event bigger than HEAD_BYTES
        this.pending = Buffer.alloc(0);
      }
    }
    const used = this.scan(chunk, false);
    this.pending = used < chunk.length ? chunk.subarray(used) : Buffer.alloc(0);
    this.base += used;
  }

  /** The input ended: whatever is left is a cut-off event. */
  end(): void {
    if (this.pending.length === 0) return;
    const used = this.scan(this.pending, true);
    if (used < this.pending.length) this.skip(this.base + used, this.pending.length - used, 'truncated');
    this.base += this.pending.length;
    this.pending = Buffer.alloc(0);
  }

  private skip(offset: number, bytes: number, reason: SkippedRegion['reason']): void {
    const last = this.skipped[this.skipped.length - 1];
    if (last && last.reason === reason && last.offset + last.bytes === offset) last.bytes += bytes;
    else this.skipped.push({ offset, bytes, reason });
  }

  /** Hands on the events in `buf`; returns how many bytes were used up. */
  private scan(buf: Buffer, atEnd: boolean): number {
    const len = buf.length;
    let pos = 0;
    while (pos < len) {
      const end = isMapTag(buf[pos]) ? msgpackExtent(buf, pos, len) : INVALID;
      if (end >= 0) {
        this.events++;
        this.onEvent(buf.subarray(pos, end));
        pos = end;
        continue;
      }
      if (end === INCOMPLETE) {
        if (len - pos <= this.maxEventBytes && !atEnd) return pos;
        if (atEnd) {
          // Cut off at the end, unless a later event shows this was damage rather than a tail.
          const next = this.resync(buf, pos + 1);
          if (next === len) return pos;
          this.skip(this.base + pos, next - pos, 'corrupt');
          pos = next;
          continue;
        }
      }
      // Damaged here (or not a map): step to the next place an event plausibly starts.
      const next = this.resync(buf, pos + 1);
      if (next === len && !atEnd) {
        // Keep a little, in case an event starts across the chunk boundary.
        const keep = Math.min(len - pos - 1, 64);
        this.skip(this.base + pos, len - keep - pos, 'corrupt');
        return len - keep;
      }
      this.skip(this.base + pos, next - pos, 'corrupt');
      pos = next;
    }
    return pos;
  }

  private resync(buf: Buffer, from: number): number {
    for (let i = from; i < buf.length; i++) if (looksLikeEvent(buf, i, buf.length)) return i;
    return buf.length;
  }
}

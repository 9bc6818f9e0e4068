/**
 * Syslog over a TCP stream (RFC 6587): each message either octet-counted,
 * `LEN SP MSG`, or non-transparently framed, ended by LF (older senders end
 * with NUL, or CRLF, whose CR the parser drops). The two are told apart per
 * message, as rsyslog does: a message that starts with a digit is
 * octet-counted. A message longer than `maxBytes` is cut there, flagged, and
 * the rest of it skipped; the connection goes on, so a line without end costs
 * at most `maxBytes`. Digits too many to be a count (10 or more) start a line.
 * A message the connection ends inside of is kept as far as it arrived, and
 * flagged.
 *
 * Pure: bytes in, whole messages out, whatever the chunking. Each message
 * comes out as a SyslogFrame with bytes of its own, or, for a caller that
 * reads it at once (the syslog source), in place: a range of the chunk or of
 * the framer's own buffer, with its flags, valid only during the call.
 */

export interface SyslogFrame {
  bytes: Buffer;
  /** Cut at maxBytes: the rest of the message was skipped. */
  truncated: boolean;
  /** The connection ended inside the message: this is what arrived of it. */
  incomplete: boolean;
  /** It began with more digits than a count has, so it was read as a line. */
  badOctetCount: boolean;
}

/** Flags of a frame handed over in place. */
export const FRAME_TRUNCATED = 1;
export const FRAME_INCOMPLETE = 2;
export const FRAME_BAD_OCTET_COUNT = 4;

/** A message as `buf[start, end)`, valid only during the call; `flags` of FRAME_*. */
export type FrameHandler = (buf: Buffer, start: number, end: number, flags: number) => void;

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const NUL = 0x00;
const SP = 0x20;
/** An octet count has at most this many digits (RFC 6587 allows any; 9 digits is a 1 GB message). */
const MAX_COUNT_DIGITS = 9;
const UNKNOWN = -2;

type State =
  | { kind: 'start' }
  | { kind: 'count'; digits: number; value: number }
  | { kind: 'counted'; left: number; keep: number }
  | { kind: 'skip-counted'; left: number }
  | { kind: 'line' }
  | { kind: 'skip-line' };

export class SyslogFramer {
  private state: State = { kind: 'start' };
  /** The unfinished message: one buffer, grown by doubling up to maxBytes (never a list of tiny chunks). */
  private pending: Buffer | null = null;
  private held = 0;
  private truncated = false;
  private badOctetCount = false;
  /**
   * The first NUL at or after where the last line began in the chunk being
   * read (-1: none; UNKNOWN: not looked for yet), found once per chunk, not
   * once per line.
   */
  private nulAt = UNKNOWN;

  private readonly onFrame: FrameHandler;

  /** Each message as a SyslogFrame whose bytes are its own. */
  constructor(maxBytes: number, onFrame: (frame: SyslogFrame) => void);
  /** Each message in place, without a copy or an object: what `handler` keeps it must copy. */
  constructor(maxBytes: number, handler: FrameHandler, inPlace: true);
  constructor(
    private readonly maxBytes: number,
    onFrame: ((frame: SyslogFrame) => void) | FrameHandler,
    inPlace = false,
  ) {
    if (inPlace) this.onFrame = onFrame as FrameHandler;
    else {
      const takeFrame = onFrame as (frame: SyslogFrame) => void;
      this.onFrame = (buf, start, end, flags) =>
        takeFrame({
          bytes: Buffer.from(buf.subarray(start, end)),
          truncated: (flags & FRAME_TRUNCATED) !== 0,
          incomplete: (flags & FRAME_INCOMPLETE) !== 0,
          badOctetCount: (flags & FRAME_BAD_OCTET_COUNT) !== 0,
        });
    }
  }

  /** Bytes read from the connection. */
  push(chunk: Buffer): void {
    // A new chunk, or the same buffer refilled by the caller.
    this.nulAt = UNKNOWN;
    let p = 0;
    while (p < chunk.length) {
      const s = this.state;
      switch (s.kind) {
        case 'start': {
          // Most messages lie whole in one chunk: cut out at once, without the states below.
          const next = this.whole(chunk, p);
          if (next > p) {
            p = next;
            break;
          }
          const c = chunk[p];
          if (c >= 0x31 && c <= 0x39) {
            this.state = { kind: 'count', digits: 1, value: c - 0x30 };
            p++;
          } else if (c === LF || c === NUL) {
            p++; // empty lines between messages
          } else {
            this.state = { kind: 'line' };
          }
          break;
        }
        case 'count': {
          const c = chunk[p];
          if (c >= 0x30 && c <= 0x39 && s.digits < MAX_COUNT_DIGITS) {
            s.value = s.value * 10 + (c - 0x30);
            s.digits++;
            p++;
          } else if (c === SP) {
            this.state = { kind: 'counted', left: s.value, keep: Math.min(s.value, this.maxBytes) };
            p++;
          } else {
            // Digits not followed by a space: a line that starts with a digit (non-transparent framing).
            this.badOctetCount = s.digits === MAX_COUNT_DIGITS && c >= 0x30 && c <= 0x39;
            this.hold(Buffer.from(String(s.value)));
            this.state = { kind: 'line' };
          }
          break;
        }
        case 'counted': {
          const n = Math.min(s.left, chunk.length - p);
          const take = Math.min(n, s.keep);
          if (take > 0) this.hold(chunk.subarray(p, p + take));
          s.keep -= take;
          s.left -= n;
          p += n;
          if (n > take) this.truncated = true;
          if (s.left === 0) this.emit();
          else if (s.keep === 0) {
            // Cut: out now, so a sender that stalls inside the rest holds nothing.
            this.truncated = true;
            this.emit();
            this.state = { kind: 'skip-counted', left: s.left };
          }
          break;
        }
        case 'skip-counted': {
          const n = Math.min(s.left, chunk.length - p);
          s.left -= n;
          p += n;
          if (s.left === 0) this.state = { kind: 'start' };
          break;
        }
        case 'line': {
          let end = p;
          while (end < chunk.length && chunk[end] !== LF && chunk[end] !== NUL) end++;
          const room = this.maxBytes - this.held;
          if (end - p > room) {
            this.hold(chunk.subarray(p, p + room));
            this.truncated = true;
            this.emit();
            this.state = { kind: 'skip-line' };
            p += room;
            break;
          }
          this.hold(chunk.subarray(p, end));
          p = end;
          if (end < chunk.length) {
            p++;
            this.emit();
          }
          break;
        }
        case 'skip-line': {
          while (p < chunk.length && chunk[p] !== LF && chunk[p] !== NUL) p++;
          if (p < chunk.length) {
            p++;
            this.state = { kind: 'start' };
          }
          break;
        }
      }
    }
  }

  /**
   * A message that starts at `p` and ends within `chunk`, not over the
   * limit, emitted; returns where the next one starts, or `p` when there is
   * none such (then the states read it, byte by byte if need be: counts of
   * too many digits, cuts and messages split between chunks).
   */
  private whole(chunk: Buffer, p: number): number {
    const c = chunk[p];
    if (c >= 0x31 && c <= 0x39) {
      let value = c - 0x30;
      let at = p + 1;
      while (at < chunk.length && at - p < MAX_COUNT_DIGITS) {
        const d = chunk[at];
        if (d < 0x30 || d > 0x39) break;
        value = value * 10 + (d - 0x30);
        at++;
      }
      if (chunk[at] !== SP || at + 1 + value > chunk.length || value > this.maxBytes) return p;
      this.onFrame(chunk, at + 1, at + 1 + value, 0);
      return at + 1 + value;
    }
    if (c === LF || c === NUL) return p;
    // Ended by LF or by NUL, whichever comes first; indexOf is memchr, several times a loop's speed.
    let end = chunk.indexOf(LF, p);
    if (end < 0) end = chunk.length;
    if (this.nulAt === UNKNOWN || (this.nulAt >= 0 && this.nulAt < p)) this.nulAt = chunk.indexOf(NUL, p);
    if (this.nulAt >= 0 && this.nulAt < end) end = this.nulAt;
    if (end === chunk.length || end - p > this.maxBytes) return p;
    this.onFrame(chunk, p, end, 0);
    return end + 1;
  }

  /**
   * The connection ended. `clean`: the sender closed its side after its last
   * byte, so a last line without its LF (or digits alone) is a whole message;
   * otherwise (a reset, oxd stopping) it is flagged incomplete. A counted
   * message short of its count is incomplete either way. Nothing that arrived
   * is dropped.
   */
  end(clean = true): void {
    const s = this.state;
    if (s.kind === 'line' && this.held > 0) this.emit(!clean);
    else if (s.kind === 'count') {
      this.hold(Buffer.from(String(s.value)));
      this.emit(!clean);
    } else if (s.kind === 'counted') this.emit(true);
    this.pending = null;
    this.held = 0;
    this.truncated = false;
    this.badOctetCount = false;
    this.state = { kind: 'start' };
  }

  /** Bytes of an unfinished message, held until it is complete. */
  get buffered(): number {
    return this.held;
  }

  /** Memory set aside for the unfinished message: at most maxBytes (or the digits of a count). */
  get reserved(): number {
    return this.pending?.length ?? 0;
  }

  /** Copies `b` (the caller may reuse its buffer) after what is held. */
  private hold(b: Buffer): void {
    if (b.length === 0) return;
    const need = this.held + b.length;
    if (this.pending === null || need > this.pending.length) {
      // Exact for a message in one chunk; doubling (to at most maxBytes) for one that trickles in.
      const size = this.pending === null ? need : Math.max(need, Math.min(this.maxBytes, 2 * this.pending.length));
      const grown = Buffer.allocUnsafe(size);
      if (this.pending !== null) this.pending.copy(grown, 0, 0, this.held);
      this.pending = grown;
    }
    b.copy(this.pending, this.held);
    this.held = need;
  }

  private emit(incomplete = false): void {
    const buf = this.pending ?? EMPTY;
    const length = this.held;
    const flags = (this.truncated ? FRAME_TRUNCATED : 0) | (incomplete ? FRAME_INCOMPLETE : 0) | (this.badOctetCount ? FRAME_BAD_OCTET_COUNT : 0);
    this.pending = null;
    this.held = 0;
    this.truncated = false;
    this.badOctetCount = false;
    this.state = { kind: 'start' };
    this.onFrame(buf, 0, length, flags);
  }
}

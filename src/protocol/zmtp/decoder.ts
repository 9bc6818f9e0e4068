/**
 * Incremental decoder for ZMTP traffic after the handshake.
 *
 * This is oxd's hot path: it hands out views (buffer, start, end) into the
 * received chunks instead of copying frames, and copies only a frame that
 * straddles two chunks. Frames larger than `maxFrame` are never buffered: their
 * bytes are skipped as they arrive and the handler is told, so one oversized
 * message costs nothing but the bandwidth and the rest of the stream survives.
 */
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, FLAG_RESERVED } from './frame';
import { ZmtpProtocolError, decodeCommand } from './command';

export interface FrameHandler {
  /** A message frame; the view is valid for as long as the caller keeps `buf`. */
  frame(buf: Buffer, start: number, end: number, more: boolean): void;
  /** A command frame (ZMTP 3 only): PING, ERROR, SUBSCRIBE... */
  command(name: string, data: Buffer): void;
  /** A frame over the size limit whose body is being discarded. */
  skipped(size: number, more: boolean): void;
}

/** Sizes at or above 2^53 cannot even be counted exactly: no sane peer sends them. */
const MAX_SIZE_HIGH_WORD = 0x200000;

export class ZmtpDecoder {
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private needed = 0;
  private skipRemaining = 0;

  constructor(
    private readonly handler: FrameHandler,
    private readonly maxFrame: number,
    /** ZMTP 2.0 has no command frames: the flag bit is reserved there. */
    private readonly commands = true,
  ) {}

  /** Bytes held back while waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLength;
  }

  /**
   * Where the decoder is between two chunks, for another process to go on
   * from (a restart that hands the connection over): the bytes of a frame
   * begun, raw, and how much of an oversized frame is still to be skipped.
   */
  get partial(): { raw: Buffer; skip: number } {
    return { raw: Buffer.concat(this.pending, this.pendingLength), skip: this.skipRemaining };
  }

  /** Goes on from `partial` of a decoder in another process. */
  resume(partial: { raw: Buffer; skip: number }): void {
    this.skipRemaining = partial.skip;
    if (partial.raw.length > 0) this.parse(partial.raw);
  }

  push(chunk: Buffer): void {
    if (this.skipRemaining > 0) {
      if (chunk.length <= this.skipRemaining) {
        this.skipRemaining -= chunk.length;
        return;
      }
      chunk = chunk.subarray(this.skipRemaining);
      this.skipRemaining = 0;
    }
    // A frame started in an earlier chunk: complete it from the front of this one, copying
    // only that frame (a header alone may first reveal that more is needed), then parse the
    // rest of the chunk in place.
    while (this.pendingLength > 0) {
      const take = Math.min(this.needed - this.pendingLength, chunk.length);
      this.pending.push(chunk.subarray(0, take));
      this.pendingLength += take;
      chunk = chunk.subarray(take);
      if (this.pendingLength < this.needed) return;
      const joined = Buffer.concat(this.pending, this.pendingLength);
      this.pending = [];
      this.pendingLength = 0;
      this.parse(joined);
      if (this.skipRemaining > 0) return this.push(chunk);
    }
    if (chunk.length > 0) this.parse(chunk);
  }

  private parse(buf: Buffer): void {
    const len = buf.length;
    const handler = this.handler;
    const maxFrame = this.maxFrame;
    let pos = 0;
    while (pos < len) {
      const flags = buf[pos];
      if (flags & FLAG_RESERVED || (!this.commands && flags & FLAG_COMMAND)) {
        throw new ZmtpProtocolError(`reserved frame flag bits set (0x${flags.toString(16)})`);
      }
      let size: number;
      let header: number;
      if (flags & FLAG_LONG) {
        if (pos + 9 > len) {
          this.needed = 9;
          break;
        }
        const high = buf.readUInt32BE(pos + 1);
        if (high >= MAX_SIZE_HIGH_WORD) throw new ZmtpProtocolError('frame size of 2^53 bytes or more');
        size = high * 0x100000000 + buf.readUInt32BE(pos + 5);
        header = 9;
      } else {
        if (pos + 2 > len) {
          this.needed = 2;
          break;
        }
        size = buf[pos + 1];
        header = 2;
      }
      const start = pos + header;
      if (size > maxFrame) {
        handler.skipped(size, (flags & FLAG_MORE) !== 0);
        if (start + size > len) {
          this.skipRemaining = start + size - len;
          return;
        }
        pos = start + size;
        continue;
      }
      const end = start + size;
      if (end > len) {
        this.needed = end - pos;
        break;
      }
      if (flags & FLAG_COMMAND) {
        const cmd = decodeCommand(buf.subarray(start, end));
        handler.command(cmd.name, cmd.data);
      } else {
        handler.frame(buf, start, end, (flags & FLAG_MORE) !== 0);
      }
      pos = end;
    }
    if (pos < len) {
      this.pending.push(pos === 0 ? buf : buf.subarray(pos));
      this.pendingLength = len - pos;
    }
  }
}

/**
 * Syslog over TCP made into events in batches, for the syslog source's
 * thread: what connections read goes in, in the order read (their chunks,
 * and how each ends); out come batches, each one buffer of events and a
 * table of where they lie, to be routed in order by the main thread.
 *
 * Per event the buffer holds the host of its meta frame and then its body;
 * the table (RECORD numbers per event) says which connection it came from,
 * its flags and format, where it lies, its arrival and its end time. The
 * meta frame itself is made again by the reader (meta-frames.ts keeps one
 * per host), so that what the router keeps of a host is not a whole batch.
 * A batch also says how much of the input it accounts for (bytes and
 * operations, so the sender can bound what is in flight), the bytes held of
 * unfinished messages, and the connections whose last events it carries.
 *
 * Pure: framing (tcp-framing.ts) and encoding (syslog-body-encoder.ts) as
 * the syslog source does them on the main thread, with no sockets or threads.
 */
import * as buffer from 'node:buffer';
import { META_END_OFFSET, META_HOST_OFFSET } from '../meta';
import { EventIdWriter, SyslogBodyEncoder } from './syslog-body-encoder';
import type { SyslogFormat } from './syslog-message';
import { FRAME_INCOMPLETE, FRAME_TRUNCATED, SyslogFramer } from './tcp-framing';

/** Numbers per event in a batch's `records`, and what each is. */
export const RECORD = 6;
export const R_CONNECTION = 0;
/** The FRAME_* flags of tcp-framing.ts, the format's index (FORMATS) times FORMAT_UNIT, the host's length times HOST_UNIT. */
export const R_BITS = 1;
/** Where the host's bytes begin; the body follows them. */
export const R_HOST = 2;
export const R_BODY_END = 3;
export const R_ARRIVAL = 4;
export const R_END_TIME = 5;

export const FORMATS: readonly SyslogFormat[] = ['rfc5424', 'rfc3164', 'unparsed'];
export const FORMAT_UNIT = 8;
export const HOST_UNIT = 64;

export interface SyslogBatch {
  /** Each event's host and body, one after the other. */
  bytes: Uint8Array;
  records: Float64Array;
  events: number;
  /** Bytes of chunks read to their end since the previous batch. */
  consumed: number;
  /** Operations (open, data, end) done since the previous batch. */
  ops: number;
  /** Bytes held of unfinished messages, over every connection, after this batch. */
  held: number;
  /** Connections forgotten since the previous batch: none of their events comes later. */
  forgotten: number[];
}

/** Room for a batch's events; a batch is sent when either is full. */
const BATCH_BYTES = 256 * 1024;
const BATCH_EVENTS = 2048;

/** Node 18.15 and later; before, every message is checked for UTF-8 on its own. */
const isAscii: (b: Buffer) => boolean = (buffer as { isAscii?: (b: Buffer) => boolean }).isAscii ?? (() => false);

interface Connection {
  readonly id: number;
  readonly peer: string;
  readonly framer: SyslogFramer;
}

export class SyslogBatchWriter {
  private readonly connections = new Map<number, Connection>();
  private readonly encoder: SyslogBodyEncoder;
  private bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
  private at = 0;
  private records = new Float64Array(BATCH_EVENTS * RECORD);
  private events = 0;
  private consumed = 0;
  private ops = 0;
  private held = 0;
  private forgotten: number[] = [];
  /** The chunk being framed, when it was read, and whether it is all ASCII (then every message in it is UTF-8). */
  private arrival = 0;
  private chunk: Buffer | null = null;
  private chunkAscii = false;

  /** `send` takes each batch; its buffers are its own. */
  constructor(
    private readonly maxMessage: number,
    writeId: EventIdWriter,
    pid: number,
    private readonly send: (batch: SyslogBatch) => void,
  ) {
    this.encoder = new SyslogBodyEncoder(writeId, pid);
  }

  /** A new connection from `peer` (an address, as events name it). */
  open(id: number, peer: string): void {
    const framer = new SyslogFramer(this.maxMessage, (buf, start, end, flags) => this.event(id, peer, buf, start, end, flags), true);
    this.connections.set(id, { id, peer, framer });
    this.ops++;
  }

  /** Bytes connection `id` read at `arrival` (ms). */
  data(id: number, chunk: Buffer, arrival: number): void {
    const c = this.connections.get(id);
    if (c !== undefined) {
      const before = c.framer.buffered;
      this.arrival = arrival;
      this.chunk = chunk;
      this.chunkAscii = isAscii(chunk);
      c.framer.push(chunk);
      this.chunk = null;
      this.held += c.framer.buffered - before;
    }
    this.consumed += chunk.length;
    this.ops++;
  }

  /**
   * Connection `id` ended at `arrival`: `clean` (the peer closed its side)
   * or not (reset, closed by oxd), as SyslogFramer.end; `forget`: nothing
   * more comes from it.
   */
  end(id: number, arrival: number, clean: boolean, forget: boolean): void {
    const c = this.connections.get(id);
    if (c !== undefined) {
      this.held -= c.framer.buffered;
      this.arrival = arrival;
      c.framer.end(clean);
      if (forget) {
        this.connections.delete(id);
        this.forgotten.push(id);
      }
    }
    this.ops++;
  }

  /** Sends what was done since the last batch, if anything was. */
  flush(): void {
    if (this.ops > 0 || this.events > 0) this.sendBatch();
  }

  private event(id: number, peer: string, buf: Buffer, start: number, end: number, flags: number): void {
    const enc = this.encoder;
    enc.encode(buf, start, end, peer, this.arrival, (flags & FRAME_TRUNCATED) !== 0, (flags & FRAME_INCOMPLETE) !== 0, this.chunkAscii && buf === this.chunk);
    const meta = enc.meta;
    const hostLength = meta[META_HOST_OFFSET];
    const bodyLength = enc.bodyEnd - enc.bodyStart;
    const size = hostLength + bodyLength;
    if (this.at + size > this.bytes.length || this.events === BATCH_EVENTS) {
      if (this.events > 0) this.sendBatch();
      if (size > this.bytes.length) this.bytes = Buffer.allocUnsafeSlow(size);
    }
    const at = this.at;
    meta.copy(this.bytes, at, META_HOST_OFFSET + 1, META_HOST_OFFSET + 1 + hostLength);
    enc.out.copy(this.bytes, at + hostLength, enc.bodyStart, enc.bodyEnd);
    this.at = at + size;
    const r = this.records;
    const k = this.events * RECORD;
    r[k + R_CONNECTION] = id;
    const format = enc.format === 'rfc5424' ? 0 : enc.format === 'rfc3164' ? 1 : 2;
    r[k + R_BITS] = flags + format * FORMAT_UNIT + hostLength * HOST_UNIT;
    r[k + R_HOST] = at;
    r[k + R_BODY_END] = at + size;
    r[k + R_ARRIVAL] = this.arrival;
    r[k + R_END_TIME] = meta.readDoubleBE(META_END_OFFSET);
    this.events++;
  }

  /**
   * The batch so far, in buffers of its own: a full one as it is, a small
   * one copied out (a reader that keeps a view of one event would keep the
   * whole buffer alive), so that quiet connections do not cost a large
   * buffer for each few events.
   */
  private sendBatch(): void {
    let bytes: Uint8Array;
    if (this.at >= this.bytes.length / 2) {
      bytes = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.at);
      this.bytes = Buffer.allocUnsafeSlow(BATCH_BYTES);
    } else {
      bytes = new Uint8Array(this.at);
      bytes.set(this.bytes.subarray(0, this.at));
    }
    const batch: SyslogBatch = {
      bytes,
      records: this.records.slice(0, this.events * RECORD),
      events: this.events,
      consumed: this.consumed,
      ops: this.ops,
      held: this.held,
      forgotten: this.forgotten,
    };
    this.at = 0;
    this.events = 0;
    this.consumed = 0;
    this.ops = 0;
    this.forgotten = [];
    this.send(batch);
  }
}

/**
 * Syslog over TCP made into events in batches, for the syslog source's
 * thread: what connections read goes in, in the order read (their chunks,
 * and how each ends); out come batches, each one buffer of event bodies and
 * a table of where they lie, to be routed in order by the main thread.
 *
 * The bodies are the encoder's slab as it wrote them, handed over whole when
 * the batch fills most of it (its memory moves to the reader; the encoder
 * starts a new one), else copied out. The table (RECORD numbers per event)
 * says which connection each came from, its flags and format, where it
 * lies, where its host is in it (a body holds its event's host), its
 * arrival and its end time: the reader makes the meta frame (meta-frames.ts
 * keeps one per host), so that what the router keeps of a host is not a
 * whole batch. A batch also says how much of the input it accounts for
 * (bytes and operations, so the sender can bound what is in flight), the
 * bytes held of unfinished messages, and the connections whose last events
 * it carries.
 *
 * Pure: framing (tcp-framing.ts) and encoding (syslog-body-encoder.ts) as
 * the syslog source does them on the main thread, with no sockets or threads.
 */
import * as buffer from 'node:buffer';
import { BODY_HOST_AT, EventIdWriter, SyslogBodyEncoder } from './syslog-body-encoder';
import type { SyslogFormat } from './syslog-message';
import { FRAME_INCOMPLETE, FRAME_TRUNCATED, SyslogFramer } from './tcp-framing';

/** Numbers per event in a batch's `records`: its connection, its bits, where its body lies, its arrival (ms) and end time (s). */
const RECORD = 6;
/** FRAME_* flags of tcp-framing.ts, plus FORMAT_UNIT times the format's index in FORMATS, plus HOST_UNIT times the host's length. */
const FORMAT_UNIT = 8;
const HOST_UNIT = 32;
const FORMATS: readonly SyslogFormat[] = ['rfc5424', 'rfc3164', 'unparsed'];

/** One event of a batch, as readEvent finds it. */
export interface BatchEvent {
  connection: number;
  /** FRAME_TRUNCATED, FRAME_INCOMPLETE, FRAME_BAD_OCTET_COUNT. */
  flags: number;
  format: SyslogFormat;
  /** The meta frame's host, in the body: `bytes[hostStart, hostEnd)`. */
  hostStart: number;
  hostEnd: number;
  bodyStart: number;
  bodyEnd: number;
  /** Milliseconds. */
  arrival: number;
  /** The meta frame's end time, seconds. */
  endTime: number;
}

export interface SyslogBatch {
  /** The events' bodies, one after the other (each holds its event's host). */
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

/** Event `i` of `b` into `e`. */
export function readEvent(b: SyslogBatch, i: number, e: BatchEvent): void {
  const r = b.records;
  const k = i * RECORD;
  const bits = r[k + 1];
  const hostLength = Math.floor(bits / HOST_UNIT);
  e.connection = r[k];
  e.flags = bits % FORMAT_UNIT;
  e.format = FORMATS[Math.floor(bits / FORMAT_UNIT) % (HOST_UNIT / FORMAT_UNIT)];
  e.bodyStart = r[k + 2];
  e.bodyEnd = r[k + 3];
  // The host's string header is one byte for up to 31 bytes, else three (raw16).
  e.hostStart = e.bodyStart + BODY_HOST_AT + (hostLength < 32 ? 1 : 3);
  e.hostEnd = e.hostStart + hostLength;
  e.arrival = r[k + 4];
  e.endTime = r[k + 5];
}

/** The slab bodies are written to: a batch holds at most this much (or one larger body). */
const SLAB_BYTES = 256 * 1024;
/** Room for the records of this many events at first; more when a batch has more. */
const EVENTS = 256;

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
  /** The slab this batch's bodies are in, from `from` to `to`. */
  private slab: Buffer | null = null;
  private from = 0;
  private to = 0;
  private records = new Float64Array(EVENTS * RECORD);
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
    // The reader makes the meta frames.
    this.encoder = new SyslogBodyEncoder(writeId, pid, SLAB_BYTES, false);
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
    const out = enc.out;
    if (out !== this.slab) {
      // The last slab is full: its bodies go now, and this batch goes on in the new one.
      if (this.events > 0) this.sendBatch();
      this.slab = out;
      this.from = enc.bodyStart;
    }
    const bodyStart = enc.bodyStart;
    const hostLength = enc.hostLength;
    // The body's host is the meta frame's (a string of at most 63 bytes, so its header is 1 or 3 bytes).
    if (out[bodyStart + BODY_HOST_AT] !== (hostLength < 32 ? 0xa0 | hostLength : 0xda)) throw new Error(`the body of a syslog event does not hold its host at ${BODY_HOST_AT}`);
    const k = this.events * RECORD;
    if (k === this.records.length) {
      const more = new Float64Array(2 * k);
      more.set(this.records);
      this.records = more;
    }
    const r = this.records;
    const format = enc.format === 'rfc5424' ? 0 : enc.format === 'rfc3164' ? 1 : 2;
    r[k] = id;
    r[k + 1] = flags + format * FORMAT_UNIT + hostLength * HOST_UNIT;
    r[k + 2] = bodyStart - this.from;
    r[k + 3] = enc.bodyEnd - this.from;
    r[k + 4] = this.arrival;
    r[k + 5] = enc.endTime;
    this.to = enc.bodyEnd;
    this.events++;
  }

  /**
   * The batch so far, in buffers of its own: the slab's memory itself when
   * the batch fills most of it (the encoder, finding its slab gone, starts a
   * new one), else copied out, so that few events never hold a large buffer
   * alive in a reader that keeps a view of one.
   */
  private sendBatch(): void {
    let bytes: Uint8Array;
    const slab = this.slab;
    if (slab === null || this.to === this.from) bytes = new Uint8Array(0);
    else if (this.to - this.from >= slab.length / 2 && slab.byteOffset === 0 && slab.byteLength === slab.buffer.byteLength) {
      bytes = new Uint8Array(slab.buffer, this.from, this.to - this.from);
      this.slab = null;
    } else {
      bytes = new Uint8Array(this.to - this.from);
      bytes.set(slab.subarray(this.from, this.to));
    }
    this.from = this.to;
    const batch: SyslogBatch = {
      bytes,
      records: this.records.slice(0, this.events * RECORD),
      events: this.events,
      consumed: this.consumed,
      ops: this.ops,
      held: this.held,
      forgotten: this.forgotten,
    };
    this.events = 0;
    this.consumed = 0;
    this.ops = 0;
    this.forgotten = [];
    this.send(batch);
  }
}

/**
 * A syslog message straight to the two frames of its BlueOx event: the meta
 * frame and the msgpack body, byte for byte what syslogEvent and compatPack
 * make of parseSyslog's reading (same keys, order, values and encodings),
 * without the strings and objects in between. The fields are found on the
 * bytes (syslog-fields.ts) and copied as byte ranges; values are unescaped
 * only where a backslash is. What syslog-fields does not read goes the way
 * of parseSyslog, so every message gets its event either way.
 *
 * Bodies are written one after the other into a slab that is never written
 * again (a new one when it is full, or when its memory was moved to another
 * thread), so a reader that keeps a view of one keeps it as it is, as with
 * the chunks a socket delivers. Meta frames are kept per host (meta-frames.ts).
 */
import { isUtf8 } from 'node:buffer';
import { compatPack, Float64, Packable, RawPacker } from '../compat-pack';
import { encodeMeta, META_HOST_OFFSET, PASCAL_MAX } from '../meta';
import { MetaFrames } from './meta-frames';
import { FACILITIES, SEVERITIES } from './names';
import { parseSyslog } from './parse-syslog';
import { SYSLOG_EVENT_TYPE, syslogEvent } from './syslog-event';
import { FORMAT_RFC5424, SyslogFields } from './syslog-fields';
import type { SyslogFormat } from './syslog-message';

/** Writes a new event id, 32 ASCII characters, at `buf[at]`. */
export type EventIdWriter = (buf: Uint8Array, at: number, nowMs: number) => void;

const ID_LENGTH = 32;
const SLAB = 64 * 1024;
/** Room for everything in a body but the bytes that come from the message (and the peer). */
const FIXED_ROOM = 512;

function packed(...values: Array<Packable | { tag: number }>): Buffer {
  const p = new RawPacker(64);
  const parts: Buffer[] = [];
  for (const v of values) {
    if (typeof v === 'object' && v !== null && 'tag' in v) {
      parts.push(Buffer.from(p.view()), Buffer.from([v.tag as number]));
      p.reset();
    } else p.value(v);
  }
  parts.push(Buffer.from(p.view()));
  return Buffer.concat(parts);
}

const NIL = 0xc0;
const FLOAT64 = { tag: 0xcb };

/*
 * The constant runs between the values that vary, back to back in one
 * buffer, each known by where it starts there (times 256) plus its length.
 */
const CONSTANTS: Buffer[] = [];
let constantsLength = 0;
function constant(bytes: Buffer): number {
  if (bytes.length > 255) throw new Error('a constant run is at most 255 bytes');
  CONSTANTS.push(bytes);
  constantsLength += bytes.length;
  return (constantsLength - bytes.length) * 256 + bytes.length;
}

/** The envelope's map and its first key, then the id's string header (32 characters: raw16). */
const HEAD = constant(Buffer.concat([Buffer.from([0x87]), packed('id'), Buffer.from([0xda, 0, ID_LENGTH])]));
const TYPE_HOST = constant(packed('type', SYSLOG_EVENT_TYPE, 'host'));
/** Where the host's string (its header, then its bytes: the meta frame's host) begins in every body. */
export const BODY_HOST_AT = (HEAD & 255) + ID_LENGTH + (TYPE_HOST & 255);
const END = constant(packed('end', FLOAT64));
const BODY = constant(packed('body'));
/** Per PRI: facility, severity and their names, with their keys, and the next key. */
const PRI_FIELDS = Array.from({ length: 192 }, (_, pri) =>
  constant(packed('facility', pri >> 3, 'severity', pri & 7, 'facility_name', FACILITIES[pri >> 3], 'severity_name', SEVERITIES[pri & 7], 'timestamp')),
);
const HOSTNAME = constant(packed('hostname'));
const APP_NAME = constant(packed('app_name'));
const PROCID = constant(packed('procid'));
const MSGID = constant(packed('msgid'));
const STRUCTURED_DATA = constant(packed('structured_data'));
const MESSAGE = constant(packed('message'));
/** RFC 3164 has neither msgid nor structured data: from after the procid to the message. */
const NO_MSGID_TO_MESSAGE = constant(packed('msgid', null, 'structured_data', null, 'message'));
const TRUNCATED = constant(packed('truncated', true));
const INCOMPLETE = constant(packed('incomplete', true));
const CONSTANT_BYTES = Buffer.concat(CONSTANTS);
const CONSTANT_VIEW = new DataView(CONSTANT_BYTES.buffer, CONSTANT_BYTES.byteOffset, CONSTANT_BYTES.length);
/** Body keys always there; `truncated` and `incomplete` are added when true. */
const BODY_KEYS = 13;

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

/**
 * Copies `n` bytes four at a time: a byte loop costs about 1 ns a byte
 * here, a native copy of part of a buffer about 60 ns (the view it needs
 * is an object), four-byte words about 0.25 ns a byte.
 */
function copyWords(from: DataView, at: number, n: number, to: DataView, p: number): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) to.setUint32(p + i, from.getUint32(at + i));
  if (i + 2 <= n) {
    to.setUint16(p + i, from.getUint16(at + i));
    i += 2;
  }
  if (i < n) to.setUint8(p + i, from.getUint8(at + i));
}

/** Beyond this many bytes, a native copy. */
const NATIVE_COPY = 256;
/** Peers whose bytes are kept; beyond, the table starts again. */
const MAX_PEERS = 1024;

/**
 * What the encoder writes on every event of one peer, in one buffer: the
 * pid and the key after it; the format and peer, with their keys, for RFC
 * 5424 and for RFC 3164; the peer's bytes.
 */
class PeerBytes {
  readonly bytes: Buffer;
  readonly view: DataView;
  readonly pidLength: number;
  readonly formatPeerAt: [number, number];
  readonly formatPeerLength: [number, number];
  readonly peerAt: number;
  readonly peerLength: number;

  constructor(pidStart: Buffer, peer: string) {
    const parts = [pidStart, packed('format', 'rfc5424', 'peer', peer), packed('format', 'rfc3164', 'peer', peer), Buffer.from(peer)];
    this.pidLength = pidStart.length;
    this.formatPeerAt = [parts[0].length, parts[0].length + parts[1].length];
    this.formatPeerLength = [parts[1].length, parts[2].length];
    this.peerAt = this.formatPeerAt[1] + parts[2].length;
    this.peerLength = parts[3].length;
    this.bytes = Buffer.concat(parts);
    this.view = viewOf(this.bytes);
  }
}

export class SyslogBodyEncoder {
  /** The last event's frames: its meta frame (valid until the next event), and its body at `out[bodyStart, bodyEnd)`. */
  meta: Buffer = Buffer.alloc(0);
  /** The last event's end time (seconds) and the length of its host, as in its meta frame. */
  endTime = 0;
  hostLength = 0;
  out: Buffer;
  bodyStart = 0;
  bodyEnd = 0;
  /** The last message's format. */
  format: SyslogFormat = 'unparsed';
  /** Messages written from their fields, and read by parseSyslog instead. */
  direct = 0;
  parsed = 0;

  private at = 0;
  private outView: DataView;
  private readonly fields = new SyslogFields();
  private readonly frames = new MetaFrames(SYSLOG_EVENT_TYPE);
  /** The message being written, and a view of its memory. */
  private src: Buffer = Buffer.alloc(0);
  private srcView = viewOf(this.src);
  private readonly idScratch = Buffer.alloc(ID_LENGTH);
  private isoText = '';
  private iso = packed('');
  private isoView = viewOf(this.iso);
  private readonly pidStart: Buffer;
  private readonly peers = new Map<string, PeerBytes>();
  private peer = '';
  private own: PeerBytes;

  /**
   * `slabBytes`: the size of the slabs bodies are written to (a larger one
   * only for a body that needs it). `metaFrames` false: `meta` is left to the
   * caller, who makes it from `endTime` and the host in the body.
   */
  constructor(
    private readonly writeId: EventIdWriter,
    private readonly pid: number,
    private readonly slabBytes = SLAB,
    private readonly metaFrames = true,
  ) {
    this.out = Buffer.allocUnsafe(slabBytes);
    this.outView = viewOf(this.out);
    this.pidStart = packed('pid', pid, 'start', FLOAT64);
    this.own = new PeerBytes(this.pidStart, this.peer);
  }

  /**
   * The event of the message `buf[start, end)` from `peer`, received at
   * `arrivalMs`; `truncated`: cut at syslog_max_message; `incomplete`: what
   * arrived of it before its connection ended; `knownUtf8`: the caller has
   * seen that the bytes are UTF-8 (a chunk all ASCII).
   */
  encode(buf: Buffer, start: number, end: number, peer: string, arrivalMs: number, truncated = false, incomplete = false, knownUtf8 = false): void {
    if (peer !== this.peer) this.setPeer(peer);
    const f = this.fields;
    const own = this.own;
    if (own.peerLength > PASCAL_MAX || !f.read(buf, start, end, arrivalMs, knownUtf8)) {
      this.parsed++;
      return this.encodeParsed(buf.subarray(start, end), peer, arrivalMs, truncated, incomplete);
    }
    this.direct++;
    if (buf !== this.src) {
      this.src = buf;
      this.srcView = viewOf(buf);
    }
    this.reserve(FIXED_ROOM + 2 * own.peerLength + 3 * (end - start));
    const out = this.out;
    const view = this.outView;
    const time = Number.isNaN(f.time) ? arrivalMs / 1000 : f.time;
    // The message's hostname is the event's host when the meta frame holds it, else the peer.
    const ownHost = f.hostStart >= 0 && f.hostEnd - f.hostStart <= PASCAL_MAX;
    this.endTime = time;
    this.hostLength = ownHost ? f.hostEnd - f.hostStart : own.peerLength;
    if (this.metaFrames) this.meta = ownHost ? this.frames.frame(buf, f.hostStart, f.hostEnd, time) : this.frames.frame(own.bytes, own.peerAt, own.peerAt + own.peerLength, time);

    const bodyStart = this.at;
    let p = bodyStart;
    p = this.put(HEAD, p);
    this.writeId(out, p, arrivalMs);
    p = this.put(TYPE_HOST, p + ID_LENGTH);
    if (ownHost) p = this.string(f.hostStart, f.hostEnd, p);
    else {
      p = header(own.peerLength, out, p);
      copyWords(own.view, own.peerAt, own.peerLength, view, p);
      p += own.peerLength;
    }
    copyWords(own.view, 0, own.pidLength, view, p);
    p += own.pidLength;
    view.setFloat64(p, time);
    p = this.put(END, p + 8);
    view.setFloat64(p, time);
    p = this.put(BODY, p + 8);
    out[p++] = 0x80 | (BODY_KEYS + (truncated ? 1 : 0) + (incomplete ? 1 : 0));
    p = this.put(PRI_FIELDS[f.pri], p);
    if (f.stampText !== null) p = this.bsdTimestamp(f.stampText, p);
    else p = this.range(f.stampStart, f.stampEnd, p);
    p = this.put(HOSTNAME, p);
    p = this.range(f.hostStart, f.hostEnd, p);
    p = this.put(APP_NAME, p);
    p = this.range(f.appStart, f.appEnd, p);
    p = this.put(PROCID, p);
    p = this.range(f.procStart, f.procEnd, p);
    const rfc5424 = f.format === FORMAT_RFC5424;
    if (rfc5424) {
      p = this.put(MSGID, p);
      p = this.range(f.msgidStart, f.msgidEnd, p);
      p = this.put(STRUCTURED_DATA, p);
      p = f.sdElements < 0 ? ((out[p] = NIL), p + 1) : this.structuredData(p);
      p = this.put(MESSAGE, p);
    } else p = this.put(NO_MSGID_TO_MESSAGE, p);
    p = this.string(f.msgStart, f.msgEnd, p);
    const which = rfc5424 ? 0 : 1;
    copyWords(own.view, own.formatPeerAt[which], own.formatPeerLength[which], view, p);
    p += own.formatPeerLength[which];
    if (truncated) p = this.put(TRUNCATED, p);
    if (incomplete) p = this.put(INCOMPLETE, p);
    this.format = rfc5424 ? 'rfc5424' : 'rfc3164';
    this.bodyStart = bodyStart;
    this.bodyEnd = p;
    this.at = p;
  }

  /** The way of every other message: parseSyslog, syslogEvent, compatPack, encodeMeta. */
  private encodeParsed(bytes: Buffer, peer: string, arrivalMs: number, truncated: boolean, incomplete: boolean): void {
    // Senders that are not UTF-8 (latin1 consoles, old devices) keep every byte as a character.
    const text = bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
    const m = parseSyslog(text, new Date(arrivalMs));
    const e = syslogEvent(m, peer, arrivalMs, truncated, incomplete);
    this.meta = encodeMeta({ end: e.end, host: e.host, type: e.type });
    this.endTime = e.end;
    this.hostLength = this.meta[META_HOST_OFFSET];
    this.writeId(this.idScratch, 0, arrivalMs);
    const id = this.idScratch.toString('latin1');
    const body = compatPack({ id, type: e.type, host: e.host, pid: this.pid, start: new Float64(e.end), end: new Float64(e.end), body: e.body as { [key: string]: Packable } });
    this.reserve(body.length);
    this.bodyStart = this.at;
    body.copy(this.out, this.bodyStart);
    this.bodyEnd = this.bodyStart + body.length;
    this.at = this.bodyEnd;
    this.format = m.format;
  }

  private setPeer(peer: string): void {
    this.peer = peer;
    let own = this.peers.get(peer);
    if (own === undefined) {
      if (this.peers.size >= MAX_PEERS) this.peers.clear();
      own = new PeerBytes(this.pidStart, peer);
      this.peers.set(peer, own);
    }
    this.own = own;
  }

  /** Room for `n` more bytes, in a new slab when this one has not. */
  private reserve(n: number): void {
    if (this.at + n <= this.out.length) return;
    this.out = Buffer.allocUnsafe(Math.max(this.slabBytes, n));
    this.outView = viewOf(this.out);
    this.at = 0;
  }

  /** Structured data laid out by SyslogFields: a map of elements, each a map of parameters. */
  private structuredData(p: number): number {
    const out = this.out;
    const buf = this.src;
    const sd = this.fields.sd;
    const elements = this.fields.sdElements;
    out[p++] = 0x80 | elements;
    for (let e = 0, at = 0; e < elements; e++) {
      p = this.string(sd[at], sd[at + 1], p);
      const params = sd[at + 2];
      out[p++] = 0x80 | params;
      at += 3;
      for (let k = 0; k < params; k++, at += 5) {
        p = this.string(sd[at], sd[at + 1], p);
        const from = sd[at + 2];
        const to = sd[at + 3];
        const escapes = sd[at + 4];
        if (escapes === 0) {
          p = this.string(from, to, p);
          continue;
        }
        p = header(to - from - escapes, out, p);
        for (let i = from; i < to; i++) {
          const c = buf[i];
          if (c === 0x5c) {
            const next = buf[i + 1];
            if (next === 0x22 || next === 0x5c || next === 0x5d) {
              out[p++] = next;
              i++;
              continue;
            }
          }
          out[p++] = c;
        }
      }
    }
    return p;
  }

  /** A constant run at `p`; returns where it ends. */
  private put(run: number, p: number): number {
    const n = run & 255;
    copyWords(CONSTANT_VIEW, (run - n) / 256, n, this.outView, p);
    return p + n;
  }

  /** The message's bytes `[start, end)` at `p`. */
  private copy(start: number, end: number, p: number): void {
    const n = end - start;
    if (n > NATIVE_COPY) this.out.set(this.src.subarray(start, end), p);
    else copyWords(this.srcView, start, n, this.outView, p);
  }

  /** The message's bytes `[start, end)` as a string, or nil when start is -1. */
  private range(start: number, end: number, p: number): number {
    if (start < 0) {
      this.out[p] = NIL;
      return p + 1;
    }
    return this.string(start, end, p);
  }

  private string(start: number, end: number, p: number): number {
    p = header(end - start, this.out, p);
    this.copy(start, end, p);
    return p + end - start;
  }

  /** A BSD timestamp's RFC 3339 text (ASCII), as a string; the last one's bytes are kept, as it repeats. */
  private bsdTimestamp(text: string, p: number): number {
    if (text !== this.isoText) {
      this.isoText = text;
      this.iso = packed(text);
      this.isoView = viewOf(this.iso);
    }
    copyWords(this.isoView, 0, this.iso.length, this.outView, p);
    return p + this.iso.length;
  }
}

/** A string's header in msgpack's raw family (compat-pack.ts): fixraw, raw16, raw32. */
function header(n: number, out: Buffer, p: number): number {
  if (n < 32) {
    out[p] = 0xa0 | n;
    return p + 1;
  }
  if (n <= 0xffff) {
    out[p] = 0xda;
    out[p + 1] = n >> 8;
    out[p + 2] = n & 0xff;
    return p + 3;
  }
  out[p] = 0xdb;
  out.writeUInt32BE(n, p + 1);
  return p + 5;
}

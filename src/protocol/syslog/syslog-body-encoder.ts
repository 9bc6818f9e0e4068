/**
 * A syslog message straight to the two frames of its BlueOx event: the meta
 * frame and the msgpack body, byte for byte what syslogEvent and compatPack
 * make of parseSyslog's reading (same keys, order, values and encodings),
 * without the strings and objects in between. The fields are found on the
 * bytes (syslog-fields.ts) and copied as byte ranges; values are unescaped
 * only where a backslash is. What syslog-fields does not read goes the way
 * of parseSyslog, so every message gets its event either way.
 *
 * The frames are written one after the other into a slab that is never
 * written again (a new one when it is full), so a reader that keeps a view
 * of them keeps them as they are, as with the chunks a socket delivers;
 * the zeroed slab is the meta frame's padding.
 */
import { isUtf8 } from 'node:buffer';
import { compatPack, Float64, Packable, RawPacker } from '../compat-pack';
import { encodeMeta, META_END_OFFSET, META_HOST_OFFSET, META_SIZE, META_TYPE_OFFSET, META_VERSION, PASCAL_MAX } from '../meta';
import { FACILITIES, SEVERITIES } from './names';
import { parseSyslog } from './parse-syslog';
import { SYSLOG_EVENT_TYPE, syslogEvent } from './syslog-event';
import { FORMAT_RFC5424, SyslogFields } from './syslog-fields';
import type { SyslogFormat } from './syslog-message';

/** Writes a new event id, 32 ASCII characters, at `buf[at]`. */
export type EventIdWriter = (buf: Uint8Array, at: number, nowMs: number) => void;

const ID_LENGTH = 32;
const SLAB = 16 * 1024;
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
/** The envelope's map and its first key, then the id's string header (32 characters: raw16). */
const HEAD = Buffer.concat([Buffer.from([0x87]), packed('id'), Buffer.from([0xda, 0, ID_LENGTH])]);
const TYPE_HOST = packed('type', SYSLOG_EVENT_TYPE, 'host');
const START = packed('start', FLOAT64);
const END = packed('end', FLOAT64);
const BODY = packed('body');
/** Per PRI: facility, severity and their names, with their keys. */
const PRI_FIELDS = Array.from({ length: 192 }, (_, pri) =>
  packed('facility', pri >> 3, 'severity', pri & 7, 'facility_name', FACILITIES[pri >> 3], 'severity_name', SEVERITIES[pri & 7]),
);
const TIMESTAMP = packed('timestamp');
const HOSTNAME = packed('hostname');
const APP_NAME = packed('app_name');
const PROCID = packed('procid');
const MSGID = packed('msgid');
const STRUCTURED_DATA = packed('structured_data');
const MESSAGE = packed('message');
const FORMAT_PEER = [packed('format', 'rfc5424', 'peer'), packed('format', 'rfc3164', 'peer')];
const TRUNCATED = packed('truncated', true);
const INCOMPLETE = packed('incomplete', true);
const TYPE_BYTES = Buffer.from(SYSLOG_EVENT_TYPE);
/** Body keys always there; `truncated` and `incomplete` are added when true. */
const BODY_KEYS = 13;

export class SyslogBodyEncoder {
  /** Where the last event's frames are: `out[metaStart, metaStart + META_SIZE)` and `out[bodyStart, bodyEnd)`. */
  out: Buffer = Buffer.alloc(SLAB);
  metaStart = 0;
  bodyStart = 0;
  bodyEnd = 0;
  /** The last message's format. */
  format: SyslogFormat = 'unparsed';
  /** Messages written from their fields, and read by parseSyslog instead. */
  direct = 0;
  parsed = 0;

  private at = 0;
  private readonly fields = new SyslogFields();
  private readonly pidBytes: Buffer;
  private readonly idScratch = Buffer.alloc(ID_LENGTH);
  private peer = '';
  private peerBytes = Buffer.alloc(0);
  private peerPacked = packed('');

  constructor(
    private readonly writeId: EventIdWriter,
    private readonly pid: number,
  ) {
    this.pidBytes = packed('pid', pid);
  }

  /**
   * The event of the message `buf[start, end)` from `peer`, received at
   * `arrivalMs`; `truncated`: cut at syslog_max_message; `incomplete`: what
   * arrived of it before its connection ended.
   */
  encode(buf: Buffer, start: number, end: number, peer: string, arrivalMs: number, truncated = false, incomplete = false): void {
    if (peer !== this.peer) this.setPeer(peer);
    const f = this.fields;
    if (this.peerBytes.length > PASCAL_MAX || !f.read(buf, start, end, arrivalMs)) {
      this.parsed++;
      return this.encodeParsed(buf.subarray(start, end), peer, arrivalMs, truncated, incomplete);
    }
    this.direct++;
    this.reserve(FIXED_ROOM + 2 * this.peerBytes.length + 3 * (end - start));
    const out = this.out;
    const metaStart = this.at;
    const time = Number.isNaN(f.time) ? arrivalMs / 1000 : f.time;
    // The message's hostname is the event's host when the meta frame holds it, else the peer.
    const ownHost = f.hostStart >= 0 && f.hostEnd - f.hostStart <= PASCAL_MAX;
    const hostFrom = ownHost ? buf : this.peerBytes;
    const hostStart = ownHost ? f.hostStart : 0;
    const hostEnd = ownHost ? f.hostEnd : this.peerBytes.length;

    out[metaStart] = META_VERSION;
    out.writeDoubleBE(time, metaStart + META_END_OFFSET);
    out[metaStart + META_HOST_OFFSET] = hostEnd - hostStart;
    copy(hostFrom, hostStart, hostEnd, out, metaStart + META_HOST_OFFSET + 1);
    out[metaStart + META_TYPE_OFFSET] = TYPE_BYTES.length;
    copy(TYPE_BYTES, 0, TYPE_BYTES.length, out, metaStart + META_TYPE_OFFSET + 1);

    let p = metaStart + META_SIZE;
    const bodyStart = p;
    p = put(HEAD, out, p);
    this.writeId(out, p, arrivalMs);
    p += ID_LENGTH;
    p = put(TYPE_HOST, out, p);
    p = this.string(hostFrom, hostStart, hostEnd, p);
    p = put(this.pidBytes, out, p);
    p = put(START, out, p);
    out.writeDoubleBE(time, p);
    p = put(END, out, p + 8);
    out.writeDoubleBE(time, p);
    p = put(BODY, out, p + 8);
    out[p++] = 0x80 | (BODY_KEYS + (truncated ? 1 : 0) + (incomplete ? 1 : 0));
    p = put(PRI_FIELDS[f.pri], out, p);
    p = put(TIMESTAMP, out, p);
    if (f.stampText !== null) p = this.ascii(f.stampText, p);
    else p = this.range(buf, f.stampStart, f.stampEnd, p);
    p = put(HOSTNAME, out, p);
    p = this.range(buf, f.hostStart, f.hostEnd, p);
    p = put(APP_NAME, out, p);
    p = this.range(buf, f.appStart, f.appEnd, p);
    p = put(PROCID, out, p);
    p = this.range(buf, f.procStart, f.procEnd, p);
    p = put(MSGID, out, p);
    p = this.range(buf, f.msgidStart, f.msgidEnd, p);
    p = put(STRUCTURED_DATA, out, p);
    p = f.sdElements < 0 ? ((out[p] = NIL), p + 1) : this.structuredData(buf, p);
    p = put(MESSAGE, out, p);
    p = this.string(buf, f.msgStart, f.msgEnd, p);
    const rfc5424 = f.format === FORMAT_RFC5424;
    p = put(FORMAT_PEER[rfc5424 ? 0 : 1], out, p);
    p = put(this.peerPacked, out, p);
    if (truncated) p = put(TRUNCATED, out, p);
    if (incomplete) p = put(INCOMPLETE, out, p);
    this.format = rfc5424 ? 'rfc5424' : 'rfc3164';
    this.metaStart = metaStart;
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
    const meta = encodeMeta({ end: e.end, host: e.host, type: e.type });
    this.writeId(this.idScratch, 0, arrivalMs);
    const id = this.idScratch.toString('latin1');
    const body = compatPack({ id, type: e.type, host: e.host, pid: this.pid, start: new Float64(e.end), end: new Float64(e.end), body: e.body as { [key: string]: Packable } });
    this.reserve(meta.length + body.length);
    this.metaStart = this.at;
    meta.copy(this.out, this.metaStart);
    this.bodyStart = this.metaStart + meta.length;
    body.copy(this.out, this.bodyStart);
    this.bodyEnd = this.bodyStart + body.length;
    this.at = this.bodyEnd;
    this.format = m.format;
  }

  private setPeer(peer: string): void {
    this.peer = peer;
    this.peerBytes = Buffer.from(peer);
    this.peerPacked = packed(peer);
  }

  /** Room for `n` more bytes, in a new slab when this one has not. */
  private reserve(n: number): void {
    if (this.at + n <= this.out.length) return;
    this.out = Buffer.alloc(Math.max(SLAB, n));
    this.at = 0;
  }

  /** Structured data laid out by SyslogFields: a map of elements, each a map of parameters. */
  private structuredData(buf: Buffer, p: number): number {
    const out = this.out;
    const sd = this.fields.sd;
    const elements = this.fields.sdElements;
    out[p++] = 0x80 | elements;
    for (let e = 0, at = 0; e < elements; e++) {
      p = this.string(buf, sd[at], sd[at + 1], p);
      const params = sd[at + 2];
      out[p++] = 0x80 | params;
      at += 3;
      for (let k = 0; k < params; k++, at += 5) {
        p = this.string(buf, sd[at], sd[at + 1], p);
        const from = sd[at + 2];
        const to = sd[at + 3];
        const escapes = sd[at + 4];
        if (escapes === 0) {
          p = this.string(buf, from, to, p);
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

  /** `buf[start, end)` as a string, or nil when start is -1. */
  private range(buf: Buffer, start: number, end: number, p: number): number {
    if (start < 0) {
      this.out[p] = NIL;
      return p + 1;
    }
    return this.string(buf, start, end, p);
  }

  private string(buf: Buffer, start: number, end: number, p: number): number {
    p = header(end - start, this.out, p);
    copy(buf, start, end, this.out, p);
    return p + end - start;
  }

  private ascii(text: string, p: number): number {
    const out = this.out;
    p = header(text.length, out, p);
    for (let i = 0; i < text.length; i++) out[p++] = text.charCodeAt(i);
    return p;
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

function put(piece: Buffer, out: Buffer, p: number): number {
  for (let i = 0; i < piece.length; i++) out[p + i] = piece[i];
  return p + piece.length;
}

/** Short ranges by a loop, long ones by memcpy (a native call costs more than a few bytes). */
function copy(from: Uint8Array, start: number, end: number, out: Buffer, p: number): void {
  if (end - start > 64) out.set(from.subarray(start, end), p);
  else for (let i = start; i < end; i++) out[p++] = from[i];
}

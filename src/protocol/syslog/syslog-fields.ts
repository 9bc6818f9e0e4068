/**
 * Where each field of a syslog message lies in its bytes: the forms senders
 * mostly write, read without making a string of the message, so that the
 * event can be written from byte ranges (syslog-frame-writer.ts).
 *
 * It reads exactly what parseSyslog reads, for the messages it takes: RFC
 * 5424, and RFC 3164 with a PRI and a `Mmm dd hh:mm:ss` or RFC 3339
 * timestamp, or none. For anything else it answers false and the caller
 * reads the message with parseSyslog: bytes that are not UTF-8, no PRI, an
 * unusual timestamp, structured data with a repeated or numeric name or
 * `__proto__`, 16 elements or parameters or more, a non-ASCII byte where a
 * tag's pid may be, and every message parseSyslog would not take as either
 * format. The agreement is tested byte for byte over mutated real messages.
 */
import { isUtf8 } from 'node:buffer';
import { bsdStampOf } from './rfc3164';
import { rfc3339Time } from './rfc5424';

export const FORMAT_RFC5424 = 1;
export const FORMAT_RFC3164 = 2;

/** Most structured-data elements, and parameters in one, read here (msgpack's fixmap). */
export const SD_MAX = 15;
/** Per element: SD-ID start, end, parameter count; per parameter: name start, end, value start, end (inside the quotes), escapes. */
const SD_SLOTS = SD_MAX * (3 + SD_MAX * 5);

const SP = 0x20;
const HOSTNAME_MAX = 255;
const TAG_MAX = 48;
const PROCID_MAX = 128;
/** The months' names as three bytes in one number. */
const MONTH_KEYS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m) => (m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2));
/** "__proto__": refused as a structured-data name (see rfc5424.ts). */
const RESERVED = Buffer.from('__proto__');

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** RFC 5424's NILVALUE: a header field that is just "-". */
const isNil = (buf: Buffer, start: number, end: number): boolean => end === start + 1 && buf[start] === 0x2d;

/** [A-Za-z0-9_.\/@+-]: what a tag is made of. */
function isTagChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x40 && c <= 0x5a) || (c >= 0x2d && c <= 0x39) || c === 0x5f || c === 0x2b;
}

/** [A-Za-z0-9_.:%-]: what an RFC 3164 hostname is made of. */
function isHostChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x3a) || c === 0x5f || c === 0x2e || c === 0x25 || c === 0x2d;
}

export class SyslogFields {
  format = 0;
  pri = 0;
  /** The timestamp as written (RFC 3339): its range; -1 when there is none or when `stampText` holds it. */
  stampStart = -1;
  stampEnd = -1;
  /** A BSD timestamp as the event's timestamp says it (RFC 3339, UTC); null when the range above holds it. */
  stampText: string | null = null;
  /** Seconds since the epoch; NaN when the message has no time. */
  time = NaN;
  /** Ranges of the header fields; start -1 when absent (nil). */
  hostStart = -1;
  hostEnd = -1;
  appStart = -1;
  appEnd = -1;
  procStart = -1;
  procEnd = -1;
  msgidStart = -1;
  msgidEnd = -1;
  /** Structured-data elements (-1: none, nil), laid out in `sd` (see SD_SLOTS). */
  sdElements = -1;
  readonly sd = new Int32Array(SD_SLOTS);
  msgStart = 0;
  msgEnd = 0;
  /** The last BSD timestamp's bytes and text: senders write the same second on many messages. */
  private readonly bsdBytes = new Uint8Array(15);
  private bsdText = '';
  /** RFC 5424's six header fields, while they are read. */
  private readonly starts = new Int32Array(6);
  private readonly ends = new Int32Array(6);

  /** Reads `buf[start, end)`; false when parseSyslog must read it instead. `knownUtf8`: the caller has seen that it is UTF-8. */
  read(buf: Buffer, start: number, end: number, nowMs: number, knownUtf8 = false): boolean {
    // Line ends are not part of the message.
    let lineEnd = end;
    for (let c = buf[lineEnd - 1]; lineEnd > start && (c === 0x0d || c === 0x0a || c === 0x00); c = buf[lineEnd - 1]) lineEnd--;
    if (buf[start] !== 0x3c /* < */) return false;
    // <PRI>: one to three digits, no leading zero but "<0>", at most 191.
    let pri = 0;
    let p = start + 1;
    for (; p <= start + 4; p++) {
      const c = buf[p];
      if (c === 0x3e /* > */ && p < lineEnd) break;
      if (p >= lineEnd || !isDigit(c) || p === start + 4) return false;
      pri = pri * 10 + (c - 0x30);
    }
    if (p === start + 1 || (p > start + 2 && buf[start + 1] === 0x30) || pri > 191) return false;
    p++;
    // Decoded as UTF-8 only when it is UTF-8: otherwise every byte is a character of its own.
    if (!knownUtf8 && !isUtf8(buf.subarray(start, end))) return false;
    this.pri = pri;
    this.stampStart = this.stampEnd = this.hostStart = this.hostEnd = this.appStart = this.appEnd = -1;
    this.procStart = this.procEnd = this.msgidStart = this.msgidEnd = this.sdElements = -1;
    this.stampText = null;
    this.time = NaN;
    this.msgEnd = lineEnd;
    // VERSION: one or two digits, not 0, then a space; else it is not RFC 5424.
    const v1 = p < lineEnd ? buf[p] : -1;
    const v2 = p + 1 < lineEnd ? buf[p + 1] : -1;
    if (v1 >= 0x31 && v1 <= 0x39 && (v2 === SP || (isDigit(v2) && p + 2 < lineEnd && buf[p + 2] === SP))) return this.rfc5424(buf, p, lineEnd);
    return this.rfc3164(buf, p, lineEnd, nowMs);
  }

  /** From VERSION on; false for anything parseRfc5424 would refuse (then RFC 3164 would be tried). */
  private rfc5424(buf: Buffer, p: number, lineEnd: number): boolean {
    this.format = FORMAT_RFC5424;
    const { starts, ends } = this;
    // VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each ended by one space, none empty;
    // the last four printable ASCII.
    let printable = true;
    for (let i = 0; i < 6; i++) {
      let sp = p;
      if (i < 2) while (sp < lineEnd && buf[sp] !== SP) sp++;
      else {
        for (let c = buf[sp]; sp < lineEnd && c !== SP; c = buf[++sp]) if (c < 33 || c > 126) printable = false;
      }
      if (sp === p || sp === lineEnd) return false;
      starts[i] = p;
      ends[i] = sp;
      p = sp + 1;
    }
    if (!isNil(buf, starts[1], ends[1])) {
      const time = rfc3339Time(buf, starts[1], ends[1]);
      if (time === null) return false;
      this.time = time;
      this.stampStart = starts[1];
      this.stampEnd = ends[1];
    }
    if (!printable) return false;
    if (!isNil(buf, starts[2], ends[2])) {
      this.hostStart = starts[2];
      this.hostEnd = ends[2];
    }
    if (!isNil(buf, starts[3], ends[3])) {
      this.appStart = starts[3];
      this.appEnd = ends[3];
    }
    if (!isNil(buf, starts[4], ends[4])) {
      this.procStart = starts[4];
      this.procEnd = ends[4];
    }
    if (!isNil(buf, starts[5], ends[5])) {
      this.msgidStart = starts[5];
      this.msgidEnd = ends[5];
    }
    const sdEnd = this.structuredData(buf, p, lineEnd);
    if (sdEnd < 0) return false;
    let m = sdEnd < lineEnd && buf[sdEnd] === SP ? sdEnd + 1 : sdEnd;
    // A UTF-8 byte order mark before the message is not part of it.
    if (m + 2 < lineEnd && buf[m] === 0xef && buf[m + 1] === 0xbb && buf[m + 2] === 0xbf) m += 3;
    this.msgStart = m;
    return true;
  }

  /** "-", or elements laid out in `sd`; where they end, or -1. */
  private structuredData(buf: Buffer, p: number, lineEnd: number): number {
    if (p < lineEnd && buf[p] === 0x2d) return p + 1 === lineEnd || buf[p + 1] === SP ? p + 1 : -1;
    const sd = this.sd;
    let elements = 0;
    let slot = 0;
    if (p >= lineEnd || buf[p] !== 0x5b /* [ */) return -1;
    while (p < lineEnd && buf[p] === 0x5b) {
      if (elements === SD_MAX) return -1;
      const idEnd = nameEnd(buf, p + 1, lineEnd);
      if (idEnd === p + 1 || !plainName(buf, p + 1, idEnd)) return -1;
      // A repeated SD-ID merges into the first: left to parseSyslog.
      for (let e = 0, at = 0; e < elements; e++, at += 3 + 5 * sd[at + 2]) if (sameRange(buf, sd[at], sd[at + 1], p + 1, idEnd)) return -1;
      const element = slot;
      sd[slot++] = p + 1;
      sd[slot++] = idEnd;
      sd[slot++] = 0;
      elements++;
      p = idEnd;
      let params = 0;
      while (p < lineEnd && buf[p] === SP) {
        const nEnd = nameEnd(buf, p + 1, lineEnd);
        if (nEnd === p + 1 || nEnd + 1 >= lineEnd || buf[nEnd] !== 0x3d /* = */ || buf[nEnd + 1] !== 0x22 /* " */) return -1;
        if (params === SD_MAX || !plainName(buf, p + 1, nEnd)) return -1;
        for (let k = 0, at = element + 3; k < params; k++, at += 5) if (sameRange(buf, sd[at], sd[at + 1], p + 1, nEnd)) return -1;
        // The value: up to the first quote not escaped; only \" \\ \] are escapes.
        let v = nEnd + 2;
        let escapes = 0;
        for (;;) {
          if (v >= lineEnd) return -1;
          const c = buf[v];
          if (c === 0x22) break;
          if (c === 0x5c && v + 1 < lineEnd) {
            const next = buf[v + 1];
            if (next === 0x22 || next === 0x5c || next === 0x5d) {
              escapes++;
              v += 2;
              continue;
            }
          }
          v++;
        }
        sd[slot++] = p + 1;
        sd[slot++] = nEnd;
        sd[slot++] = nEnd + 2;
        sd[slot++] = v;
        sd[slot++] = escapes;
        params++;
        p = v + 1;
      }
      sd[element + 2] = params;
      if (p >= lineEnd || buf[p] !== 0x5d /* ] */) return -1;
      p++;
    }
    this.sdElements = elements;
    return p;
  }

  /** The 15 characters of a BSD timestamp at `p` as text, the last one's when they are the same. */
  private bsdStamp(buf: Buffer, p: number): string {
    const last = this.bsdBytes;
    let same = this.bsdText !== '';
    for (let i = 0; i < 15 && same; i++) same = last[i] === buf[p + i];
    if (same) return this.bsdText;
    for (let i = 0; i < 15; i++) last[i] = buf[p + i];
    this.bsdText = buf.toString('latin1', p, p + 15);
    return this.bsdText;
  }

  /** From after the PRI; false for what parseRfc3164 reads in ways not followed here. */
  private rfc3164(buf: Buffer, p: number, lineEnd: number, nowMs: number): boolean {
    this.format = FORMAT_RFC3164;
    const c = p < lineEnd ? buf[p] : -1;
    if (c >= 0x41 && c <= 0x5a) {
      if (!bsdShape(buf, p, lineEnd)) return false;
      const read = bsdStampOf(this.bsdStamp(buf, p), nowMs);
      if (read === null) return false;
      this.time = read.time;
      this.stampText = read.iso;
      p += 15;
    } else if (isDigit(c)) {
      const stampEnd = rfc3339End(buf, p, lineEnd);
      if (stampEnd < 0) return false;
      const time = rfc3339Time(buf, p, stampEnd);
      if (time === null) return false;
      this.time = time;
      this.stampStart = p;
      this.stampEnd = stampEnd;
      p = stampEnd;
    }
    const timed = !Number.isNaN(this.time);
    if (timed) {
      if (p < lineEnd && buf[p] === SP) p++;
      // The next word is the hostname unless it is already the tag.
      const limit = Math.min(lineEnd, p + HOSTNAME_MAX + 1);
      for (let i = p; i < limit; i++) {
        const h = buf[i];
        if (h === SP) {
          if (i > p && buf[i - 1] !== 0x3a) {
            this.hostStart = p;
            this.hostEnd = i;
            p = i + 1;
          }
          break;
        }
        if (!isHostChar(h)) break;
      }
    }
    // TAG[PID]: (after a hostname, a space may end the tag instead of the colon).
    let q = p;
    while (q < lineEnd && q - p < TAG_MAX && isTagChar(buf[q])) q++;
    if (q > p) {
      let r = q;
      let procStart = -1;
      let procEnd = -1;
      let ok = true;
      if (r < lineEnd && buf[r] === 0x5b /* [ */) {
        const s = r + 1;
        let t = s;
        for (; t < lineEnd && t - s < PROCID_MAX; t++) {
          const d = buf[t];
          // Beyond ASCII, what counts as white space and as a character differs from bytes.
          if (d >= 0x80) return false;
          if (d === 0x5d || d === SP || (d >= 0x09 && d <= 0x0d)) break;
        }
        if (t > s && t < lineEnd && buf[t] === 0x5d) {
          procStart = s;
          procEnd = t;
          r = t + 1;
        } else ok = false;
      }
      if (ok && r < lineEnd && buf[r] === 0x3a /* : */) {
        r++;
        if (r < lineEnd && buf[r] === SP) r++;
      } else if (ok && this.hostStart >= 0 && r < lineEnd && buf[r] === SP) r++;
      else ok = false;
      if (ok) {
        this.appStart = p;
        this.appEnd = q;
        this.procStart = procStart;
        this.procEnd = procEnd;
        p = r;
      }
    }
    this.msgStart = p;
    return true;
  }
}

/** SD-NAME from `start`: printable ASCII but `=`, space, `]` and `"`, at most 32 characters; where it ends. */
function nameEnd(buf: Buffer, start: number, lineEnd: number): number {
  let p = start;
  while (p < lineEnd && p - start < 32) {
    const c = buf[p];
    if (c < 33 || c > 126 || c === 0x3d || c === 0x5d || c === 0x22) break;
    p++;
  }
  return p;
}

/**
 * A name that is an object key like any other: not "__proto__", and not all
 * digits (JavaScript puts keys that are array indexes first, whatever the
 * order they came in).
 */
function plainName(buf: Buffer, start: number, end: number): boolean {
  let digits = true;
  for (let i = start; i < end && digits; i++) digits = isDigit(buf[i]);
  if (digits || end - start !== RESERVED.length) return !digits;
  for (let i = 0; i < RESERVED.length; i++) if (buf[start + i] !== RESERVED[i]) return true;
  return false;
}

/** `buf[aStart, aEnd)` and `buf[bStart, bEnd)` hold the same bytes. */
function sameRange(buf: Buffer, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  const n = aEnd - aStart;
  if (bEnd - bStart !== n) return false;
  for (let i = 0; i < n; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
  return true;
}

/**
 * `Mmm dd hh:mm:ss` (day space- or zero-padded) at `p`, a month's name, and
 * nothing after it that BSD_STAMP would take as well (a fraction, a year):
 * then BSD_STAMP matches exactly these 15 characters.
 */
function bsdShape(buf: Buffer, p: number, lineEnd: number): boolean {
  if (p + 15 > lineEnd) return false;
  if (!MONTH_KEYS.includes((buf[p] << 16) | (buf[p + 1] << 8) | buf[p + 2])) return false;
  const d1 = buf[p + 4];
  if (buf[p + 3] !== SP || !(d1 === SP || isDigit(d1)) || !isDigit(buf[p + 5]) || buf[p + 6] !== SP) return false;
  if (!isDigit(buf[p + 7]) || !isDigit(buf[p + 8]) || buf[p + 9] !== 0x3a || !isDigit(buf[p + 10]) || !isDigit(buf[p + 11])) return false;
  if (buf[p + 12] !== 0x3a || !isDigit(buf[p + 13]) || !isDigit(buf[p + 14])) return false;
  const n = p + 15;
  if (n === lineEnd) return true;
  if (buf[n] === 0x2e) return false;
  // " yyyy" then a space or the end: a year after the time.
  return !(buf[n] === SP && n + 5 <= lineEnd && isDigit(buf[n + 1]) && isDigit(buf[n + 2]) && isDigit(buf[n + 3]) && isDigit(buf[n + 4]) && (n + 5 === lineEnd || buf[n + 5] === SP));
}

/** Where an RFC 3339 timestamp at `p` ends, as rfc3164.ts's ISO_STAMP matches it; -1 when it does not. */
function rfc3339End(buf: Buffer, p: number, lineEnd: number): number {
  if (p + 20 > lineEnd) return -1;
  for (let i = 0; i < 19; i++) {
    const c = buf[p + i];
    const want = i === 4 || i === 7 ? 0x2d : i === 10 ? 0x54 : i === 13 || i === 16 ? 0x3a : -1;
    if (want < 0 ? !isDigit(c) : c !== want) return -1;
  }
  let q = p + 19;
  if (buf[q] === 0x2e) {
    let k = q + 1;
    while (k < lineEnd && k - q - 1 < 9 && isDigit(buf[k])) k++;
    if (k === q + 1) return -1;
    q = k;
  }
  if (q < lineEnd && buf[q] === 0x5a /* Z */) return q + 1;
  if (q + 6 <= lineEnd && (buf[q] === 0x2b || buf[q] === 0x2d) && isDigit(buf[q + 1]) && isDigit(buf[q + 2]) && buf[q + 3] === 0x3a && isDigit(buf[q + 4]) && isDigit(buf[q + 5])) return q + 6;
  return -1;
}

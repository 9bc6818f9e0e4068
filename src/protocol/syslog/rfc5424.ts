/**
 * RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`, each
 * header field "-" when absent, structured data as `[id name="value" …]`
 * elements with `\"`, `\\` and `\]` escaped in values, and a message that
 * may start with a UTF-8 byte order mark. Returns null for anything that is
 * not such a message, so the caller can try RFC 3164 instead.
 */
import { FACILITIES, priority, readPri, SEVERITIES } from './names';
import type { StructuredData, SyslogMessage } from './syslog-message';

const BOM = '\ufeff';
/** Not taken as an SD-ID or PARAM-NAME: the message is then not read as RFC 5424, and kept another way. */
const RESERVED = '__proto__';

export function parseRfc5424(text: string): SyslogMessage | null {
  const head = readPri(text);
  if (head === null) return null;
  let p = head.rest;
  // VERSION, one or two digits, not 0: told before anything else, since an RFC 3164 message fails here.
  const v1 = text.charCodeAt(p);
  const v2 = text.charCodeAt(p + 1);
  if (v1 < 0x31 || v1 > 0x39 || (v2 !== 0x20 && !(v2 >= 0x30 && v2 <= 0x39 && text.charCodeAt(p + 2) === 0x20))) return null;
  const fields: string[] = [];
  // VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each ended by one space.
  for (let i = 0; i < 6; i++) {
    const sp = text.indexOf(' ', p);
    if (sp <= p) return null;
    fields.push(text.slice(p, sp));
    p = sp + 1;
  }
  const [, stamp, hostname, appName, procid, msgid] = fields;
  let time: number | null = null;
  if (stamp !== '-') {
    time = timeOf(stamp);
    if (time === null) return null;
  }
  if (![hostname, appName, procid, msgid].every(printable)) return null;
  const sd = readStructuredData(text, p);
  if (sd === null) return null;
  let message = sd.end < text.length ? text.slice(text.charCodeAt(sd.end) === 0x20 ? sd.end + 1 : sd.end) : '';
  if (message.startsWith(BOM)) message = message.slice(1);
  const { facility, severity } = priority(head.pri);
  return {
    format: 'rfc5424',
    facility,
    severity,
    facility_name: FACILITIES[facility],
    severity_name: SEVERITIES[severity],
    timestamp: stamp === '-' ? null : stamp,
    hostname: nil(hostname),
    app_name: nil(appName),
    procid: nil(procid),
    msgid: nil(msgid),
    structured_data: sd.data,
    message,
    time,
  };
}

function nil(v: string): string | null {
  return v === '-' ? null : v;
}

/** PRINTUSASCII: what header fields may hold. */
function printable(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/**
 * Seconds since the epoch for an RFC 3339 time
 * (`YYYY-MM-DDThh:mm:ss[.fraction]Z|±hh:mm`, up to 9 fraction digits), or
 * null when it is not one (or not a real date). Read a character at a time,
 * for every RFC 5424 message: a regular expression and a Date to check the
 * day cost several times as much.
 */
export function timeOf(stamp: string): number | null {
  return rfc3339Time(stamp, 0, stamp.length);
}

/** timeOf for `src[start, end)`, characters of a string or bytes (ASCII, as the time is). */
export function rfc3339Time(src: string | Uint8Array, start: number, end: number): number | null {
  const n = end - start;
  if (n < 20 || code(src, start + 4) !== 0x2d || code(src, start + 7) !== 0x2d || code(src, start + 10) !== 0x54 || code(src, start + 13) !== 0x3a || code(src, start + 16) !== 0x3a) return null;
  const y = digits(src, start, 4);
  const mo = digits(src, start + 5, 2);
  const d = digits(src, start + 8, 2);
  const h = digits(src, start + 11, 2);
  const mi = digits(src, start + 14, 2);
  const s = digits(src, start + 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return null;
  let p = start + 19;
  let frac = 0;
  if (code(src, p) === 0x2e /* . */) {
    let k = p + 1;
    let f = 0;
    while (k < end && k - p <= 9) {
      const c = code(src, k);
      if (c < 0x30 || c > 0x39) break;
      f = f * 10 + (c - 0x30);
      k++;
    }
    if (k === p + 1) return null;
    // Exact: both are integers below 2^53, and the quotient is rounded once, as parsing "0.fff" rounds it.
    frac = f / POWERS_OF_TEN[k - p - 1];
    p = k;
  }
  let offset = 0;
  const z = p < end ? code(src, p) : -1;
  if (z === 0x5a /* Z */) {
    if (p + 1 !== end) return null;
  } else if (z === 0x2b || z === 0x2d) {
    if (p + 6 !== end) return null;
    const zh = digits(src, p + 1, 2);
    const zm = digits(src, p + 4, 2);
    if (code(src, p + 3) !== 0x3a || zh < 0 || zm < 0) return null;
    offset = (z === 0x2d ? -1 : 1) * (zh * 60 + zm) * 60_000;
  } else return null;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60) return null;
  // Years 0-99 are 1900-1999 to Date.UTC: the days of that year's month.
  const fullYear = y < 100 ? 1900 + y : y;
  if (d < 1 || d > daysIn(fullYear, mo)) return null;
  // A 60th second rolls into the next minute; at 23:59 into the next day, which is not the day written.
  if (s === 60 && mi === 59 && h === 23) return null;
  // Senders stamp many messages within one second: the last second's Date.UTC is kept.
  if (y !== last.y || mo !== last.mo || d !== last.d || h !== last.h || mi !== last.mi || s !== last.s) {
    last.ms = Date.UTC(y, mo - 1, d, h, mi, s);
    last.y = y;
    last.mo = mo;
    last.d = d;
    last.h = h;
    last.mi = mi;
    last.s = s;
  }
  return (last.ms - offset) / 1000 + frac;
}

const last = { y: -1, mo: -1, d: -1, h: -1, mi: -1, s: -1, ms: 0 };

function code(src: string | Uint8Array, i: number): number {
  return typeof src === 'string' ? src.charCodeAt(i) : src[i];
}

const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1];
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** The number written in `count` ASCII digits at `at`, or -1. */
function digits(src: string | Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = code(src, i);
    if (!(c >= 0x30 && c <= 0x39)) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/** "-" or elements from `start`; the data and where it ends, or null when malformed. */
function readStructuredData(text: string, start: number): { data: StructuredData | null; end: number } | null {
  if (text.charCodeAt(start) === 0x2d /* - */) {
    const after = text.charCodeAt(start + 1);
    return Number.isNaN(after) || after === 0x20 ? { data: null, end: start + 1 } : null;
  }
  const data: StructuredData = {};
  let p = start;
  if (text.charCodeAt(p) !== 0x5b /* [ */) return null;
  while (text.charCodeAt(p) === 0x5b) {
    const idEnd = nameEnd(text, p + 1);
    if (idEnd === p + 1) return null;
    const id = text.slice(p + 1, idEnd);
    if (id === RESERVED) return null;
    const params = Object.hasOwn(data, id) ? data[id] : own<Record<string, string | string[]>>(data, id, {});
    p = idEnd;
    while (text.charCodeAt(p) === 0x20) {
      const nEnd = nameEnd(text, p + 1);
      if (nEnd === p + 1 || text.charCodeAt(nEnd) !== 0x3d /* = */ || text.charCodeAt(nEnd + 1) !== 0x22 /* " */) return null;
      const name = text.slice(p + 1, nEnd);
      if (name === RESERVED) return null;
      const value = readValue(text, nEnd + 2);
      if (value === null) return null;
      const old = Object.hasOwn(params, name) ? params[name] : undefined;
      if (old === undefined) own(params, name, value.text);
      else if (Array.isArray(old)) old.push(value.text);
      else params[name] = [old, value.text];
      p = value.end;
    }
    if (text.charCodeAt(p) !== 0x5d /* ] */) return null;
    p++;
  }
  return { data, end: p };
}

/**
 * Sets `key` as an own property, whatever its name: assigning `toString` or
 * `constructor` would read the inherited one first, and `__proto__` would set
 * the prototype (it is refused before this, as JavaScript readers of the files
 * cannot take it as a key).
 */
function own<T>(obj: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return value;
}

/** SD-NAME: printable ASCII but `=`, space, `]` and `"`, at most 32 characters. */
function nameEnd(text: string, start: number): number {
  let p = start;
  while (p < text.length && p - start < 32) {
    const c = text.charCodeAt(p);
    if (c < 33 || c > 126 || c === 0x3d || c === 0x5d || c === 0x22) break;
    p++;
  }
  return p;
}

/** A quoted value from just after its opening quote: the text unescaped and where it ends (after the quote). */
function readValue(text: string, start: number): { text: string; end: number } | null {
  let out = '';
  let p = start;
  let from = start;
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (c === 0x22) return { text: out + text.slice(from, p), end: p + 1 };
    if (c === 0x5c /* \ */) {
      const next = text[p + 1];
      // Only \" \\ \] are escapes; any other backslash is kept as it is (RFC 5424 section 6.3.3).
      if (next === '"' || next === '\\' || next === ']') {
        out += text.slice(from, p) + next;
        p += 2;
        from = p;
        continue;
      }
    }
    p++;
  }
  return null;
}

/**
 * RFC 5424: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`, each
 * header field "-" when absent, structured data as `[id name="value" …]`
 * elements with `\"`, `\\` and `\]` escaped in values, and a message that
 * may start with a UTF-8 byte order mark. Returns null for anything that is
 * not such a message, so the caller can try RFC 3164 instead.
 */
import { FACILITIES, priority, readPri, SEVERITIES } from './names';
import type { StructuredData, SyslogMessage } from './syslog-message';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const BOM = '\ufeff';
/** Not taken as an SD-ID or PARAM-NAME: the message is then not read as RFC 5424, and kept another way. */
const RESERVED = '__proto__';

export function parseRfc5424(text: string): SyslogMessage | null {
  const head = readPri(text);
  if (head === null) return null;
  const fields: string[] = [];
  let p = head.rest;
  // VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each ended by one space.
  for (let i = 0; i < 6; i++) {
    const sp = text.indexOf(' ', p);
    if (sp <= p) return null;
    fields.push(text.slice(p, sp));
    p = sp + 1;
  }
  const [version, stamp, hostname, appName, procid, msgid] = fields;
  if (!/^[1-9]\d?$/.test(version)) return null;
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

/** Seconds since the epoch for an RFC 3339 time, or null when it is not one (or not a real date). */
export function timeOf(stamp: string): number | null {
  const m = TIMESTAMP.exec(stamp);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  let offset = 0;
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return (ms - offset) / 1000 + (frac ? Number(`0${frac}`) : 0);
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

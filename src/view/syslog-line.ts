/**
 * A `syslog` event back as one syslog line, for `oxview --syslog` (the
 * classic file line) and `oxview --rfc5424`, so that grep habits and
 * syslog parsers keep working on what oxd stored.
 *
 * Classic, as rsyslog's traditional file format writes it:
 *   `Mmm dd hh:mm:ss HOST APP[PROCID]: MESSAGE`
 * - the time is the message's own (its `timestamp`, else the event's end:
 *   the arrival), in this process's time zone (TZ is honoured), whole
 *   seconds, the day padded with a space, no year: a classic line has no
 *   zone, and is read as local time, as syslog files and journalctl are;
 * - HOST is the message's hostname, else the sender's address (`peer`);
 * - the tag is `APP[PROCID]:`, `APP:` without a procid, `-[PROCID]:` with
 *   a procid but no app, and left out (`HOST MESSAGE`) with neither. rsyslog
 *   writes the colon for RFC 3164 messages only; here it is always written,
 *   since the colon is what readers of these lines look for.
 *
 * RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MESSAGE`, `-` (NIL)
 * for a missing app, procid, msgid or structured data; TIMESTAMP is the
 * message's own as it was written, else the arrival in UTC (what rsyslog
 * forwards for a message without one); HOST as above. Header fields and SD
 * names hold printable ASCII only; SD values are re-escaped (`\"`, `\\`,
 * `\]`); repeated SD parameters are written once per value.
 *
 * One line per event: control characters (newline, tab, DEL...) in any
 * field become `#` and three octal digits, as rsyslog escapes them on
 * receipt (a newline is `#012`); in header fields and SD names a space or a
 * non-ASCII byte is escaped the same way. A literal `#012` in a message is
 * not told apart, as with rsyslog. A cut-off (`truncated`) message is shown
 * as it was stored; the JSON form says `truncated`.
 */
import { timeOf } from '../protocol/syslog/rfc5424';

/** The event's fields a syslog line needs besides its body. */
export interface SyslogMeta {
  host?: unknown;
  /** Seconds since the epoch. */
  end?: unknown;
}

export type SyslogForm = 'classic' | 'rfc5424';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** user.notice: what RFC 3164 takes a message without a PRI to be. */
const DEFAULT_FACILITY = 1;
const DEFAULT_SEVERITY = 5;

export function syslogLine(form: SyslogForm, body: Record<string, unknown>, meta: SyslogMeta): string {
  return form === 'classic' ? classicLine(body, meta) : rfc5424Line(body, meta);
}

export function classicLine(body: Record<string, unknown>, meta: SyslogMeta): string {
  const seconds = messageTime(body, meta);
  const time = seconds === null ? '-' : classicTime(seconds);
  const app = word(body.app_name);
  const procid = word(body.procid);
  let tag = '';
  if (app !== null || procid !== null) {
    tag = `${app === null ? '-' : classicWord(app)}${procid === null ? '' : `[${classicWord(procid)}]`}: `;
  }
  return `${time} ${classicWord(hostOf(body, meta))} ${tag}${escapeControl(messageOf(body))}`;
}

export function rfc5424Line(body: Record<string, unknown>, meta: SyslogMeta): string {
  const header = [
    `<${pri(body)}>1`,
    rfc5424Time(body, meta),
    asciiWord(hostOf(body, meta)),
    nil(body.app_name),
    nil(body.procid),
    nil(body.msgid),
    structuredData(body.structured_data),
  ].join(' ');
  const message = messageOf(body);
  return message === '' ? header : `${header} ${escapeControl(message)}`;
}

/** `Mmm dd hh:mm:ss` in this process's time zone, the fraction of a second dropped. */
export function classicTime(seconds: number): string {
  const d = new Date(Math.floor(seconds) * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** C0 controls and DEL as `#ooo`, as rsyslog escapes control characters. */
export function escapeControl(text: string): string {
  return /[\x00-\x1f\x7f]/.test(text) ? text.replace(/[\x00-\x1f\x7f]/g, (c) => octal(c.charCodeAt(0))) : text;
}

function octal(byte: number): string {
  return `#${byte.toString(8).padStart(3, '0')}`;
}

/** A word of a classic line: controls and spaces escaped, so the line splits into fields as before. */
function classicWord(text: string): string {
  return /[\x00-\x20\x7f]/.test(text) ? text.replace(/[\x00-\x20\x7f]/g, (c) => octal(c.charCodeAt(0))) : text;
}

/** An RFC 5424 header field or SD name: printable ASCII but `refused`, every other byte escaped. */
function asciiWord(text: string, refused = ''): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte >= 33 && byte <= 126 && !refused.includes(c) ? c : octal(byte);
  }
  return out;
}

/** A field's text: strings (empty ones are missing) and numbers; anything else is missing. */
function word(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

function nil(value: unknown): string {
  const text = word(value);
  return text === null ? '-' : asciiWord(text);
}

function hostOf(body: Record<string, unknown>, meta: SyslogMeta): string {
  return word(body.hostname) ?? word(body.peer) ?? word(meta.host) ?? '-';
}

/** The message; for a message kept whole (`unparsed`) without one, its raw text. */
function messageOf(body: Record<string, unknown>): string {
  if (typeof body.message === 'string') return body.message;
  return typeof body.raw === 'string' ? body.raw.replace(/[\r\n\0]+$/, '') : '';
}

/** Seconds since the epoch of the message's own time, else of the event's end. */
function messageTime(body: Record<string, unknown>, meta: SyslogMeta): number | null {
  const own = typeof body.timestamp === 'string' ? timeOf(body.timestamp) : null;
  if (own !== null) return own;
  return typeof meta.end === 'number' && Number.isFinite(meta.end) ? meta.end : null;
}

function rfc5424Time(body: Record<string, unknown>, meta: SyslogMeta): string {
  if (typeof body.timestamp === 'string' && timeOf(body.timestamp) !== null) return body.timestamp;
  const end = meta.end;
  if (typeof end !== 'number' || !Number.isFinite(end)) return '-';
  const ms = Math.round(end * 1000);
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : '-';
}

function pri(body: Record<string, unknown>): number {
  const inRange = (v: unknown, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
  const facility = inRange(body.facility, 23) ? body.facility : DEFAULT_FACILITY;
  const severity = inRange(body.severity, 7) ? body.severity : DEFAULT_SEVERITY;
  return facility * 8 + severity;
}

/** `[id name="value" ...]...` from the stored map, or `-` when there is none. */
export function structuredData(data: unknown): string {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return '-';
  let out = '';
  for (const [id, params] of Object.entries(data as Record<string, unknown>)) {
    out += `[${sdName(id)}`;
    if (params !== null && typeof params === 'object' && !Array.isArray(params)) {
      for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
        for (const one of Array.isArray(value) ? value : [value]) out += ` ${sdName(name)}="${sdValue(one)}"`;
      }
    }
    out += ']';
  }
  return out === '' ? '-' : out;
}

/** SD-NAME: printable ASCII but `=`, space, `]` and `"`. */
function sdName(name: string): string {
  return name === '' ? '-' : asciiWord(name, '="]');
}

/** PARAM-VALUE: any UTF-8, with `"`, `\` and `]` escaped by a backslash (RFC 5424 section 6.3.3). */
export function sdValue(value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' ? String(value) : JSON.stringify(value) ?? '';
  return escapeControl(text.replace(/["\\\]]/g, (c) => `\\${c}`));
}

/**
 * RFC 3164 as real senders write it, read leniently:
 * `[<PRI>][TIMESTAMP ][HOSTNAME ][TAG[[PID]]: ]MSG`, where TIMESTAMP is
 * `Mmm dd hh:mm:ss` (day space- or zero-padded, a year before or after the
 * time as some devices add), or RFC 3339 as rsyslog's forwarding template
 * writes it. Local senders (logger, /dev/log) leave the hostname out; a
 * missing PRI means user.notice. A timestamp without a year is taken in this
 * machine's time zone, in the year that puts it closest to `now`.
 */
import { DEFAULT_PRI, FACILITIES, priority, readPri, SEVERITIES } from './names';
import { timeOf } from './rfc5424';
import type { SyslogMessage } from './syslog-message';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
// Sticky (y): matched where the previous part ended, without cutting the text there first.
const BSD_STAMP = /([A-Z][a-z]{2}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(?: (\d{4})(?= |$))?/y;
const ISO_STAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})/y;
/** TAG[PID]: — a tag is what programs are named, up to 48 characters. */
const TAG = /([A-Za-z0-9_.\/@+-]{1,48})(?:\[([^\]\s]{1,128})\])?: ?/y;
/**
 * Right after a hostname, where RFC 3164 puts the TAG, a space ends it too: rsyslog's
 * and syslog-ng's traditional forwarding write a message that came in as RFC 5424 as
 * `HOST APP[PROCID] MSG`, without the colon, and both read it back that way.
 */
const TAG_AFTER_HOST = /([A-Za-z0-9_.\/@+-]{1,48})(?:\[([^\]\s]{1,128})\])?(?:: ?| )/y;
const HOSTNAME_MAX = 255;

/**
 * The message, or null when it has neither a PRI nor a timestamp: then it
 * fits no syslog format and is kept whole by the caller.
 */
export function parseRfc3164(text: string, now: Date = new Date()): SyslogMessage | null {
  const head = readPri(text);
  let p = head?.rest ?? 0;
  let timestamp: string | null = null;
  let time: number | null = null;
  BSD_STAMP.lastIndex = p;
  const bsd = BSD_STAMP.exec(text);
  let iso: RegExpExecArray | null = null;
  if (bsd === null) {
    ISO_STAMP.lastIndex = p;
    iso = ISO_STAMP.exec(text);
  }
  if (bsd !== null) {
    const read = bsdStamp(bsd, now);
    if (read !== null) {
      time = read.time;
      timestamp = read.iso;
      p += bsd[0].length;
    }
  } else if (iso !== null) {
    time = timeOf(iso[0]);
    if (time !== null) {
      timestamp = iso[0];
      p += iso[0].length;
    }
  }
  if (head === null && time === null) return null;
  if (time !== null && text.charCodeAt(p) === 0x20) p++;

  let hostname: string | null = null;
  let appName: string | null = null;
  let procid: string | null = null;
  // With a timestamp, the next word is the hostname unless it is already the tag.
  if (time !== null) {
    const end = hostnameEnd(text, p);
    if (end > p) {
      hostname = text.slice(p, end);
      p = end + 1;
    }
  }
  const tagPattern = hostname === null ? TAG : TAG_AFTER_HOST;
  tagPattern.lastIndex = p;
  const tag = tagPattern.exec(text);
  if (tag !== null) {
    appName = tag[1];
    procid = tag[2] ?? null;
    p += tag[0].length;
  }
  const { facility, severity } = priority(head?.pri ?? DEFAULT_PRI);
  return {
    format: 'rfc3164',
    facility,
    severity,
    facility_name: FACILITIES[facility],
    severity_name: SEVERITIES[severity],
    timestamp,
    hostname,
    app_name: appName,
    procid,
    msgid: null,
    structured_data: null,
    message: text.slice(p),
    time,
  };
}

/**
 * Where the hostname that starts at `p` ends (the space after it), or `p`
 * when the word there is not one: it must be followed by a space, be made
 * of hostname characters, and not end in ':' (then it is the tag).
 */
function hostnameEnd(text: string, p: number): number {
  const limit = Math.min(text.length, p + HOSTNAME_MAX + 1);
  for (let i = p; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20) return i > p && text.charCodeAt(i - 1) !== 0x3a ? i : p;
    // [A-Za-z0-9_.:%-]
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x3a) || c === 0x5f || c === 0x2e || c === 0x25 || c === 0x2d;
    if (!ok) return p;
  }
  return p;
}

export interface BsdStamp {
  /** Seconds since the epoch. */
  time: number;
  /** The time as RFC 3339 text (UTC), what the event's timestamp says. */
  iso: string;
}

/**
 * The last timestamp read, its text and `now` within the window where the
 * year chosen for it cannot change: a sender writes the same second on
 * many messages, and the year is chosen with three local-time Dates.
 */
let lastStamp = '';
let lastRead: BsdStamp | null = null;
let validFrom = 0;
let validTo = -1;

function bsdStamp(m: RegExpExecArray, now: Date): BsdStamp | null {
  return bsdStampOf(m[0], now.getTime(), m);
}

/**
 * The BSD timestamp that is the whole of `stamp` (as BSD_STAMP matched it),
 * read at `nowMs`; null when it is no date. `m`: the match, when the caller
 * has it already.
 */
export function bsdStampOf(stamp: string, nowMs: number, m: RegExpExecArray | null = null): BsdStamp | null {
  if (stamp === lastStamp && nowMs >= validFrom && nowMs <= validTo) return lastRead;
  if (m === null) {
    BSD_STAMP.lastIndex = 0;
    m = BSD_STAMP.exec(stamp);
    if (m === null || m[0].length !== stamp.length) return null;
  }
  const window = { from: -Infinity, to: Infinity };
  const time = bsdTime(m, new Date(nowMs), window);
  lastStamp = stamp;
  lastRead = time === null ? null : { time, iso: new Date(time * 1000).toISOString() };
  validFrom = window.from;
  validTo = window.to;
  return lastRead;
}

/** The time of a BSD timestamp; narrows `window` to the `now` for which the answer stays the same. */
function bsdTime(m: RegExpExecArray, now: Date, window: { from: number; to: number }): number | null {
  const month = MONTHS.indexOf(m[1]);
  const day = Number(m[2]);
  const [h, mi, s] = [Number(m[4]), Number(m[5]), Number(m[6])];
  if (month < 0 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return null;
  const frac = m[7] ? Number(`0${m[7]}`) : 0;
  const given = m[3] ?? m[8];
  const at = (year: number): Date => new Date(year, month, day, h, mi, s);
  let date: Date;
  if (given !== undefined) date = at(Number(given));
  else {
    // Logged in late December and read in early January (or the other way round): the nearer year.
    const year = now.getFullYear();
    const nowMs = now.getTime();
    const candidates = [at(year - 1), at(year), at(year + 1)];
    date = candidates.reduce((best, d) => (Math.abs(d.getTime() - nowMs) < Math.abs(best.getTime() - nowMs) ? d : best));
    // The choice holds while now stays in this year and nearer to it than to the others by a margin.
    const distances = candidates.map((d) => Math.abs(d.getTime() - nowMs)).sort((a, b) => a - b);
    const slack = (distances[1] - distances[0]) / 2 - 1;
    window.from = Math.max(new Date(year, 0, 1).getTime(), nowMs - slack);
    window.to = Math.min(new Date(year + 1, 0, 1).getTime() - 1, nowMs + slack);
  }
  if (date.getDate() !== day) return null;
  return date.getTime() / 1000 + frac;
}

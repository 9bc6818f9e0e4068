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
const BSD_STAMP = /^([A-Z][a-z]{2}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(?: (\d{4})(?= |$))?/;
const ISO_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})/;
/** TAG[PID]: — a tag is what programs are named, up to 48 characters. */
const TAG = /^([A-Za-z0-9_.\/@+-]{1,48})(?:\[([^\]\s]{1,128})\])?: ?/;
/**
 * Right after a hostname, where RFC 3164 puts the TAG, a space ends it too: rsyslog's
 * and syslog-ng's traditional forwarding write a message that came in as RFC 5424 as
 * `HOST APP[PROCID] MSG`, without the colon, and both read it back that way.
 */
const TAG_AFTER_HOST = /^([A-Za-z0-9_.\/@+-]{1,48})(?:\[([^\]\s]{1,128})\])?(?:: ?| )/;
const HOSTNAME = /^[A-Za-z0-9_.:%-]{1,255}$/;

/**
 * The message, or null when it has neither a PRI nor a timestamp: then it
 * fits no syslog format and is kept whole by the caller.
 */
export function parseRfc3164(text: string, now: Date = new Date()): SyslogMessage | null {
  const head = readPri(text);
  let p = head?.rest ?? 0;
  let timestamp: string | null = null;
  let time: number | null = null;
  const rest = text.slice(p);
  const bsd = BSD_STAMP.exec(rest);
  const iso = bsd === null ? ISO_STAMP.exec(rest) : null;
  if (bsd !== null) {
    time = bsdTime(bsd, now);
    if (time !== null) {
      timestamp = new Date(time * 1000).toISOString();
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
    const sp = text.indexOf(' ', p);
    const word = text.slice(p, sp < 0 ? text.length : sp);
    if (sp > p && !word.endsWith(':') && !word.includes('[') && HOSTNAME.test(word)) {
      hostname = word;
      p = sp + 1;
    }
  }
  const tag = (hostname === null ? TAG : TAG_AFTER_HOST).exec(text.slice(p));
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

function bsdTime(m: RegExpExecArray, now: Date): number | null {
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
    date = [at(year - 1), at(year), at(year + 1)].reduce((best, d) => (Math.abs(d.getTime() - now.getTime()) < Math.abs(best.getTime() - now.getTime()) ? d : best));
  }
  if (date.getDate() !== day) return null;
  return date.getTime() / 1000 + frac;
}

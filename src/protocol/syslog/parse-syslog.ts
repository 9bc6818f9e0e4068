/**
 * One syslog message, whatever its format: RFC 5424 when it is one, else
 * RFC 3164 read leniently, else kept whole and flagged (`unparsed`, with
 * `raw`), never dropped.
 */
import { DEFAULT_PRI, FACILITIES, priority, SEVERITIES } from './names';
import { parseRfc3164 } from './rfc3164';
import { parseRfc5424 } from './rfc5424';
import type { SyslogMessage } from './syslog-message';

export function parseSyslog(text: string, now: Date = new Date()): SyslogMessage {
  const line = withoutLineEnd(text);
  const parsed = parseRfc5424(line) ?? parseRfc3164(line, now);
  if (parsed !== null) return parsed;
  const { facility, severity } = priority(DEFAULT_PRI);
  return {
    format: 'unparsed',
    facility,
    severity,
    facility_name: FACILITIES[facility],
    severity_name: SEVERITIES[severity],
    timestamp: null,
    hostname: null,
    app_name: null,
    procid: null,
    msgid: null,
    structured_data: null,
    message: line,
    raw: text,
    time: null,
  };
}

/**
 * `text` less the CR, LF and NUL it ends with: senders end lines in many
 * ways, and the framing has already cut the message out. A loop, not
 * /[\r\n\0]+$/, which retries from every position of a long run of them
 * (a 64 KiB datagram of line ends took seconds).
 */
export function withoutLineEnd(text: string): string {
  let end = text.length;
  for (let c = text.charCodeAt(end - 1); c === 0x0d || c === 0x0a || c === 0x00; c = text.charCodeAt(end - 1)) end--;
  return end === text.length ? text : text.slice(0, end);
}

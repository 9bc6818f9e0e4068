/**
 * A parsed syslog message as a BlueOx event: type `syslog`, the message's
 * hostname as the event's host (else the sender's address), its own time as
 * the end time (else the arrival), and a body with RFC 5424's names plus the
 * sender (`peer`) and, when parsing fell back, the whole message (`raw`).
 */
import { PASCAL_MAX } from '../meta';
import type { SyslogMessage } from './syslog-message';

export const SYSLOG_EVENT_TYPE = 'syslog';

export interface SyslogEvent {
  type: string;
  host: string;
  /** Seconds since the epoch. */
  end: number;
  body: Record<string, unknown>;
}

/**
 * `truncated`: cut at syslog_max_message; `incomplete`: the connection ended
 * inside the message, so this is what arrived of it.
 */
export function syslogEvent(m: SyslogMessage, peer: string, arrivalMs: number, truncated = false, incomplete = false): SyslogEvent {
  const body: Record<string, unknown> = {
    facility: m.facility,
    severity: m.severity,
    facility_name: m.facility_name,
    severity_name: m.severity_name,
    timestamp: m.timestamp,
    hostname: m.hostname,
    app_name: m.app_name,
    procid: m.procid,
    msgid: m.msgid,
    structured_data: m.structured_data,
    message: m.message,
    format: m.format,
    peer,
  };
  if (m.raw !== undefined) body.raw = m.raw;
  if (truncated) body.truncated = true;
  if (incomplete) body.incomplete = true;
  return {
    type: SYSLOG_EVENT_TYPE,
    host: m.hostname !== null && Buffer.byteLength(m.hostname) <= PASCAL_MAX ? m.hostname : peer,
    end: m.time ?? arrivalMs / 1000,
    body,
  };
}

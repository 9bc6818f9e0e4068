/**
 * A syslog message as oxd stores it: the body of a BlueOx event, with RFC
 * 5424's field names whichever format it came in.
 */

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'unparsed';

export type StructuredData = Record<string, Record<string, string | string[]>>;

export interface SyslogMessage {
  format: SyslogFormat;
  facility: number;
  severity: number;
  facility_name: string;
  severity_name: string;
  /** The message's own time as RFC 3339 text; null when it had none. */
  timestamp: string | null;
  hostname: string | null;
  app_name: string | null;
  procid: string | null;
  msgid: string | null;
  structured_data: StructuredData | null;
  message: string;
  /** The whole message as received, when it was not read as either format. */
  raw?: string;
  /** Seconds since the epoch of `timestamp`; null when it had none (arrival is used). */
  time: number | null;
}

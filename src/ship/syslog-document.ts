/**
 * What a `syslog` event's document carries besides the event itself: the
 * fields Elasticsearch and Kibana users look for first, under the names of
 * the Elastic Common Schema, copied from the body (which keeps RFC 5424's
 * names: body.app_name, body.structured_data...):
 *   `message`     the message text (Kibana's default column)
 *   `log.syslog`  priority, facility.code/.name, severity.code/.name,
 *                 hostname, appname, procid, msgid, version ("1" for RFC 5424)
 * Missing values are left out rather than sent as null. Structured data
 * stays in body.structured_data only. `@timestamp` needs nothing here: a
 * syslog event's end is its message's own time (the arrival only when the
 * message had none), and the document's @timestamp is that end.
 */
import { decode } from '@msgpack/msgpack';
import type { EventFields } from '../store/event-fields';

export const SYSLOG_TYPE = 'syslog';
/** The document's keys these fields take; an event's own top-level keys of these names are replaced. */
export const SYSLOG_KEYS = ['message', 'log'];

/**
 * `"message":...,"log":{"syslog":{...}}` for a syslog event whose body is a
 * map, else null (the document is then the event alone, as for any type).
 */
export function syslogMembers(event: EventFields, raw: Buffer): string | null {
  if (event.type !== SYSLOG_TYPE || event.bodyStart < 0) return null;
  let body: unknown;
  try {
    body = decode(raw.subarray(event.bodyStart, event.bodyEnd));
  } catch {
    return null;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) return null;
  const b = body as Record<string, unknown>;
  const syslog: Record<string, unknown> = {};
  const facility = code(b.facility, 23);
  const severity = code(b.severity, 7);
  if (facility !== null && severity !== null) syslog.priority = facility * 8 + severity;
  const named = (c: number | null, name: unknown): Record<string, unknown> | null => {
    const out: Record<string, unknown> = {};
    if (c !== null) out.code = c;
    if (typeof name === 'string') out.name = name;
    return Object.keys(out).length ? out : null;
  };
  put(syslog, 'facility', named(facility, b.facility_name));
  put(syslog, 'severity', named(severity, b.severity_name));
  put(syslog, 'hostname', text(b.hostname));
  put(syslog, 'appname', text(b.app_name));
  put(syslog, 'procid', text(b.procid));
  put(syslog, 'msgid', text(b.msgid));
  if (b.format === 'rfc5424') syslog.version = '1';
  const members: string[] = [];
  const message = typeof b.message === 'string' ? b.message : null;
  if (message !== null) members.push(`"message":${JSON.stringify(message)}`);
  members.push(`"log":${JSON.stringify({ syslog })}`);
  return members.join(',');
}

function code(v: unknown, max: number): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function put(into: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== null && value !== undefined) into[key] = value;
}

/**
 * DogStatsD events and service checks, which statsd itself would count as bad
 * lines; oxd turns each into a BlueOx event (types `statsd.event` and
 * `statsd.check`) so they are stored, forwarded and shipped like the rest.
 *
 *   _e{TITLE_BYTES,TEXT_BYTES}:TITLE|TEXT|d:TS|h:HOST|k:KEY|p:PRIORITY|s:SOURCE|t:ALERT|#tag,k:v
 *   _sc|NAME|STATUS|d:TS|h:HOST|#tag,k:v|m:MESSAGE
 */

export interface DogEvent {
  title: string;
  text: string;
  timestamp?: number;
  hostname?: string;
  aggregation_key?: string;
  priority?: string;
  source_type_name?: string;
  alert_type?: string;
  tags: string[];
}

export interface DogCheck {
  name: string;
  status: number;
  status_name: string;
  timestamp?: number;
  hostname?: string;
  message?: string;
  tags: string[];
}

export const CHECK_STATUS = ['ok', 'warning', 'critical', 'unknown'] as const;

const EVENT_HEAD = /^_e\{(\d{1,6}),(\d{1,6})\}:/;
const EVENT_FIELDS: Record<string, keyof DogEvent> = {
  h: 'hostname',
  k: 'aggregation_key',
  p: 'priority',
  s: 'source_type_name',
  t: 'alert_type',
};

/** The event in `line`, or null when its lengths or fields do not fit. */
export function parseDogEvent(line: string): DogEvent | null {
  const head = EVENT_HEAD.exec(line);
  if (head === null) return null;
  const titleBytes = Number(head[1]);
  const textBytes = Number(head[2]);
  // The lengths count UTF-8 bytes, so the line is cut as bytes.
  const bytes = Buffer.from(line.slice(head[0].length), 'utf8');
  if (titleBytes === 0 || titleBytes + 1 + textBytes > bytes.length || bytes[titleBytes] !== 0x7c) return null;
  const event: DogEvent = {
    title: bytes.toString('utf8', 0, titleBytes),
    text: bytes.toString('utf8', titleBytes + 1, titleBytes + 1 + textBytes).replace(/\\n/g, '\n'),
    tags: [],
  };
  const rest = bytes.toString('utf8', titleBytes + 1 + textBytes);
  if (rest.length > 0 && rest[0] !== '|') return null;
  for (const field of rest.split('|').slice(1)) {
    if (field.startsWith('#')) event.tags = tagList(field);
    else if (field.startsWith('d:')) {
      const ts = timestamp(field.slice(2));
      if (ts === null) return null;
      event.timestamp = ts;
    } else if (field.length > 2 && field[1] === ':' && field[0] in EVENT_FIELDS) {
      (event as unknown as Record<string, string>)[EVENT_FIELDS[field[0]]] = field.slice(2);
    } else if (field.length > 0) return null;
  }
  return event;
}

/** The service check in `line`, or null when it does not fit. */
export function parseDogCheck(line: string): DogCheck | null {
  // The message comes last and may contain "|".
  const m = line.indexOf('|m:');
  const message = m >= 0 ? line.slice(m + 3).replace(/\\n/g, '\n') : undefined;
  const fields = (m >= 0 ? line.slice(0, m) : line).split('|');
  if (fields.length < 3 || fields[1].length === 0 || !/^[0-3]$/.test(fields[2])) return null;
  const status = Number(fields[2]);
  const check: DogCheck = { name: fields[1], status, status_name: CHECK_STATUS[status], tags: [] };
  for (const field of fields.slice(3)) {
    if (field.startsWith('#')) check.tags = tagList(field);
    else if (field.startsWith('d:')) {
      const ts = timestamp(field.slice(2));
      if (ts === null) return null;
      check.timestamp = ts;
    } else if (field.startsWith('h:')) check.hostname = field.slice(2);
    else if (field.length > 0) return null;
  }
  if (message !== undefined) check.message = message;
  return check;
}

function tagList(field: string): string[] {
  return field.length > 1 ? field.slice(1).split(',').filter((t) => t.length > 0) : [];
}

function timestamp(text: string): number | null {
  return /^\d{1,12}$/.test(text) ? Number(text) : null;
}

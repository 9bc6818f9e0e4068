/**
 * One BlueOx event as an Elasticsearch bulk entry: the action line and the
 * document.
 *
 * The document is the event's map as it is (id, type, host, pid, start, end,
 * body...), written from its msgpack bytes by src/json/ exactly as oxview
 * and `oxstore cat --json` write it, except that NaN and ±Infinity become
 * null: Elasticsearch refuses the bare tokens, and takes null as "no value".
 * Two fields are added, as the original oxstash did:
 *   `@timestamp`  the event's `end` as ISO 8601 UTC with milliseconds and Z
 *   `duration`    `end - start`, in seconds, a float (left out when `start` is not a number)
 * An event's own top-level `@timestamp` or `duration` key is replaced by these.
 * A `syslog` event also gets `message` and `log.syslog` (syslog-document.ts).
 *
 * The index is `<base>-YYYY.MM.DD` from the same `end` (UTC), or one fixed
 * name. The `_id` is derived from the event's bytes (SHA-1, base64url), so a
 * batch sent again after a timeout or a dropped connection, or a file shipped
 * twice, overwrites the same documents instead of duplicating them.
 */
import { createHash } from 'node:crypto';
import { floatText } from '../json/json-number';
import { JsonWriter } from '../json/json-writer';
import type { EventFields } from '../store/event-fields';
import { SYSLOG_KEYS, syslogMembers } from './syslog-document';

export interface IndexChoice {
  /** `<base>-YYYY.MM.DD` per event... */
  base: string;
  /** ...unless one fixed index is named. */
  fixed: string | null;
}

export interface BulkEntry {
  index: string;
  id: string;
  type: string;
  /** The action line and the document line, each ending with "\n". */
  text: string;
}

export class EventProblem extends Error {}

const ADDED = [Buffer.from('@timestamp'), Buffer.from('duration')];
const ADDED_SYSLOG = [...ADDED, ...SYSLOG_KEYS.map((k) => Buffer.from(k))];
/** One writer for every document (a bulk entry is taken as a string at once). */
const documentJson = new JsonWriter({ nonFinite: 'null' }, 64 * 1024);
/** Dates Elasticsearch's default date format reads: years 0000 to 9999. */
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const YEAR_ZERO_MS = new Date('0000-01-01T00:00:00.000Z').getTime();

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `YYYY.MM.DD` of a UTC millisecond time. */
export function indexDay(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}.${pad(d.getUTCMonth() + 1)}.${pad(d.getUTCDate())}`;
}

export function indexFor(choice: IndexChoice, ms: number): string {
  return choice.fixed ?? `${choice.base}-${indexDay(ms)}`;
}

/**
 * Why `name` cannot be an Elasticsearch index name, or null when it can
 * (the rules Elasticsearch applies when it creates an index).
 */
export function indexNameProblem(name: string): string | null {
  if (name === '') return 'it is empty';
  if (name !== name.toLowerCase()) return 'it must be lowercase';
  const bad = /[\\/*?"<>| ,#:]/.exec(name);
  if (bad) return `it must not contain "${bad[0]}"`;
  if (/^[-_+]/.test(name)) return 'it must not start with "-", "_" or "+"';
  if (name === '.' || name === '..') return 'it must not be "." or ".."';
  if (Buffer.byteLength(name) > 255) return 'it must be at most 255 bytes long';
  return null;
}

/** The event's `_id`: base64url SHA-1 of its msgpack bytes. */
export function documentId(raw: Buffer): string {
  return createHash('sha1').update(raw).digest('base64url');
}

/** Milliseconds of an `end` in seconds, rounded to the millisecond, or an EventProblem. */
export function endMillis(end: unknown): number {
  if (typeof end !== 'number' || !Number.isFinite(end)) throw new EventProblem('the event has no numeric "end" time');
  const ms = Math.round(end * 1000);
  if (ms < YEAR_ZERO_MS || ms > MAX_MS) throw new EventProblem(`"end" ${end} is outside the years 0000-9999`);
  return ms;
}

/**
 * The bulk entry for one event. `event` holds its fields (for `type`,
 * `start` and `end`), `raw` its msgpack bytes (for the document).
 * Throws EventProblem for an event that cannot become a document.
 */
export function buildEntry(event: EventFields, raw: Buffer, choice: IndexChoice): BulkEntry {
  const ms = endMillis(event.end);
  const json = documentJson;
  const syslog = syslogMembers(event, raw);
  json.reset();
  json.byte(0x7b);
  try {
    if (json.members(raw, syslog === null ? ADDED : ADDED_SYSLOG) > 0) json.byte(0x2c);
  } catch (err) {
    throw new EventProblem((err as Error).message);
  }
  json.ascii(`"@timestamp":"${new Date(ms).toISOString()}"`);
  if (typeof event.start === 'number' && Number.isFinite(event.start)) {
    json.ascii(`,"duration":${floatText((event.end as number) - event.start, 'null')}`);
  }
  if (syslog !== null) json.text(`,${syslog}`);
  json.ascii('}\n');
  const index = indexFor(choice, ms);
  const id = documentId(raw);
  const action = `{"index":{"_index":${JSON.stringify(index)},"_id":"${id}"}}`;
  const type = typeof event.type === 'string' ? event.type : '';
  return { index, id, type, text: `${action}\n${json.takeString()}` };
}

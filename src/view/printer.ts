/**
 * How oxview prints events: one JSON object per line (for jq and friends),
 * a JSON array per line with --group, or with --pretty the original's
 * header line and the indented body, coloured on a terminal. The JSON is
 * written straight from each event's msgpack bytes (src/json/), the same
 * conversion `oxstore cat --json` and oxstash use, into 64 KiB pieces
 * handed to the output. With --syslog or --rfc5424, `syslog` events are
 * one syslog line each instead (syslog-line.ts); other events, and a
 * `syslog` event whose body is not a map, print as without them.
 */
import { decode } from '@msgpack/msgpack';
import { JsonWriter } from '../json/json-writer';
import type { EventFields } from '../store/event-fields';
import { Palette, prettyHeader } from './format';
import type { HeldEvent } from './grouper';
import type { Output } from './output';
import { SyslogForm, syslogLine } from './syslog-line';

const FLUSH_AT = 64 * 1024;

export class EventPrinter {
  private readonly json: JsonWriter;

  constructor(
    private readonly out: Output,
    private readonly pretty: boolean,
    private readonly colors: Palette,
    private readonly syslogForm: SyslogForm | null = null,
  ) {
    this.json = new JsonWriter(pretty ? { indent: 2, keyBefore: colors.keyBefore, keyAfter: colors.keyAfter } : {}, 2 * FLUSH_AT);
  }

  /** One event; `fields` are needed with --pretty (the header, where the body is). */
  event(raw: Buffer, fields: EventFields | null): void {
    const line = this.syslogForm && fields ? this.syslogText(raw, fields) : null;
    if (line !== null) this.json.text(line);
    else if (this.pretty) this.prettyEvent(raw, fields!);
    else {
      this.json.whole(raw);
      this.json.byte(0x0a);
    }
    if (this.json.length >= FLUSH_AT) this.flush();
  }

  /** Events that share an id: one after another with --pretty, else one JSON array. */
  group(events: HeldEvent[]): void {
    if (this.pretty) {
      for (const e of events) this.prettyEvent(e.raw, e.fields);
    } else {
      this.json.byte(0x5b);
      events.forEach((e, i) => {
        if (i > 0) this.json.byte(0x2c);
        this.json.whole(e.raw);
      });
      this.json.ascii(']\n');
    }
    if (this.json.length >= FLUSH_AT) this.flush();
  }

  /** Hands what was written so far to the output. */
  flush(): void {
    if (this.json.length === 0) return;
    if (this.out.closed) this.json.reset();
    else this.out.write(this.json.take());
  }

  /** The event as a syslog line (with its newline), or null when it is not a syslog event. */
  private syslogText(raw: Buffer, fields: EventFields): string | null {
    if (fields.type !== 'syslog' || fields.bodyStart < 0) return null;
    let body: unknown;
    try {
      body = decode(raw.subarray(fields.bodyStart, fields.bodyEnd));
    } catch {
      return null;
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) return null;
    return `${syslogLine(this.syslogForm!, body as Record<string, unknown>, fields)}\n`;
  }

  private prettyEvent(raw: Buffer, fields: EventFields): void {
    this.json.text(prettyHeader(fields, this.colors));
    if (fields.bodyStart >= 0) this.json.whole(raw, fields.bodyStart, fields.bodyEnd);
    else this.json.ascii('null');
    this.json.byte(0x0a);
  }
}

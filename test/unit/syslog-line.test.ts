/**
 * syslog events back as syslog lines (src/view/syslog-line.ts): the classic
 * file line and RFC 5424, over every combination of present and missing
 * fields, escapes, non-ASCII text, cut-off and unparsed messages; each RFC
 * 5424 line is read back with oxd's own parser and must give the fields
 * it was made from.
 */
// A zone with a half-hour offset, west of UTC: a classic line's time must be this process's local time.
process.env.TZ = 'America/St_Johns';

import test from 'ava';
import { parseRfc3164 } from '../../src/protocol/syslog/rfc3164';
import { parseRfc5424 } from '../../src/protocol/syslog/rfc5424';
import { classicLine, classicTime, escapeControl, rfc5424Line, structuredData } from '../../src/view/syslog-line';

const STAMP = '2024-12-04T16:02:44.000Z';
const END = Date.parse(STAMP) / 1000;
/** 16:02:44 UTC in St. John's (NST, UTC-3:30). */
const LOCAL = 'Dec  4 12:32:44';

function body(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    facility: 9,
    severity: 6,
    facility_name: 'cron',
    severity_name: 'info',
    timestamp: STAMP,
    hostname: 'web1',
    app_name: 'cron',
    procid: '123',
    msgid: null,
    structured_data: null,
    message: 'job done',
    format: 'rfc3164',
    peer: '10.0.0.7',
    ...extra,
  };
}
const meta = { host: 'web1', end: END };

test('classic: time in the local zone (TZ), day padded with a space, host, app[pid]: message', (t) => {
  t.is(classicLine(body(), meta), `${LOCAL} web1 cron[123]: job done`);
  t.is(classicTime(Date.UTC(2024, 0, 14, 12, 0, 5, 999) / 1000), 'Jan 14 08:30:05', 'two-digit day, fraction dropped');
  t.is(classicTime(Date.UTC(2024, 6, 1, 2, 0, 0) / 1000), 'Jun 30 23:30:00', 'summer time (NDT, UTC-2:30) and the day before');
});

test('classic: the tag without a procid, without an app, without either', (t) => {
  t.is(classicLine(body({ procid: null }), meta), `${LOCAL} web1 cron: job done`);
  t.is(classicLine(body({ app_name: null }), meta), `${LOCAL} web1 -[123]: job done`);
  t.is(classicLine(body({ app_name: null, procid: null }), meta), `${LOCAL} web1 job done`);
  t.is(classicLine(body({ app_name: '', procid: '' }), meta), `${LOCAL} web1 job done`, 'empty is missing');
});

test('classic: no hostname means the sender address; an empty message keeps the space after the tag', (t) => {
  t.is(classicLine(body({ hostname: null }), { host: '10.0.0.7', end: END }), `${LOCAL} 10.0.0.7 cron[123]: job done`);
  t.is(classicLine(body({ hostname: null, peer: undefined }), { host: 'from-meta', end: END }), `${LOCAL} from-meta cron[123]: job done`);
  t.is(classicLine(body({ message: '' }), meta), `${LOCAL} web1 cron[123]: `);
});

test('the message time: its own timestamp (any offset), else the event end (the arrival)', (t) => {
  const withOffset = body({ timestamp: '2024-12-04T18:02:44.987654+02:00' });
  t.is(classicLine(withOffset, { end: 0 }), `${LOCAL} web1 cron[123]: job done`);
  t.is(rfc5424Line(withOffset, { end: 0 }), '<78>1 2024-12-04T18:02:44.987654+02:00 web1 cron 123 - - job done', 'RFC 5424 keeps it as written');
  const none = body({ timestamp: null });
  const arrival = END + 3600.25;
  t.is(classicLine(none, { end: arrival }), 'Dec  4 13:32:44 web1 cron[123]: job done');
  t.is(rfc5424Line(none, { end: arrival }), '<78>1 2024-12-04T17:02:44.250Z web1 cron 123 - - job done');
  t.is(classicLine(body({ timestamp: 'not a time' }), { end: arrival }), 'Dec  4 13:32:44 web1 cron[123]: job done');
  t.is(classicLine(none, {}), '- web1 cron[123]: job done', 'no time at all');
  t.is(rfc5424Line(none, {}), '<78>1 - web1 cron 123 - - job done');
});

test('one line per event: controls become #ooo (newline #012) in every field; spaces in classic words too', (t) => {
  t.is(escapeControl('a\nb\r\tc\x00d\x7fe'), 'a#012b#015#011c#000d#177e');
  const b = body({ message: 'first\nsecond\tend', hostname: 'we b1', app_name: 'my app', procid: '1\n2' });
  t.is(classicLine(b, meta), `${LOCAL} we#040b1 my#040app[1#0122]: first#012second#011end`);
  t.is(rfc5424Line(b, meta), `<78>1 ${STAMP} we#040b1 my#040app 1#0122 - - first#012second#011end`);
  for (const line of [classicLine(b, meta), rfc5424Line(b, meta)]) t.notRegex(line, /[\x00-\x1f\x7f]/);
});

test('non-ASCII: kept in messages, SD values and classic words; escaped byte by byte in RFC 5424 header fields', (t) => {
  const b = body({ hostname: 'hôte', app_name: 'äpp', message: 'grüße ✓ 日本', structured_data: { 'x@1': { v: 'café' } } });
  t.is(classicLine(b, meta), `${LOCAL} hôte äpp[123]: grüße ✓ 日本`);
  t.is(rfc5424Line(b, meta), `<78>1 ${STAMP} h#303#264te #303#244pp 123 - [x@1 v="café"] grüße ✓ 日本`);
});

test('structured data: escapes, repeated parameters, empty elements, none', (t) => {
  const sd = { 'order@32473': { id: '42', note: 'say "hi" \\ [x]' }, origin: {}, 'x@1': { ip: ['10.0.0.1', '10.0.0.2'] } };
  t.is(structuredData(sd), '[order@32473 id="42" note="say \\"hi\\" \\\\ [x\\]"][origin][x@1 ip="10.0.0.1" ip="10.0.0.2"]');
  t.is(structuredData(null), '-');
  t.is(structuredData({}), '-');
  t.is(structuredData({ 'a b': { 'n=x': 'v\nw', n: 7 } }), '[a#040b n#075x="v#012w" n="7"]', 'names made valid, controls escaped, numbers as text');
  const line = rfc5424Line(body({ structured_data: sd, format: 'rfc5424', msgid: 'ORD' }), meta);
  t.is(line, `<78>1 ${STAMP} web1 cron 123 ORD [order@32473 id="42" note="say \\"hi\\" \\\\ [x\\]"][origin][x@1 ip="10.0.0.1" ip="10.0.0.2"] job done`);
  t.deepEqual(parseRfc5424(line)?.structured_data, sd, 'read back by oxd to the same data');
});

test('PRI from facility and severity; user.notice when they are missing or out of range', (t) => {
  t.regex(rfc5424Line(body({ facility: 0, severity: 0 }), meta), /^<0>1 /);
  t.regex(rfc5424Line(body({ facility: 23, severity: 7 }), meta), /^<191>1 /);
  t.regex(rfc5424Line(body({ facility: 24, severity: 'x' }), meta), /^<13>1 /);
  t.is(rfc5424Line({}, meta), `<13>1 ${STAMP} web1 - - - -`, 'an empty body: the event\'s host and time, NIL for the rest');
});

test('a cut-off message is shown as stored; one kept whole (unparsed) shows its text with the sender as host', (t) => {
  const cut = body({ message: 'x'.repeat(50), truncated: true });
  t.is(classicLine(cut, meta), `${LOCAL} web1 cron[123]: ${'x'.repeat(50)}`);
  const unparsed = { facility: 1, severity: 5, timestamp: null, hostname: null, app_name: null, procid: null, msgid: null, structured_data: null, message: 'not syslog at all', raw: 'not syslog at all\r\n', format: 'unparsed', peer: '127.0.0.1' };
  t.is(classicLine(unparsed, { host: '127.0.0.1', end: END }), `${LOCAL} 127.0.0.1 not syslog at all`);
  t.is(rfc5424Line(unparsed, { host: '127.0.0.1', end: END }), `<13>1 ${STAMP} 127.0.0.1 - - - - not syslog at all`);
  const rawOnly = { format: 'unparsed', raw: 'only raw\n', peer: '::1' };
  t.is(classicLine(rawOnly, { end: END }), `${LOCAL} ::1 only raw`);
  t.is(rfc5424Line(rawOnly, { end: END }), `<13>1 ${STAMP} ::1 - - - - only raw`);
});

test('every combination of present and missing fields reads back as it was (RFC 5424 by oxd\'s parser, classic by its RFC 3164 reader)', (t) => {
  const choices = {
    hostname: ['web1.example.com', null],
    app_name: ['shop', null],
    procid: ['4242', null],
    msgid: ['ORD', null],
    structured_data: [{ 'a@1': { k: 'v "q" ]' } }, null],
    message: ['hello world', '', ' leading space', 'ünïcode'],
    timestamp: ['2024-12-04T16:02:44.5+05:30', null],
  };
  const keys = Object.keys(choices) as (keyof typeof choices)[];
  let combos = 0;
  const walk = (i: number, fields: Record<string, unknown>): void => {
    if (i < keys.length) {
      for (const v of choices[keys[i]]) walk(i + 1, { ...fields, [keys[i]]: v });
      return;
    }
    combos++;
    const b = body({ ...fields, facility: 19, severity: 4 });
    const end = 1733328164.75;
    const name = JSON.stringify(fields);
    const back = parseRfc5424(rfc5424Line(b, { end }));
    t.like(back, {
      facility: 19,
      severity: 4,
      hostname: fields.hostname ?? '10.0.0.7',
      app_name: fields.app_name,
      procid: fields.procid,
      msgid: fields.msgid,
      structured_data: fields.structured_data,
      message: fields.message,
      timestamp: fields.timestamp ?? new Date(end * 1000).toISOString(),
    }, name);
    const classic = parseRfc3164(classicLine(b, { end }), new Date(end * 1000));
    const second = Math.floor(fields.timestamp ? Date.parse(fields.timestamp as string) / 1000 : end);
    t.is(classic?.time, second, name);
    t.is(classic?.hostname, (fields.hostname ?? '10.0.0.7') as string, name);
    if (fields.app_name !== null || fields.procid !== null) {
      t.like(classic, { app_name: fields.app_name ?? '-', procid: fields.procid, message: fields.message }, name);
    }
  };
  walk(0, {});
  t.is(combos, 2 ** 6 * 4);
});

/**
 * oxstash's documents for syslog events (src/ship/syslog-document.ts): the
 * event made as oxd makes it (parseSyslog, syslogEvent, compatPack), then
 * its bulk entry: @timestamp is the message's time and not the arrival,
 * `message` and `log.syslog` (ECS names) are added, the body is kept whole.
 */
import test from 'ava';
import { compatPack, Float64, Packable } from '../../src/protocol/compat-pack';
import { parseSyslog } from '../../src/protocol/syslog/parse-syslog';
import { syslogEvent } from '../../src/protocol/syslog/syslog-event';
import { buildEntry } from '../../src/ship/document';
import { eventFields } from '../../src/store/event-fields';

const base = { base: 'blueox', fixed: null };

/** The event oxd stores for `line` received at `arrivalMs` from 192.0.2.9, and its document. */
function shipped(line: string, arrivalMs: number): { doc: Record<string, any>; body: Record<string, unknown>; index: string } {
  const e = syslogEvent(parseSyslog(line, new Date(arrivalMs)), '192.0.2.9', arrivalMs);
  const raw = compatPack({ id: 'b'.repeat(32), type: e.type, host: e.host, pid: 99, start: new Float64(e.end), end: new Float64(e.end), body: e.body as { [k: string]: Packable } });
  const entry = buildEntry(eventFields(raw), raw, base);
  return { doc: JSON.parse(entry.text.split('\n')[1]), body: e.body, index: entry.index };
}

test('RFC 5424: @timestamp is the message time, not the arrival; message and log.syslog added; the body kept', (t) => {
  const arrival = Date.UTC(2024, 11, 5, 0, 0, 3);
  const { doc, body, index } = shipped('<165>1 2024-12-04T23:59:58.250-02:00 web1 shop 4242 ORD [order@32473 id="42" note="a \\"b\\""] order placed', arrival);
  t.is(doc['@timestamp'], '2024-12-05T01:59:58.250Z');
  t.is(index, 'blueox-2024.12.05');
  t.is(doc.duration, 0);
  t.is(doc.message, 'order placed');
  t.deepEqual(doc.log, {
    syslog: { priority: 165, facility: { code: 20, name: 'local4' }, severity: { code: 5, name: 'notice' }, hostname: 'web1', appname: 'shop', procid: '4242', msgid: 'ORD', version: '1' },
  });
  t.deepEqual(doc.body, body);
  t.deepEqual(doc.body.structured_data, { 'order@32473': { id: '42', note: 'a "b"' } });
  t.like(doc, { type: 'syslog', host: 'web1' });
});

test('RFC 3164 without hostname or pid: what is missing is left out of log.syslog; no version', (t) => {
  const arrival = Date.UTC(2024, 11, 4, 16, 2, 50);
  const { doc } = shipped('<30>Dec  4 16:02:44 cron: job done', arrival);
  const local = new Date(2024, 11, 4, 16, 2, 44).getTime();
  t.is(doc['@timestamp'], new Date(local).toISOString(), 'the message time, read in this machine\'s zone');
  t.is(doc.message, 'job done');
  t.deepEqual(doc.log, { syslog: { priority: 30, facility: { code: 3, name: 'daemon' }, severity: { code: 6, name: 'info' }, appname: 'cron' } });
  t.is(doc.host, '192.0.2.9', 'the sender stands in for the hostname');
});

test('a message with no time of its own, or kept whole: @timestamp is the arrival', (t) => {
  const arrival = Date.UTC(2024, 11, 4, 16, 2, 50, 125);
  const nil = shipped('<13>1 - - - - - - no time', arrival).doc;
  t.is(nil['@timestamp'], '2024-12-04T16:02:50.125Z');
  t.deepEqual(nil.log, { syslog: { priority: 13, facility: { code: 1, name: 'user' }, severity: { code: 5, name: 'notice' }, version: '1' } });
  const whole = shipped('not syslog at all', arrival).doc;
  t.is(whole['@timestamp'], '2024-12-04T16:02:50.125Z');
  t.is(whole.message, 'not syslog at all');
  t.like(whole.body, { format: 'unparsed', raw: 'not syslog at all' });
});

test('an event\'s own top-level message and log are replaced for syslog events only; a body that is not a map adds nothing', (t) => {
  const end = Date.UTC(2024, 11, 4) / 1000;
  const text = (fields: Record<string, Packable>): string => {
    const raw = compatPack({ type: 'syslog', start: new Float64(end), end: new Float64(end), ...fields });
    return buildEntry(eventFields(raw), raw, base).text.split('\n')[1];
  };
  const doc = (fields: Record<string, Packable>): Record<string, any> => JSON.parse(text(fields));
  const fields = { message: 'mine', log: 3, body: { message: 'from the body', severity: 3, facility: 4 } };
  const own = doc(fields);
  t.is(own.message, 'from the body');
  t.deepEqual(own.log, { syslog: { priority: 35, facility: { code: 4 }, severity: { code: 3 } } });
  t.false(text(fields).includes('"mine"'), 'written once, not twice');
  t.false(text(fields).includes('"log":3'));
  const notMap = doc({ message: 'kept', body: 'text' });
  t.is(notMap.message, 'kept');
  t.is(notMap.log, undefined);
  const raw = compatPack({ type: 'request', end: new Float64(end), message: 'kept', body: { message: 'x', facility: 1, severity: 1 } });
  const other = JSON.parse(buildEntry(eventFields(raw), raw, base).text.split('\n')[1]);
  t.is(other.message, 'kept');
  t.is(other.log, undefined);
});

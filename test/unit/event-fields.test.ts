/**
 * The top-level fields the tools act on, read from an event's bytes without
 * decoding its body: the original's events, and odd ones.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeMulti } from '@msgpack/msgpack';
import { eventFields, isEventBytes } from '../../src/store/event-fields';
import { msgpackExtent } from '../../src/protocol/msgpack-extent';
import { array, f32, hex, int, map, nil, str, uint } from '../helpers/msgpack-samples';

const FIXTURE = fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/original/daily/request-20261121.log'));

test('the fields of every event the original wrote are what decoding gives; the body is found in place', (t) => {
  const decoded = [...decodeMulti(FIXTURE)] as Array<Record<string, unknown>>;
  let at = 0;
  for (const event of decoded) {
    const end = msgpackExtent(FIXTURE, at) as number;
    const raw = FIXTURE.subarray(at, end);
    const f = eventFields(raw);
    t.deepEqual({ type: f.type, id: f.id, host: f.host, pid: f.pid, start: f.start, end: f.end }, { type: event.type, id: event.id, host: event.host, pid: event.pid, start: event.start, end: event.end });
    t.deepEqual([...decodeMulti(raw.subarray(f.bodyStart, f.bodyEnd))], [event.body]);
    at = end;
  }
  t.is(at, FIXTURE.length);
});

test('odd events: bad UTF-8 by the \\xNN rule, 64-bit ids exact, containers and missing fields undefined, no body', (t) => {
  const raw = map([
    [str('type'), str(hex('72 c3 28'))],
    [str('id'), uint(64, 2n ** 64n - 1n)],
    [str('pid'), int(64, -5n)],
    [str('host'), array([nil()])],
    [uint('fix', 1n), str('a key that is not a string')],
    [str('end'), f32(1.5)],
  ]);
  t.deepEqual(eventFields(raw), { type: 'r\\xc3(', id: 2n ** 64n - 1n, pid: -5, host: undefined, end: 1.5, bodyStart: -1, bodyEnd: -1 });
  t.true(isEventBytes(raw));
  t.false(isEventBytes(raw.subarray(0, raw.length - 1)), 'cut short');
  t.false(isEventBytes(Buffer.concat([raw, nil()])), 'something after it');
  t.false(isEventBytes(array([])), 'not a map');
  t.false(isEventBytes(Buffer.alloc(0)));
});

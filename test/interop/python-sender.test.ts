/**
 * Python applications that send with the original (Python 2) BlueOx client:
 * py2_sender.py packs meta and body frames exactly as that client did, and
 * oxd must store the body frames byte for byte, including bodies that carry
 * bytes which are not UTF-8.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, utcDay } from '../helpers/events';
import { startOxd, tempDir } from '../helpers/oxd-process';
import { parseOne, splitValues, tagsOf, unreadableByPython2, field } from './support/msgpack-walk';
import { describe, readSent, startPy, typeFileBytes } from './support/processes';

const TYPES = ['request', 'request.db', 'my-app.log'];

test('events from the Python 2 client are stored byte for byte, per type', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const work = tempDir('blueox-py-sender-');
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const out = path.join(work, 'sent.json');
  const count = 600;

  const before = Date.now();
  const py = startPy('py2_sender.py', ['--address', oxd.collect, '--count', String(count), '--types', TYPES.join(','), '--out', out, '--bad-bytes']);
  t.teardown(() => py.stop());
  const done = await py.finished;
  t.is(done.code, 0, describe(done));

  const status = await oxd.waitForStatus((s) => s.totals.written === count);
  const days = [...new Set([utcDay(before), utcDay()])];
  const sent = readSent(out);
  t.deepEqual(Object.keys(sent).sort(), [...TYPES].sort());

  const files = listFiles(oxd.logPath!);
  let matched = 0;
  for (const type of TYPES) {
    t.is(sent[type].length, count / TYPES.length, `${type}: the sender reports every event it sent`);
    const { bytes, names } = typeFileBytes(oxd.logPath!, files, type, days);
    matched += names.length;
    t.true(bytes.equals(Buffer.concat(sent[type])), `${type}: the file holds exactly the body frames Python sent, in order`);
    t.is(status.events[type].received, count / TYPES.length);
    t.is(status.events[type].written, count / TYPES.length);
    t.is(status.events[type].invalid, 0);
  }
  t.is(matched, files.length, `no other files: ${files.join(', ')}`);
  t.is(status.totals.invalid, 0);
  t.is(status.totals.dropped, 0);
  t.deepEqual(Object.keys(status.hosts), ['py2host']);
  t.is(status.hosts.py2host.received, count);
});

test('the sender really uses the Python 2 wire format, and invalid UTF-8 bodies survive', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const work = tempDir('blueox-py-sender-');
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const out = path.join(work, 'sent.json');
  const count = 50;

  const before = Date.now();
  const py = startPy('py2_sender.py', ['--address', oxd.collect, '--count', String(count), '--types', 'request', '--out', out, '--bad-bytes', '--host', 'web-1.example']);
  t.teardown(() => py.stop());
  const done = await py.finished;
  t.is(done.code, 0, describe(done));
  const status = await oxd.waitForStatus((s) => s.totals.written === count);
  const sent = readSent(out).request;

  // The bodies are what a Python 2 client wrote: the raw family only, raw16 for the 40-byte string.
  const tags = new Set<number>();
  for (const body of sent) tagsOf(parseOne(body), tags);
  t.deepEqual(unreadableByPython2(tags), [], 'no str8 or bin in the bodies');
  t.true(tags.has(0xda), 'a 32..65535-byte string is raw16 (0xda)');
  t.true([...tags].some((tag) => tag >= 0xa0 && tag <= 0xbf), 'short strings are fixraw');

  const notUtf8 = sent.filter((b) => {
    const raw = field(field(parseOne(b), 'body')!, 'raw_bytes');
    return raw !== undefined && !isUtf8(raw.bytes!);
  });
  t.is(notUtf8.length, count / 5, 'every 5th body carries bytes that are not UTF-8');

  const files = listFiles(oxd.logPath!);
  const { bytes, names } = typeFileBytes(oxd.logPath!, files, 'request', [...new Set([utcDay(before), utcDay()])]);
  t.true(bytes.equals(Buffer.concat(sent)), 'the file is byte-identical to what was sent');
  const stored = splitValues(bytes);
  t.is(stored.length, count, 'the file splits into exactly one msgpack value per event');
  t.is(stored.filter((b) => notUtf8.some((n) => n.equals(b))).length, notUtf8.length, 'the invalid-UTF-8 bodies are stored unchanged');
  t.is(status.totals.received, count);
  t.is(status.totals.invalid, 0);
  t.is(status.hosts['web-1.example'].received, count);

  // Read back with Python as the original's readers did (raw=True): every event, bytes intact.
  const reread = startPy('py2_reader_check.py', names.map((n) => path.join(oxd.logPath!, n)));
  t.teardown(() => reread.stop());
  const r = await reread.finished;
  t.is(r.code, 0, describe(r));
  t.deepEqual(JSON.parse(r.stdout), { events: count, not_utf8: count / 5, types: ['request'] });
});

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

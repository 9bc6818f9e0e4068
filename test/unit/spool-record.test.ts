import test from 'ava';
import * as zlib from 'node:zlib';
import { crc32, crc32Portable } from '../../src/protocol/spool/crc32';
import {
  nextRecord,
  readRecord,
  RECORD_DAMAGED,
  RECORD_HEADER,
  RECORD_INCOMPLETE,
  recordSize,
  SpoolRecord,
  writeRecord,
} from '../../src/protocol/spool/spool-record';
import { mulberry32 } from '../helpers/random';

const blank = (): SpoolRecord => ({ seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 });

function record(seq: number, meta: Buffer, body: Buffer, at = 0, out = Buffer.alloc(at + recordSize(meta.length, body.length))): Buffer {
  writeRecord(out, at, seq, 1_765_000_000_123.5, meta, 0, meta.length, body, 0, body.length);
  return out;
}

test('CRC-32: the table-driven one gives zlib\'s values, from any start and any earlier value', (t) => {
  t.is(crc32Portable(Buffer.from('123456789'), 0, 9, 0), 0xcbf43926, 'the check value of CRC-32/ISO-HDLC');
  const rand = mulberry32(7);
  const data = Buffer.from(Array.from({ length: 5000 }, () => Math.floor(rand() * 256)));
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  for (const [start, end] of [[0, 0], [0, 1], [3, 11], [5, 1000], [7, 1031], [0, 5000]]) {
    const whole = crc32Portable(data, start, end, 0);
    // In two pieces, continuing from the first: the same value.
    const mid = Math.floor((start + end) / 2);
    t.is(crc32Portable(data, mid, end, crc32Portable(data, start, mid, 0)), whole);
    t.is(crc32(data, start, end, 0), whole, 'the dispatching one (native for long runs where Node has it)');
    if (native) t.is(native(data.subarray(start, end)), whole);
  }
});

test('a record reads back as written: sequence number, time and both frames', (t) => {
  const meta = Buffer.from('m'.repeat(137));
  const body = Buffer.from([0x81, 0xa1, 0x61, 0x01]);
  const seq = 2 ** 52 + 12345;
  const buf = record(seq, meta, body, 5);
  const r = blank();
  t.is(readRecord(buf, 5, buf.length, r), buf.length);
  t.is(r.seq, seq);
  t.is(r.spooledAt, 1_765_000_000_123.5);
  t.deepEqual(buf.subarray(r.metaStart, r.metaEnd), meta);
  t.deepEqual(buf.subarray(r.metaEnd, r.end), body);
  t.is(r.end - r.start, recordSize(meta.length, body.length));
});

test('every cut of a record is incomplete, never damaged', (t) => {
  const buf = record(9, Buffer.from('meta'), Buffer.from('body body body'));
  for (let cut = 0; cut < buf.length; cut++) t.is(readRecord(buf, 0, cut, blank()), RECORD_INCOMPLETE, `cut at ${cut}`);
});

test('any one byte changed makes the record damaged, wherever it is', (t) => {
  const good = record(77, Buffer.from('meta frame'), Buffer.from('a body frame of some length'));
  for (let i = 0; i < good.length; i++) {
    for (const flip of [0x01, 0x80, 0xff]) {
      const bad = Buffer.from(good);
      bad[i] ^= flip;
      const r = readRecord(bad, 0, bad.length, blank());
      // A changed length may also make the record look longer than the bytes: incomplete, not taken either.
      t.true(r === RECORD_DAMAGED || r === RECORD_INCOMPLETE, `byte ${i} ^ ${flip}: ${r}`);
    }
  }
});

test('after damage the next whole record is found, also past markers inside the damage and the frames', (t) => {
  const first = record(1, Buffer.from('m1'), Buffer.from([0xd5, 0x01, 0xd5, 0xd5]));
  const second = record(2, Buffer.from('m2'), Buffer.from('second'));
  const garbage = Buffer.from([0xd5, 0x01, 0x00, 0x02, 0xd5, 0x00, 0x11, 0xd5]);
  const buf = Buffer.concat([garbage, first, garbage, second]);
  const r = blank();
  t.is(readRecord(buf, 0, buf.length, r), RECORD_DAMAGED);
  const at = nextRecord(buf, 0, buf.length, blank());
  t.is(at, garbage.length);
  t.is(readRecord(buf, at, buf.length, r), at + first.length);
  t.is(r.seq, 1);
  const after = r.end;
  t.is(readRecord(buf, after, buf.length, r), RECORD_DAMAGED);
  const at2 = nextRecord(buf, after, buf.length, blank());
  t.is(readRecord(buf, at2, buf.length, r), buf.length);
  t.is(r.seq, 2);
  t.is(nextRecord(buf, at2, buf.length, blank()), -1, 'nothing after the last');
});

test('a record cut by the end of what was read is offered as a place to read more, not skipped', (t) => {
  const rec = record(3, Buffer.from('meta'), Buffer.from('body'));
  const buf = Buffer.concat([Buffer.from([0x00, 0x00]), rec]);
  t.is(nextRecord(buf, 0, buf.length - 3, blank()), 2);
  t.is(readRecord(buf, 2, buf.length - 3, blank()), RECORD_INCOMPLETE);
  t.is(RECORD_HEADER, 28);
});

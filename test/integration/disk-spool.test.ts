/**
 * The disk spool on real files: what is appended comes out in order after
 * restarts, a kill (no close), damage, a removed folder and a full spool,
 * with every loss counted exactly.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskSpool, DiskSpoolOptions } from '../../src/daemon/spool/disk-spool';
import { listSegments } from '../../src/daemon/spool/segments';
import { STATE_FILE } from '../../src/daemon/spool/spool-state';

const META = Buffer.alloc(137, 0x6d);

function tempDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-spool-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'spool');
}

/** A body that names its event: `event <n>` padded to about 200 bytes. */
function body(n: number): Buffer {
  return Buffer.from(`event ${n} `.padEnd(200, '.'));
}

function append(spool: DiskSpool, from: number, to: number): void {
  for (let n = from; n < to; n++) {
    const b = body(n);
    spool.append(META, 0, META.length, b, 0, b.length, Date.now());
  }
}

/** Every event the reader hands out now: the numbers in their bodies, and their sequence numbers. */
function drain(spool: DiskSpool): { events: number[]; seqs: number[] } {
  const events: number[] = [];
  const seqs: number[] = [];
  for (let s = spool.next(); s !== null; s = spool.next()) {
    const r = s.record;
    t_assertMeta(s.buf.subarray(r.metaStart, r.metaEnd));
    events.push(Number(/^event (\d+) /.exec(s.buf.toString('latin1', r.metaEnd, r.end))![1]));
    seqs.push(r.seq);
  }
  return { events, seqs };
}

function t_assertMeta(meta: Buffer): void {
  if (!meta.equals(META)) throw new Error('a meta frame came back changed');
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

function open(dir: string, o: Partial<DiskSpoolOptions> = {}): DiskSpool {
  return new DiskSpool({ dir, maxBytes: 64 * 1024 * 1024, whenFull: 'block', segmentBytes: 64 * 1024, ...o });
}

test('events come out in order over many segments; acknowledged segments are deleted', (t) => {
  const dir = tempDir(t);
  const spool = open(dir);
  append(spool, 0, 3000);
  spool.commit();
  t.true(listSegments(dir).length > 5, 'several segments');
  const { events, seqs } = drain(spool);
  t.deepEqual(events, range(0, 3000));
  t.deepEqual(seqs, range(1, 3001));
  t.is(spool.unacked, 3000);
  spool.ack(3000);
  t.is(spool.unacked, 0);
  t.is(listSegments(dir).length, 1, 'only the segment being written stays');
  spool.close();
});

test('restart: unacknowledged events come out again, acknowledged ones not, sequence numbers go on', (t) => {
  const dir = tempDir(t);
  let spool = open(dir);
  const link = spool.link;
  append(spool, 0, 1000);
  spool.commit();
  drain(spool);
  spool.ack(400);
  spool.close();
  spool = open(dir);
  t.is(spool.link, link, 'the link id is kept');
  t.is(spool.unacked, 600);
  t.deepEqual(drain(spool).events, range(400, 1000));
  append(spool, 1000, 1100);
  spool.commit();
  t.deepEqual(drain(spool).seqs, range(1001, 1101));
  spool.rewind();
  t.deepEqual(drain(spool).events, range(400, 1100), 'a rewind hands out everything unacknowledged again');
  spool.close();
});

test('killed without a close: what was committed (the page cache) is all there; the state only lags', (t) => {
  const dir = tempDir(t);
  const spool = open(dir);
  append(spool, 0, 2000);
  spool.commit();
  drain(spool);
  spool.ack(500);
  // No sync, no close: as after kill -9. The state file still says 0 acknowledged.
  const again = open(dir);
  const { events } = drain(again);
  // Segments wholly acknowledged were deleted at once; from the first one left, all is sent again.
  const from = events[0];
  t.true(from <= 500 && from > 0, `from ${from}`);
  t.is(again.unacked, 2000 - from);
  t.deepEqual(events, range(from, 2000), 'every unacknowledged event, and acknowledged ones of the oldest segment again (the upstream drops them)');
  again.close();
  spool.close();
});

/**
 * A spool of 1,000 events in one segment, closed, then bytes overwritten at the [offset, length]
 * places `where` gives for the size of one record; the segment.
 */
function thousandDamaged(dir: string, where: (recordBytes: number) => Array<[number, number]>): { path: string } {
  const spool = open(dir, { segmentBytes: 1024 * 1024 });
  append(spool, 0, 1000);
  spool.close();
  const [seg] = listSegments(dir);
  const fd = fs.openSync(seg.path, 'r+');
  for (const [at, length] of where(fs.statSync(seg.path).size / 1000)) fs.writeSync(fd, Buffer.alloc(length, 0x41), 0, length, at);
  fs.closeSync(fd);
  return seg;
}

test('bytes overwritten inside a segment cost exactly the records they touch, counted; every other one comes out', (t) => {
  const dir = tempDir(t);
  // Inside record 100's body, and across the boundary of records 500 and 501.
  thousandDamaged(dir, (recordBytes) => [
    [Math.floor(100.5 * recordBytes), 10],
    [501 * recordBytes - 20, 40],
  ]);
  const again = open(dir, { segmentBytes: 1024 * 1024 });
  // Damage inside the newest segment, not at its end: the numbering goes on from its last record.
  t.is(again.lastSeq, 1000);
  const { events, seqs } = drain(again);
  t.deepEqual(events, range(0, 1000).filter((n) => n !== 100 && n !== 500 && n !== 501));
  t.like(again.status(), { damaged: 2, lost_in_damage: 3 });
  again.ack(seqs[seqs.length - 1]);
  t.is(again.unacked, 0, 'nothing left unacknowledged once the last record is');
  again.close();
});

test('damage read again after a rewind (a new connection upstream) is counted once', (t) => {
  const dir = tempDir(t);
  // Inside the first record's body (before the oldest unacknowledged one), inside record 300's, and a torn end.
  const seg = thousandDamaged(dir, (recordBytes) => [
    [Math.floor(0.5 * recordBytes), 10],
    [Math.floor(300.5 * recordBytes), 10],
  ]);
  fs.truncateSync(seg.path, fs.statSync(seg.path).size - 50);
  const again = open(dir, { segmentBytes: 1024 * 1024 });
  const expected = range(1, 999).filter((n) => n !== 300);
  t.deepEqual(drain(again).events, expected);
  const counted = again.status();
  t.like(counted, { damaged: 3, lost_in_damage: 2 });
  again.ack(100);
  again.rewind();
  t.deepEqual(drain(again).events, expected.slice(99));
  again.rewind();
  t.deepEqual(drain(again).events, expected.slice(99));
  t.like(again.status(), { damaged: 3, damaged_bytes: counted.damaged_bytes, lost_in_damage: 2 });
  again.close();
});

test('a write torn at the end of the newest segment: start-up does not fail, the torn record is counted', (t) => {
  const dir = tempDir(t);
  const spool = open(dir, { segmentBytes: 1024 * 1024 });
  append(spool, 0, 100);
  spool.close();
  const [seg] = listSegments(dir);
  fs.truncateSync(seg.path, fs.statSync(seg.path).size - 50);
  const again = open(dir, { segmentBytes: 1024 * 1024 });
  t.true(again.lastSeq > 100, 'numbering goes on beyond any number the torn record can have had');
  append(again, 100, 110);
  again.commit();
  const { events, seqs } = drain(again);
  t.deepEqual(events, [...range(0, 99), ...range(100, 110)]);
  t.deepEqual(seqs, [...range(1, 100), ...range(again.lastSeq - 9, again.lastSeq + 1)]);
  t.like(again.status(), { damaged: 1, lost_in_damage: 0 });
  again.close();
});

test('a damaged or missing state file never stops start-up: a fresh state, everything sent again', (t) => {
  const dir = tempDir(t);
  const spool = open(dir);
  append(spool, 0, 50);
  drain(spool);
  spool.ack(50);
  spool.close();
  fs.writeFileSync(path.join(dir, STATE_FILE), '{"version": 1, "link": "nonsense"');
  const again = open(dir);
  t.regex(again.stateProblem!, /not a state this oxd wrote/);
  t.is(again.unacked, 50);
  again.close();
});

for (const whileWriting of [true, false]) {
test(`the folder removed while oxd runs (${whileWriting ? 'a segment open for writing' : 'between segments'}): nothing lost, the folder and state made again`, (t) => {
  const dir = tempDir(t);
  let spool = open(dir);
  append(spool, 0, 1500);
  spool.commit();
  if (!whileWriting) {
    // A spool just opened writes its next events to a new segment.
    spool.close();
    spool = open(dir);
  }
  t.true(listSegments(dir).length > 2);
  fs.rmSync(dir, { recursive: true });
  append(spool, 1500, 1600);
  spool.commit();
  spool.sync();
  t.true(fs.existsSync(path.join(dir, STATE_FILE)), 'the state file is there again');
  append(spool, 1600, 1700);
  spool.commit();
  t.deepEqual(drain(spool).events, range(0, 1700));
  t.like(spool.status(), { folder_removed: 1 });
  spool.ack(1700);
  t.is(spool.bytes <= 64 * 1024, true, 'acknowledged segments let go, removed or not');
  spool.close();
});
}

test('full, drop-newest: events over the bound are dropped and counted, the rest kept', (t) => {
  const dir = tempDir(t);
  const spool = open(dir, { maxBytes: 256 * 1024, whenFull: 'drop-newest', segmentBytes: 32 * 1024 });
  append(spool, 0, 2000);
  spool.commit();
  const { dropped_newest } = spool.status() as { dropped_newest: number };
  const { events } = drain(spool);
  t.true(dropped_newest > 0);
  t.deepEqual(events, range(0, 2000 - dropped_newest), 'the oldest kept, in order');
  t.true(spool.bytes <= 256 * 1024);
  spool.close();
});

test('full, drop-oldest: the oldest segments make room, counted; the newest events all kept', (t) => {
  const dir = tempDir(t);
  const spool = open(dir, { maxBytes: 256 * 1024, whenFull: 'drop-oldest', segmentBytes: 32 * 1024 });
  append(spool, 0, 2000);
  spool.commit();
  const { dropped_oldest } = spool.status() as { dropped_oldest: number };
  const { events } = drain(spool);
  t.true(dropped_oldest > 0);
  t.deepEqual(events, range(dropped_oldest, 2000), 'the newest kept, in order');
  t.true(spool.bytes <= 256 * 1024 + 32 * 1024);
  spool.close();
});

test('full, block: events wait in memory, nothing dropped; acknowledgements make room and they are written', (t) => {
  const dir = tempDir(t);
  const spool = open(dir, { maxBytes: 256 * 1024, whenFull: 'block', segmentBytes: 32 * 1024 });
  append(spool, 0, 2000);
  t.false(spool.commit());
  t.true(spool.full);
  const first = drain(spool).events;
  t.true(first.length < 2000);
  t.deepEqual(first, range(0, first.length));
  spool.ack(first.length);
  while (!spool.commit()) {
    const more = drain(spool).events;
    t.true(more.length > 0, 'what was written comes out');
    first.push(...more);
    spool.ack(first.length);
  }
  first.push(...drain(spool).events);
  t.false(spool.full);
  t.deepEqual(first, range(0, 2000));
  t.like(spool.status(), { dropped_newest: 0, dropped_oldest: 0 });
  spool.close();
});

/** The number in an event's body, as the spool gives it back (`drain`, or `close`'s lost events). */
function eventOf(buf: Buffer, r: { metaEnd: number; end: number }): number {
  return Number(/^event (\d+) /.exec(buf.toString('latin1', r.metaEnd, r.end))![1]);
}

test('full, block, closed with events waiting in memory: they are written past the bound, in segments of the usual size, and come out after a restart', (t) => {
  const dir = tempDir(t);
  const o = { maxBytes: 256 * 1024, whenFull: 'block' as const, segmentBytes: 32 * 1024 };
  const spool = open(dir, o);
  append(spool, 0, 2000);
  t.false(spool.commit());
  t.true(spool.full);
  const waiting = spool.bytes - 256 * 1024;
  t.true(waiting > 100 * 1024, `${waiting} bytes wait in memory`);
  t.is(spool.close(() => t.fail('an event lost')), 0);
  t.true(listSegments(dir).every((s) => fs.statSync(s.path).size <= 32 * 1024), 'no segment over its size');

  const again = open(dir, o);
  t.is(again.unacked, 2000);
  t.true(again.bytes > 256 * 1024);
  t.deepEqual(drain(again).events, range(0, 2000));
  // Over the bound: new events wait until acknowledgements make room.
  append(again, 2000, 2010);
  t.false(again.commit());
  again.ack(2000);
  t.true(again.commit());
  t.deepEqual(drain(again).events, range(2000, 2010));
  t.like(again.status(), { dropped_newest: 0, write_errors: 0 });
  again.close();
});

test('a write that fails at close (the folder made a file): the events waiting are dropped, counted, handed back; those on disk stay', (t) => {
  const dir = tempDir(t);
  const o = { maxBytes: 256 * 1024, whenFull: 'block' as const, segmentBytes: 32 * 1024 };
  let spool = open(dir, o);
  append(spool, 0, 2000);
  spool.close();
  // Opened over its bound: what is appended waits in memory, no segment begun for it.
  spool = open(dir, o);
  append(spool, 2000, 2100);
  t.false(spool.commit());
  fs.renameSync(dir, `${dir}.away`);
  fs.writeFileSync(dir, 'not a folder');
  const lost: number[] = [];
  t.is(spool.close((buf, r) => lost.push(eventOf(buf, r))), 100);
  t.deepEqual(lost, range(2000, 2100));
  // Its counters after close (STATUS would read the closed segments).
  t.is(spool.counts.dropped_newest, 100);
  t.true(spool.counts.write_errors >= 1);
  t.regex(spool.lastWriteError ?? '', /ENOTDIR/);

  fs.rmSync(dir);
  fs.renameSync(`${dir}.away`, dir);
  const again = open(dir, o);
  t.is(again.unacked, 2000);
  t.deepEqual(drain(again).events, range(0, 2000));
  again.close();
});

/** Inverts 10 bytes in the middle of the body of the `n`th record (from 0) of a segment of records of equal size. */
function damageRecord(file: string, n: number, records: number): void {
  const recordBytes = fs.statSync(file).size / records;
  const fd = fs.openSync(file, 'r+');
  const at = Math.floor((n + 0.5) * recordBytes);
  const bytes = Buffer.alloc(10);
  fs.readSync(fd, bytes, 0, 10, at);
  fs.writeSync(fd, bytes.map((b) => b ^ 0xff), 0, 10, at);
  fs.closeSync(fd);
}

for (const ackedBefore of [false, true]) {
test(`the spool's last record damaged (oxd stopped and started again${ackedBefore ? ', every record before it acknowledged already' : ''}): nothing stays unacknowledged once every readable record is, and its segment goes`, (t) => {
  const dir = tempDir(t);
  const o = { segmentBytes: 1024 * 1024 };
  const spool = open(dir, o);
  append(spool, 0, 1000);
  spool.commit();
  if (ackedBefore) {
    drain(spool);
    spool.ack(999);
  }
  spool.close();
  const [seg] = listSegments(dir);
  damageRecord(seg.path, 999, 1000);

  const again = open(dir, o);
  t.true(again.lastSeq >= 1000, 'numbering goes on past the damaged record');
  t.true(again.unacked >= 1);
  const { events, seqs } = drain(again);
  t.deepEqual(events, ackedBefore ? [] : range(0, 999));
  // What the upstream acknowledges: the last record it was sent.
  if (!ackedBefore) again.ack(seqs[seqs.length - 1]);
  t.like(again.status(), { unacked: 0, acked_seq: again.lastSeq, damaged: 1, segments: 0 });
  t.deepEqual(listSegments(dir), [], 'the segment, wholly acknowledged, is deleted');
  append(again, 1000, 1010);
  again.commit();
  t.deepEqual(drain(again), { events: range(1000, 1010), seqs: range(again.lastSeq - 9, again.lastSeq + 1) });
  again.close();
});
}

/** 1,500 events spooled and read, 300 acknowledged, then the spool's folder removed under it. */
function removedWithUnacked(t: ExecutionContext): { dir: string; spool: DiskSpool } {
  const dir = tempDir(t);
  const spool = open(dir);
  append(spool, 0, 1500);
  spool.commit();
  drain(spool);
  spool.ack(300);
  fs.rmSync(dir, { recursive: true });
  return { dir, spool };
}

test('the folder removed, then closed before the events are acknowledged: its segments are written again from their open files, nothing lost', (t) => {
  const { dir, spool } = removedWithUnacked(t);
  append(spool, 1500, 1600);
  t.is(spool.close(() => t.fail('an event lost')), 0);
  const again = open(dir);
  t.is(again.unacked, 1300);
  t.deepEqual(drain(again).events, range(300, 1600));
  again.close();
});

test('the folder removed, a file where it was at close: the unacknowledged events of the removed segments are dropped and handed back', (t) => {
  const { dir, spool } = removedWithUnacked(t);
  fs.writeFileSync(dir, 'not a folder');
  const lost: number[] = [];
  t.is(spool.close((buf, r) => lost.push(eventOf(buf, r))), 1200);
  t.deepEqual(lost, range(300, 1500));
  t.regex(spool.lastWriteError ?? '', /ENOTDIR/);
});

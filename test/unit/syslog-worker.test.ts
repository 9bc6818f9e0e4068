/**
 * The syslog thread, a real worker thread driven as the syslog source drives
 * it (syslog-worker.ts): the events of each connection come back in the
 * order read, over many batches (small reads handed over together); stop()
 * returns the messages connections were cut short in, flagged, before it
 * ends the thread; what waits for the thread is bounded (connections are
 * told to stop reading, and to go on once it has caught up), nothing lost;
 * a thread that fails says so, counts what it took with it, and lets
 * everything waiting for it go on.
 */
import test from 'ava';
import { decode } from '@msgpack/msgpack';
import { BatchEvent, readEvent, SyslogBatch } from '../../src/protocol/syslog/syslog-batch';
import { FRAME_INCOMPLETE } from '../../src/protocol/syslog/tcp-framing';
import { SyslogWorker } from '../../src/daemon/sources/syslog/syslog-worker';

interface Got {
  connection: number;
  message: string;
  flags: number;
}

/** A thread whose batches are read into `got`, ended at teardown whatever happens. */
function thread(t: any, backlogBytes?: number): { w: SyslogWorker; got: Got[]; batches: SyslogBatch[]; failures: Array<[Error, number]> } {
  const got: Got[] = [];
  const batches: SyslogBatch[] = [];
  const failures: Array<[Error, number]> = [];
  const e: BatchEvent = { connection: 0, flags: 0, format: 'unparsed', hostStart: 0, hostEnd: 0, bodyStart: 0, bodyEnd: 0, arrival: 0, endTime: 0 };
  const w = new SyslogWorker(
    2048,
    (b) => {
      batches.push(b);
      const bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
      for (let i = 0; i < b.events; i++) {
        readEvent(b, i, e);
        const event = decode(bytes.subarray(e.bodyStart, e.bodyEnd)) as { body: { message: string } };
        got.push({ connection: e.connection, message: event.body.message, flags: e.flags });
      }
    },
    (err, lost) => failures.push([err, lost]),
    backlogBytes,
  );
  t.teardown(() => w.stop());
  return { w, got, batches, failures };
}

const line = (c: number, i: number): string => `<13>Dec  4 16:02:44 host app[${c}]: n=${i}\n`;

/** The message numbers of connection `c`, in the order they came. */
const numbers = (got: Got[], c: number): number[] => got.filter((g) => g.connection === c).map((g) => Number(/n=(\d+)/.exec(g.message)?.[1]));

function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

test('each connection\'s events come back in the order read, over many batches', async (t) => {
  const { w, got, batches } = thread(t);
  const per = 20_000;
  const streams = [0, 1, 2].map((c) => Buffer.from(Array.from({ length: per }, (_, i) => line(c, i)).join('')));
  for (const c of [0, 1, 2]) w.open(c, `192.0.2.${c + 1}`);
  const at = [0, 0, 0];
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  while (at.some((p, c) => p < streams[c].length)) {
    const c = Math.floor(rand() * 3);
    if (at[c] >= streams[c].length) continue;
    const n = 1 + Math.floor(rand() * 9000);
    w.data(c, Buffer.from(streams[c].subarray(at[c], at[c] + n)), Date.now());
    at[c] += n;
    if (rand() < 0.05) await new Promise((r) => setImmediate(r));
  }
  for (const c of [0, 1, 2]) w.end(c, Date.now(), true, true);
  await until(() => got.length === 3 * per, `${3 * per} events`);
  t.true(batches.length > 10, `${batches.length} batches`);
  for (const c of [0, 1, 2]) t.deepEqual(numbers(got, c), Array.from({ length: per }, (_, i) => i), `connection ${c}`);
  t.deepEqual(batches.flatMap((b) => b.forgotten).sort(), [0, 1, 2]);
  t.is(w.held, 0);
});

test('small reads are handed over together, and come back as one batch', async (t) => {
  const { w, got, batches } = thread(t);
  w.open(0, '192.0.2.1');
  for (let i = 0; i < 50; i++) w.data(0, Buffer.from(line(0, i)), Date.now());
  await until(() => got.length === 50, '50 events');
  t.is(batches.length, 1);
  t.deepEqual(numbers(got, 0), Array.from({ length: 50 }, (_, i) => i));
});

test('stop() returns what connections were cut short in, flagged incomplete, before the thread ends', async (t) => {
  const { w, got } = thread(t);
  const many = Array.from({ length: 5000 }, (_, i) => line(0, i)).join('');
  w.open(0, '192.0.2.1');
  w.open(1, '192.0.2.2');
  w.data(0, Buffer.from(`${many}<13>Dec  4 16:02:44 host app: half a line`), Date.now());
  w.data(1, Buffer.from('60 <13>1 2026-12-04T16:02:44Z host app - - - half counted'), Date.now());
  // As the source stops: each connection cut short, then closed; nothing awaited in between.
  for (const c of [0, 1]) w.end(c, Date.now(), false, false);
  for (const c of [0, 1]) w.end(c, Date.now(), false, true);
  t.true(w.running);
  await w.stop();
  t.false(w.running);
  t.is(got.length, 5002, 'every event was routed before stop() resolved');
  t.deepEqual(numbers(got, 0).slice(0, 5000), Array.from({ length: 5000 }, (_, i) => i));
  const cut = got.filter((g) => (g.flags & FRAME_INCOMPLETE) !== 0);
  t.deepEqual(cut.map((g) => [g.connection, g.message]).sort(), [
    [0, 'half a line'],
    [1, 'half counted'],
  ]);
  t.like(w.status(), { state: 'stopped', backlog_bytes: 0, lost_bytes: 0 });
});

test('what waits for the thread is bounded: above it connections are to stop, and to go on once it caught up; nothing is lost', async (t) => {
  const backlog = 64 * 1024;
  const { w, got } = thread(t, backlog);
  w.open(0, '192.0.2.1');
  const chunk = Buffer.from(Array.from({ length: 100 }, (_, i) => line(0, i)).join(''));
  let posted = 0;
  while (!w.congested) {
    w.data(0, Buffer.from(chunk), Date.now());
    posted++;
  }
  t.true(posted * chunk.length > backlog);
  t.like(w.status(), { backlog_bytes: posted * chunk.length });
  let resumed = false;
  w.whenDrained(() => (resumed = true));
  t.false(resumed, 'not at once while congested');
  await until(() => resumed, 'the thread to catch up');
  t.true((w.status().backlog_bytes as number) <= backlog / 2);
  // Reading on: the rest comes, all of it.
  for (let i = 0; i < 20; i++) w.data(0, Buffer.from(chunk), Date.now());
  await until(() => got.length === (posted + 20) * 100, 'every event');
  t.false(w.congested);
  let atOnce = false;
  w.whenDrained(() => (atOnce = true));
  t.true(atOnce, 'at once when not congested');
});

test('a thread that fails: told with what it took (bytes), nothing waits for it any more, and it takes nothing more', async (t) => {
  process.env.BLUEOX_TEST_SYSLOG_THREAD_FAIL = 'fail the syslog thread';
  const { w, got, failures } = thread(t, 1024);
  delete process.env.BLUEOX_TEST_SYSLOG_THREAD_FAIL;
  w.open(0, '192.0.2.1');
  w.data(0, Buffer.from(line(0, 1)), Date.now());
  await until(() => got.length === 1, 'the first event');
  const fatal = Buffer.from('<13>Dec  4 16:02:44 host app: fail the syslog thread\n');
  const after = Buffer.from(line(0, 2).repeat(100));
  w.data(0, fatal, Date.now());
  w.data(0, after, Date.now());
  t.true(w.congested);
  let resumed = false;
  w.whenDrained(() => (resumed = true));
  await until(() => failures.length === 1, 'the failure');
  t.regex(failures[0][0].message, /BLUEOX_TEST_SYSLOG_THREAD_FAIL/);
  t.is(failures[0][1], fatal.length + after.length, 'what it was given and had not made into events');
  t.true(resumed, 'connections waiting for it go on');
  t.false(w.running);
  t.false(w.congested);
  t.like(w.status(), { state: 'failed', backlog_bytes: 0, lost_bytes: fatal.length + after.length });
  await w.stop();
  t.is(got.length, 1);
});

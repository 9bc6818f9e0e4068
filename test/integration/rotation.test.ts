import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventFrames, readEvents, utcDay } from '../helpers/events';
import { startOxd, Oxd } from '../helpers/oxd-process';
import { openFiles, waitUntil } from '../helpers/proc';
import { ZmtpPeer } from '../helpers/zmtp-peer';

async function sendBatch(peer: ZmtpPeer, from: number, count: number): Promise<void> {
  for (let i = from; i < from + count; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
}

async function setup(t: any, args: string[] = []): Promise<{ oxd: Oxd; peer: ZmtpPeer; file: string }> {
  const oxd = await startOxd({ args });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const day = utcDay();
  return { oxd, peer, file: path.join(oxd.logPath!, day, `request-${day}.log`) };
}

const numbers = (file: string): number[] => readEvents(file).map((e) => e.body.i);
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

test('a file renamed under oxd (logrotate) keeps what was written; the next events go to a fresh file', async (t) => {
  const { oxd, peer, file } = await setup(t);
  await sendBatch(peer, 0, 100);
  await oxd.waitForStatus((s) => s.totals.written === 100);
  fs.renameSync(file, `${file}.1`);
  await sendBatch(peer, 100, 100);
  await oxd.waitForStatus((s) => s.totals.written === 200);
  t.deepEqual(numbers(`${file}.1`), range(0, 100));
  t.deepEqual(numbers(file), range(100, 200));
  t.is((await oxd.control.request({ cmd: 'STATUS' })).sinks.file.reopened, 1);
});

test('a file removed under oxd is recreated; nothing sent after the removal is lost', async (t) => {
  const { oxd, peer, file } = await setup(t);
  await sendBatch(peer, 0, 50);
  await oxd.waitForStatus((s) => s.totals.written === 50);
  fs.unlinkSync(file);
  await sendBatch(peer, 50, 50);
  await oxd.waitForStatus((s) => s.totals.written === 100);
  t.deepEqual(numbers(file), range(50, 100));
});

test('a file truncated in place (copytruncate) gets the next events at its start, with no hole', async (t) => {
  const { oxd, peer, file } = await setup(t);
  await sendBatch(peer, 0, 20);
  await oxd.waitForStatus((s) => s.totals.written === 20);
  fs.truncateSync(file, 0);
  await sendBatch(peer, 20, 20);
  await oxd.waitForStatus((s) => s.totals.written === 40);
  t.deepEqual(numbers(file), range(20, 40));
});

test('SIGHUP lets go of every file at once; the next event opens the file at its path again', async (t) => {
  const { oxd, peer, file } = await setup(t);
  await sendBatch(peer, 0, 30);
  await oxd.waitForStatus((s) => s.totals.written === 30);
  t.true(openFiles(oxd.pid).includes(file));
  fs.renameSync(file, `${file}.1`);
  oxd.child.kill('SIGHUP');
  await waitUntil(() => !openFiles(oxd.pid).some((f) => f.startsWith(file)), 'oxd closed the rotated file');
  await sendBatch(peer, 30, 30);
  await oxd.waitForStatus((s) => s.totals.written === 60);
  t.deepEqual(numbers(`${file}.1`), range(0, 30));
  t.deepEqual(numbers(file), range(30, 60));
  await oxd.waitForStderr(/reopening log files/);
});

test('an idle file is closed after --idle-close, and reopened when events come back', async (t) => {
  const { oxd, peer, file } = await setup(t, ['--idle-close', '1000']);
  await sendBatch(peer, 0, 5);
  await oxd.waitForStatus((s) => s.totals.written === 5);
  await waitUntil(() => !openFiles(oxd.pid).includes(file), 'oxd closed the idle file');
  t.is((await oxd.control.request({ cmd: 'STATUS' })).sinks.file.open_files, 0);
  await sendBatch(peer, 5, 5);
  await oxd.waitForStatus((s) => s.totals.written === 10);
  t.deepEqual(numbers(file), range(0, 10));
});

test('events reach the file while oxd keeps running: the flush timer writes without any trigger', async (t) => {
  const { peer, file } = await setup(t);
  await sendBatch(peer, 0, 1);
  await waitUntil(() => fs.existsSync(file) && fs.statSync(file).size > 0, 'the single event is on disk');
  t.deepEqual(numbers(file), [0]);
});

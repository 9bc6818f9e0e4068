import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventFrames, listFiles, readEvents, utcDay } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';

test('events are appended unchanged to <log-path>/<YYYYMMDD>/<TYPE>-<YYYYMMDD>.log', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());

  const sent: Record<string, Buffer[]> = { request: [], 'request.db': [], 'my-app.log': [] };
  for (let i = 0; i < 300; i++) {
    const type = Object.keys(sent)[i % 3];
    const [meta, body] = eventFrames({ type, body: { i, text: 'x'.repeat(i % 50) } });
    sent[type].push(body);
    await peer.send([meta, body]);
  }
  const before = Date.now();
  const status = await oxd.waitForStatus((s) => s.totals.written === 300);
  const day = utcDay(before);

  t.deepEqual(listFiles(oxd.logPath!), [
    `${day}/my-app.log-${day}.log`,
    `${day}/request-${day}.log`,
    `${day}/request.db-${day}.log`,
  ]);
  for (const [type, bodies] of Object.entries(sent)) {
    const file = path.join(oxd.logPath!, day, `${type}-${day}.log`);
    t.true(fs.readFileSync(file).equals(Buffer.concat(bodies)), `${type} file holds the body frames byte for byte, in order`);
    t.is(status.events[type].written, 100);
    t.is(status.events[type].received, 100);
  }
  t.is(readEvents(path.join(oxd.logPath!, day, `request-${day}.log`))[1].body.i, 3);
});

test('--rotate-hours 3 writes <TYPE>-<YYYYMMDDHH>.log with HH rounded down to a multiple of 3', async (t) => {
  const oxd = await startOxd({ args: ['--rotate-hours', '3'] });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const before = new Date();
  for (let i = 0; i < 10; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
  await oxd.waitForStatus((s) => s.totals.written === 10);
  const after = new Date();
  const stamp = (d: Date): string => `${utcDay(d.getTime())}${String(Math.floor(d.getUTCHours() / 3) * 3).padStart(2, '0')}`;
  const files = listFiles(oxd.logPath!);
  // A test that straddles a 3-hour boundary may legitimately see two files.
  const expected = new Set([stamp(before), stamp(after)].map((s) => `${s.slice(0, 8)}/request-${s}.log`));
  t.true(files.length >= 1 && files.every((f) => expected.has(f)), `files: ${files.join(', ')}`);
  const total = files.reduce((n, f) => n + readEvents(path.join(oxd.logPath!, f)).length, 0);
  t.is(total, 10);
});

test('without --log-path nothing is written but events are still counted', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < 5; i++) await peer.send(eventFrames({ type: 'request' }));
  const status = await oxd.waitForStatus((s) => s.totals.received === 5);
  t.is(status.totals.written, 0);
  t.is(status.sinks.file, undefined);
});

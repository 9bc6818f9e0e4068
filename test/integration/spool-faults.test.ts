/**
 * The forwarding oxd's disk spool under faults, with real daemons: the
 * central away long enough for the spool to hold far more than the memory
 * queue ever could, bytes overwritten inside spooled records, the spool
 * folder removed while events flow. What was sent is compared with the
 * central's files, event by event.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import { DEFAULTS } from '../../src/config/oxd-settings';
import { tallyNumbered } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { compare, damage, Found, sendEvents, spoolOf, startForwarding, waitForSpooled } from '../helpers/spool-forwarding';

/**
 * Records to damage, none next to another (so each is a damaged stretch of its own) and none the
 * spool's last: three in the middle of a middle segment; the oldest unacknowledged one (which
 * STATUS reads ahead to tell its age, before the link reads it again) and one in the middle of the
 * first segment; one in the middle of the newest (which start-up scans for the last sequence number).
 */
function pickForDamage(segments: Found[][]): Found[] {
  const newest = segments[segments.length - 1];
  if (segments.length < 3 || newest.length < 3) throw new Error(`the spool has ${segments.length} segments, the newest of ${newest.length} records; the damage tests need 3 or more of each`);
  const middle = segments[1];
  return [
    ...[0.3, 0.5, 0.7].map((f) => middle[Math.floor(middle.length * f)]),
    segments[0][0],
    segments[0][Math.floor(segments[0].length / 2)],
    newest[Math.floor(newest.length / 2)],
  ];
}

const OLD_MEMORY_BOUND = DEFAULTS.forwardSpoolBytes;

test.serial(`the central down until the spool holds more than 2 × the old memory bound (${OLD_MEMORY_BOUND / 2 ** 20} MiB): every event reaches it once`, async (t) => {
  const started = Date.now();
  const f = await startForwarding(t);
  // Records of about 1.2 KiB: over 128 MiB is some 107,000 events, in three 64 MiB segments.
  const pad = 'x'.repeat(1000);
  let enough = false;
  const sending = sendEvents(f.peer, 0, () => !enough, pad);
  await f.local.waitForStatus((s) => spoolOf(s).bytes > 2 * OLD_MEMORY_BOUND, 120_000);
  enough = true;
  const sent = await sending;
  const before = spoolOf(await f.local.waitForStatus((s) => spoolOf(s).appended === sent));
  t.true(before.bytes > 2 * OLD_MEMORY_BOUND, `${before.bytes} bytes in the spool`);
  t.is(before.unacked, sent);
  t.is((await f.local.control.request({ cmd: 'STATUS' })).totals.dropped, 0);
  const spooledMs = Date.now() - started;

  const central = await f.startCentral();
  await f.local.waitForStatus((s) => spoolOf(s).unacked === 0, 120_000);
  await central.waitForStatus((s) => s.totals.written === sent);
  compare(t, tallyNumbered(f.logPath), sent);
  t.log(`${sent} events, ${(before.bytes / 2 ** 20).toFixed(1)} MiB in ${before.segments} segments spooled in ${(spooledMs / 1000).toFixed(1)} s; all at the central in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

/**
 * 5,000 small events spooled by a forwarding oxd whose central is away, in 256 KiB segments (a
 * 16th of the bound: five and part of a sixth), then that oxd stopped (SIGTERM).
 */
async function spooledAndStopped(t: ExecutionContext) {
  const f = await startForwarding(t, ['--spool-max-bytes', String(4 * 1024 * 1024)]);
  const total = 5000;
  await sendEvents(f.peer, 0, (i) => i < total);
  const segments = await waitForSpooled(f.localSpool, total);
  f.peer.destroy();
  t.is((await f.local.stop()).code, 0);
  return { f, total, segments };
}

test('bytes overwritten inside records of a stopped oxd\'s segments: exactly those events are lost, and counted', async (t) => {
  // 256 KiB segments (a 16th of the bound): 5,000 small events fill five and part of a sixth.
  const { f, total, segments } = await spooledAndStopped(t);

  t.log(`records per segment: ${segments.map((s) => s.length).join(', ')}`);
  const lost = damage(pickForDamage(segments));
  f.local = await startOxd({ logPath: null, args: f.localArgs });
  const restarted = spoolOf(await f.local.waitForStatus(() => true));
  t.is(restarted.unacked, total, 'the restarted oxd counts every spooled event as unacknowledged, the damaged ones included');

  const central = await f.startCentral();
  await central.waitForStatus((s) => s.totals.written === total - lost.size);
  const after = spoolOf(await f.local.waitForStatus((s) => spoolOf(s).unacked === 0));
  t.is(after.damaged, lost.size, 'damaged stretches');
  t.is(after.lost_in_damage, lost.size, 'events lost in them');
  t.true(after.damaged_bytes > 0);
  compare(t, tallyNumbered(f.logPath), total, lost);
});

test('bytes overwritten inside records while the oxd runs (the central down): it reads its segments again, so exactly those events are lost, and counted', async (t) => {
  const f = await startForwarding(t, ['--spool-max-bytes', String(4 * 1024 * 1024)]);
  const total = 5000;
  await sendEvents(f.peer, 0, (i) => i < total);
  const segments = await waitForSpooled(f.localSpool, total);
  // STATUS before the damage: oxd reads the oldest record ahead, into memory, to give its age.
  t.not(spoolOf(await f.local.waitForStatus(() => true)).oldest_unacked_ms, null);
  // The segments stay open in oxd (the newest still being written): the bytes change under it, in the
  // page cache it reads from. Events are handed to the link from the files: each new connection starts
  // reading again at the acknowledged position, dropping what was read ahead (the oldest record, which
  // STATUS reads for its age); nothing spooled is served from a copy in memory. So the damage costs
  // exactly what it would after a restart.
  const lost = damage(pickForDamage(segments));
  const central = await f.startCentral();
  await central.waitForStatus((s) => s.totals.written === total - lost.size);
  const after = spoolOf(await f.local.waitForStatus((s) => spoolOf(s).unacked === 0));
  t.is(after.damaged, lost.size, 'damaged stretches');
  t.is(after.lost_in_damage, lost.size, 'events lost in them');
  compare(t, tallyNumbered(f.logPath), total, lost);
});

test('the spool folder removed (rm -rf) mid-stream with the central down: none lost or doubled, and the folder is made again', async (t) => {
  const f = await startForwarding(t);
  let stop = false;
  const sending = sendEvents(f.peer, 0, () => !stop);
  await f.local.waitForStatus((s) => spoolOf(s).appended >= 5000);
  fs.rmSync(f.localSpool, { recursive: true, force: true });
  t.false(fs.existsSync(f.localSpool));
  // oxd notices at its next fsync tick (or new segment), and makes the folder again; the sender goes on meanwhile.
  const remade = spoolOf(await f.local.waitForStatus((s) => spoolOf(s).folder_removed === 1 && fs.existsSync(f.localSpool)));
  await f.local.waitForStatus((s) => spoolOf(s).appended >= remade.appended + 5000);
  stop = true;
  const sent = await sending;
  const before = spoolOf(await f.local.waitForStatus((s) => spoolOf(s).appended === sent));
  t.is(before.unacked, sent);
  t.true(fs.readdirSync(f.localSpool).some((n) => n.endsWith('.seg')), 'events after the removal are in a segment in the folder made again');

  const central = await f.startCentral();
  await f.local.waitForStatus((s) => spoolOf(s).unacked === 0);
  await central.waitForStatus((s) => s.totals.written === sent);
  compare(t, tallyNumbered(f.logPath), sent);
  t.true(fs.existsSync(f.localSpool), 'the spool folder is there');
  t.is(spoolOf(await f.local.waitForStatus(() => true)).folder_removed, 1);
});

test('the spool\'s last record damaged (oxd stopped): once every other event is acknowledged nothing stays unacknowledged, and the segment goes', async (t) => {
  const { f, total, segments } = await spooledAndStopped(t);

  const newest = segments[segments.length - 1];
  const lost = damage([newest[newest.length - 1]]);
  f.local = await startOxd({ logPath: null, args: f.localArgs });
  const restarted = spoolOf(await f.local.waitForStatus(() => true));
  // A damaged end is a torn write to start-up: the numbering goes on past any number it can have had.
  t.true(restarted.unacked >= total, `${restarted.unacked} unacknowledged`);

  const central = await f.startCentral();
  await central.waitForStatus((s) => s.totals.written === total - 1);
  const after = spoolOf(await f.local.waitForStatus((s) => spoolOf(s).unacked === 0 && spoolOf(s).segments === 0));
  t.deepEqual(fs.readdirSync(f.localSpool).filter((n) => n.endsWith('.seg')), [], 'every segment deleted');
  t.is(after.damaged, 1);
  t.log(`unacknowledged after the restart: ${restarted.unacked}; damaged ${after.damaged} (${after.damaged_bytes} bytes), lost_in_damage ${after.lost_in_damage}`);
  compare(t, tallyNumbered(f.logPath), total, lost);
});

test('the spool folder removed (rm -rf) with the central down, then oxd stopped and started again: none lost or doubled', async (t) => {
  const f = await startForwarding(t);
  const total = 5000;
  await sendEvents(f.peer, 0, (i) => i < total);
  await f.local.waitForStatus((s) => spoolOf(s).appended === total);
  fs.rmSync(f.localSpool, { recursive: true, force: true });
  // At stop, the segments it holds open are written again in the folder made again.
  f.peer.destroy();
  t.is((await f.local.stop()).code, 0);
  t.true(fs.readdirSync(f.localSpool).some((n) => n.endsWith('.seg')), 'segments in the folder made again');

  f.local = await startOxd({ logPath: null, args: f.localArgs });
  t.is(spoolOf(await f.local.waitForStatus(() => true)).unacked, total);
  const central = await f.startCentral();
  await f.local.waitForStatus((s) => spoolOf(s).unacked === 0);
  await central.waitForStatus((s) => s.totals.written === total);
  compare(t, tallyNumbered(f.logPath), total);
});

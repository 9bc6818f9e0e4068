/**
 * A forwarding oxd stopped (SIGTERM) while its disk spool is full with
 * spool_when_full = block, events waiting in memory for room: whatever it
 * received must reach the central after a restart, or be counted dropped and
 * logged as an error that says how many. With real daemons and a small
 * spool_max_bytes (no full disk needed: the bound is oxd's own).
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import { tallyNumbered } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { Forwarding, sendEvents, spoolOf, startForwarding } from '../helpers/spool-forwarding';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const MAX_BYTES = 1024 * 1024;
const PAD = 'x'.repeat(200);

interface Stopped {
  /** Events the sender wrote; oxd read `received` of them (`from` on) before it stopped. */
  sent: number;
  received: number;
  dropped: number;
  stderr: string;
}

/**
 * Sends events `{i}` from `from` until the spool is full and holds events in memory beyond what
 * its segments took (`onDisk` bytes, at start), then stops oxd with SIGTERM: the totals of its
 * "stopped" line. The sender is held back meanwhile (the collect port paused).
 */
async function fillAndStop(t: ExecutionContext, f: Forwarding, from: number, onDisk: number, beforeStop: () => void = () => undefined): Promise<Stopped> {
  let enough = false;
  const sending = sendEvents(f.peer, from, () => !enough, PAD);
  const full = await f.local.waitForStatus((s) => spoolOf(s).full && spoolOf(s).bytes > Math.max(MAX_BYTES, onDisk));
  t.is(full.totals.dropped, 0);
  t.log(`full: received ${full.totals.received}, ${spoolOf(full).unacked} unacknowledged, ${spoolOf(full).bytes} bytes taken, ${MAX_BYTES} may be written`);
  beforeStop();
  enough = true;
  const stopped = await f.local.stop();
  const sent = await sending;
  t.is(stopped.code, 0);
  const totals = /stopped received=(\d+) written=\d+ forwarded=\d+ dropped=(\d+)/.exec(stopped.stderr);
  if (totals === null) throw new Error(`no "stopped" line from oxd:\n${stopped.stderr}`);
  t.log(`sent ${sent - from}, received ${totals[1]}, dropped ${totals[2]}`);
  return { sent, received: Number(totals[1]), dropped: Number(totals[2]), stderr: stopped.stderr };
}

/** Starts the central and waits until the forwarding oxd has nothing unacknowledged and the central wrote `expected` events. */
async function deliver(f: Forwarding, expected: number): Promise<Map<number, number>> {
  const central = await f.startCentral();
  await f.local.waitForStatus((s) => spoolOf(s).unacked === 0, 60_000);
  await central.waitForStatus((s) => s.totals.written === expected);
  return tallyNumbered(f.logPath);
}

test('a full spool (block) with events waiting in memory, stopped with SIGTERM: every event received reaches the central after a restart, once', async (t) => {
  const f = await startForwarding(t, ['--spool-max-bytes', String(MAX_BYTES)]);
  // SIGTERM: oxd reads what the sender wrote to the end of its drain, then closes its spool.
  const { received, dropped, stderr } = await fillAndStop(t, f, 0, 0);
  t.is(dropped, 0, 'none dropped: the events waiting in memory are written to the spool at shutdown');
  t.notRegex(stderr, /error:/);

  f.local = await startOxd({ logPath: null, args: f.localArgs });
  const restarted = spoolOf(await f.local.waitForStatus(() => true));
  t.is(restarted.unacked, received, 'every event received is in the spool');
  t.true(restarted.bytes > MAX_BYTES, `${restarted.bytes} bytes: written past spool_max_bytes`);
  const seen = await deliver(f, received);
  t.deepEqual([...seen].filter(([, n]) => n > 1), [], 'none written twice');
  t.deepEqual([...seen.keys()].sort((a, b) => a - b), [...Array(received).keys()], 'every event received is at the central');
});

test('a write that fails at shutdown (the spool folder made a file): the events waiting in memory are counted dropped and logged with their number, the rest delivered', async (t) => {
  const f = await startForwarding(t, ['--spool-max-bytes', String(MAX_BYTES)]);
  const first = await fillAndStop(t, f, 0, 0);
  t.is(first.dropped, 0);

  // Started again over its bound: every new event waits in memory, and no segment is begun for them.
  f.local = await startOxd({ logPath: null, args: f.localArgs });
  const onDisk = spoolOf(await f.local.waitForStatus(() => true)).bytes;
  f.peer = await ZmtpPeer.connect(f.local.collect);
  const away = `${f.localSpool}.away`;
  t.teardown(() => fs.rmSync(away, { recursive: true, force: true }));
  // A file where the folder was: the segment for them cannot be made (ENOTDIR), as a full disk would refuse it.
  const second = await fillAndStop(t, f, first.sent, onDisk, () => {
    fs.renameSync(f.localSpool, away);
    fs.writeFileSync(f.localSpool, 'not a folder');
  });
  t.true(second.received > 0);
  t.is(second.dropped, second.received, 'every event of the second run waited in memory: all dropped, counted');
  t.regex(second.stderr, new RegExp(`error: lost ${second.dropped} events`));

  fs.rmSync(f.localSpool);
  fs.renameSync(away, f.localSpool);
  f.local = await startOxd({ logPath: null, args: f.localArgs });
  const seen = await deliver(f, first.received);
  t.deepEqual([...seen].filter(([, n]) => n > 1), [], 'none written twice');
  t.deepEqual([...seen.keys()].sort((a, b) => a - b), [...Array(first.received).keys()], 'the first run\'s events all delivered, the dropped ones not');
});

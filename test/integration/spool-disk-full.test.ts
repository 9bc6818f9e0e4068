/**
 * The disk spool on a filesystem that really fills: a 1 MiB tmpfs mounted by
 * the test. With spool_when_full = block, the forwarding oxd stops reading
 * from its sender while the disk is full; once the central is back and takes
 * the events, the space comes back and every event arrives, once.
 */
import test, { ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventFrames, tallyNumbered } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { downCentral, tempDir } from '../helpers/spool-forwarding';
import { ZmtpPeer } from '../helpers/zmtp-peer';

/** A tmpfs of `size` at a new folder, unmounted at the end. */
function smallFilesystem(t: ExecutionContext, size: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  t.teardown(() => {
    execFileSync('umount', ['-l', dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

// Mounting a filesystem needs root (CI runs as root); elsewhere this test cannot make a disk full.
(process.getuid?.() === 0 ? test : test.skip)('the spool filesystem full, then freed: the sender is held back, nothing is dropped, every event arrives once', async (t) => {
  // The central is down until the disk is full: its port held by the test, so no other process of the suite takes it meanwhile.
  const down = await downCentral();
  t.teardown(() => down.release().catch(() => undefined));
  const port = down.port;
  const logPath = path.join(tempDir(t, 'central'), 'log');
  const spool = path.join(smallFilesystem(t, '1m'), 'spool');
  const local = await startOxd({ logPath: null, args: ['--forward', `127.0.0.1:${port}`, '--spool-path', spool, '--spool-fsync', '100'] });
  t.teardown(() => local.stop());
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());
  // About 3 MiB of events for a 1 MiB disk.
  const total = 8000;
  const sending = (async () => {
    for (let i = 0; i < total; i++) {
      await peer.send(eventFrames({ type: 'request', body: { i, pad: 'x'.repeat(150) } }));
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
  })();
  const full = await local.waitForStatus((s) => s.sinks.forward.spool.full === true && s.sinks.forward.spool.write_errors >= 1);
  t.regex(full.sinks.forward.spool.last_write_error, /ENOSPC/);
  t.true(full.totals.received < total, 'the sender is held back while the disk is full');
  // The central comes back (on the port the test held): the spool drains, the disk frees, the rest flows.
  await down.release();
  const central = await startOxd({ logPath, args: ['-c', `127.0.0.1:${port}`] });
  t.teardown(() => central.stop());
  await sending;
  const done = await local
    .waitForStatus((s) => s.totals.received === total && s.sinks.forward.spool.unacked === 0 && s.sinks.forward.spool.full === false, 30_000)
    .catch(async (err) => {
      // Where it stuck: the forwarder's and the spool's figures, and what oxd said.
      t.log(JSON.stringify((await local.control.request({ cmd: 'STATUS' })).sinks.forward, null, 1));
      t.log(local.stderr);
      throw err;
    });
  t.like(done.sinks.forward.spool, { dropped_newest: 0, dropped_oldest: 0 });
  t.is(done.totals.dropped, 0);
  await central.waitForStatus((s) => s.totals.written === total);
  const seen = tallyNumbered(logPath);
  t.is(seen.size, total, 'none lost');
  t.deepEqual([...seen.values()].filter((n) => n > 1), [], 'none twice');
});

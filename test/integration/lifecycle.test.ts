import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventFrames, readEvents, utcDay } from '../helpers/events';
import { startOxd, tempDir } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';

function stoppedLine(stderr: string): { received: number; written: number; dropped: number } {
  const m = /stopped received=(\d+) written=(\d+) forwarded=\d+ dropped=(\d+)/.exec(stderr);
  if (!m) throw new Error(`no "stopped" line in:\n${stderr}`);
  return { received: Number(m[1]), written: Number(m[2]), dropped: Number(m[3]) };
}

test('SHUTDOWN replies {ok: true}, then oxd writes what it holds and exits 0', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < 50; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
  await oxd.waitForStatus((s) => s.totals.received === 50);
  t.deepEqual(await oxd.control.request({ cmd: 'SHUTDOWN' }), { ok: true });
  const exit = await oxd.exited();
  t.is(exit.code, 0);
  t.is(stoppedLine(exit.stderr).written, 50);
  const day = utcDay();
  t.is(readEvents(path.join(oxd.logPath!, day, `request-${day}.log`)).length, 50);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} while a sender is busy: every event oxd received is in the file, exit 0`, async (t) => {
    const oxd = await startOxd();
    t.teardown(() => oxd.stop());
    const peer = await ZmtpPeer.connect(oxd.collect);
    t.teardown(() => peer.destroy());
    let sending = true;
    let sent = 0;
    const pump = (async () => {
      while (sending) {
        try {
          for (let i = 0; i < 100; i++) await peer.send(eventFrames({ type: 'request', body: { i: sent + i } }));
        } catch {
          return; // oxd closed the connection
        }
        sent += 100;
        // Write callbacks can complete without I/O; yield so this process's own sockets get served.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await oxd.waitForStatus((s) => s.totals.received >= 2000);
    const exit = await oxd.stop(signal);
    sending = false;
    await pump;
    t.is(exit.code, 0);
    const { received, written, dropped } = stoppedLine(exit.stderr);
    t.true(received >= 2000);
    t.is(written, received, 'every received event was written');
    t.is(dropped, 0);
    const day = utcDay();
    t.is(readEvents(path.join(oxd.logPath!, day, `request-${day}.log`)).length, written);
  });
}

test('a second oxd on the same ports fails to start with a clear message and exit 1', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const err = await t.throwsAsync(startOxd({ logPath: null, args: ['-c', oxd.collect] }));
  t.regex(err!.message, /exited with 1/);
  t.regex(err!.message, /EADDRINUSE: the collect port 127\.0\.0\.1:\d+ is in use/);
});

test('a log path that cannot be created stops start-up with a message naming it', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // Tests run as root, for whom permissions do not stop anything: a path through a plain file does.
  fs.writeFileSync(path.join(dir, 'file'), '');
  const logPath = path.join(dir, 'file', 'log');
  const err = await t.throwsAsync(startOxd({ logPath }));
  t.regex(err!.message, /exited with 1/);
  t.true(err!.message.includes(`ELOGPATH: cannot write to the log path ${logPath}`), err!.message);
});

/**
 * A forwarding oxd with a disk spool (--spool-path): events taken while the
 * central oxd is down survive the forwarding oxd's restart and its kill -9,
 * and reach the central once it is back, each exactly once.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventFrames, tallyNumbered } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { downCentral } from '../helpers/spool-forwarding';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const EVENTS = 20_000;

function spoolDir(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-fwd-spool-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'spool');
}

type Spool = { unacked: number; acked: number; appended: number };

for (const how of ['SIGTERM', 'SIGKILL'] as const) {
  test(`the central down, the forwarding oxd stopped with ${how} and started again: all ${EVENTS.toLocaleString('en-US')} events reach the central once`, async (t) => {
    // The central's port, held by the test while "the central is down" (every connection closed at once).
    const down = await downCentral();
    t.teardown(() => down.release().catch(() => undefined));
    const port = down.port;
    const spool = spoolDir(t);
    const localArgs = ['--forward', `127.0.0.1:${port}`, '--spool-path', spool, '--spool-fsync', '50'];
    let local = await startOxd({ logPath: null, args: localArgs });
    t.teardown(() => local.stop());
    const peer = await ZmtpPeer.connect(local.collect);
    t.teardown(() => peer.destroy());
    for (let i = 0; i < EVENTS; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
    // Every event in the spool (written to the page cache) before the forwarding oxd goes away.
    const before = await local.waitForStatus((s) => (s.sinks.forward.spool as Spool).appended === EVENTS);
    t.is((before.sinks.forward.spool as Spool).unacked, EVENTS);
    if (how === 'SIGTERM') {
      const shown = await runTool('oxctl', ['-H', local.controlAddr]);
      t.is(shown.code, 0, shown.stderr);
      t.regex(shown.stdout, new RegExp(`Spool: ${spool}, [\\d.]+ MiB of 1\\.0 GiB in \\d+ segments, ${EVENTS} events not yet acknowledged \\(the oldest [\\d.]+ s old\\); full no \\(when full: block\\)`));
    }
    peer.destroy();
    const stopped = await local.stop(how);
    if (how === 'SIGTERM') t.is(stopped.code, 0);
    else t.is(stopped.signal, 'SIGKILL');

    local = await startOxd({ logPath: null, args: localArgs });
    const restarted = await local.waitForStatus((s) => s.sinks.forward.spool !== undefined);
    t.is((restarted.sinks.forward.spool as Spool).unacked, EVENTS, 'the restarted oxd found every event in its spool');
    await down.release();
    const central = await startOxd({ args: ['-c', `127.0.0.1:${port}`] });
    t.teardown(() => central.stop());
    await central.waitForStatus((s) => s.totals.written === EVENTS);
    await local.waitForStatus((s) => (s.sinks.forward.spool as Spool).unacked === 0);
    const seen = tallyNumbered(central.logPath!);
    const missing = [...Array(EVENTS).keys()].filter((i) => !seen.has(i));
    const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
    t.deepEqual(missing, [], 'none lost');
    t.deepEqual(twice, [], 'none twice');
    t.is((await local.control.request({ cmd: 'STATUS' })).totals.dropped, 0);
  });
}

test('a spool folder oxd cannot create stops start-up with ESPOOL, naming spool_path and what to do', async (t) => {
  const dir = spoolDir(t);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.writeFileSync(dir, 'a file where the folder should be');
  const error = await startOxd({ logPath: null, args: ['--forward', '127.0.0.1:9', '--spool-path', path.join(dir, 'spool')] }).then(
    () => null,
    (err: Error) => err.message,
  );
  t.regex(error ?? '', /ESPOOL: spool_path .*spool.*spool_path = ""/s);
});

import test from 'ava';
import * as fs from 'node:fs';
import { eventFrames } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

test('status as the original printed it, plus the counters; --raw is STATUS as JSON', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < 6; i++) await peer.send(eventFrames({ type: i % 3 ? 'request' : 'request.db', host: 'web-1' }));
  await peer.send([Buffer.from('lone frame')]);
  await oxd.waitForStatus((s) => s.totals.written === 6 && s.totals.invalid === 1);

  const text = await runTool('oxctl', ['-H', oxd.controlAddr]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, new RegExp(`^Host: ${oxd.controlAddr}\\nLast: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(\\d+ secs ago\\)\\nLag: \\d+\\.\\d{6} secs\\n`));
  t.regex(text.stdout, /web-1 {2}Last .* {2}6 events/);
  t.regex(text.stdout, /request {2}\d{4}-.* {2,}4 {2,}4 {2,}0 {2,}0 {2,}0 {2,}0 /);
  t.regex(text.stdout, /Totals: received 6, written 6, forwarded 0, streamed 0, dropped 0, invalid 1/);
  t.regex(text.stdout, /Invalid: frame-count 1/);

  const raw = await runTool('oxctl', ['-H', oxd.controlAddr, '--raw']);
  const status = JSON.parse(raw.stdout);
  t.is(status.events['request.db'].received, 2);
  t.deepEqual(Object.keys(status).slice(0, 4), ['last', 'lag', 'events', 'hosts']);
});

test('oxd not answering: a clear message and exit 1 after the timeout', async (t) => {
  const oxd = await startOxd({ logPath: null });
  const addr = oxd.controlAddr;
  await oxd.stop();
  const r = await runTool('oxctl', ['-H', addr, '--timeout', '300']);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`oxd at ${addr} did not answer within 300 ms`));
});

test('shutdown and reopen go through the admin socket', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const reopen = await runTool('oxctl', ['--admin-socket', oxd.adminSocket!, 'reopen']);
  t.is(reopen.code, 0, reopen.stderr);
  await oxd.waitForStderr(/reopening log files/);
  const r = await runTool('oxctl', ['--admin-socket', oxd.adminSocket!, 'shutdown']);
  t.is(r.code, 0, r.stderr);
  t.is((await oxd.exited()).code, 0);
  t.false(fs.existsSync(oxd.adminSocket!), 'the socket file is removed on exit');
});

test('forward to a backup collector while events flow: every event ends up in one of them, once', async (t) => {
  const primary = await startOxd();
  t.teardown(() => primary.stop());
  const backup = await startOxd();
  t.teardown(() => backup.stop());
  const local = await startOxd({ logPath: null, args: ['--forward', primary.collect] });
  t.teardown(() => local.stop());
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());

  // The sender keeps going until the backup has events too, so events are in flight during the switch.
  let sent = 0;
  let stop = false;
  const sending = (async () => {
    while (!stop) {
      for (let k = 0; k < 100; k++) await peer.send(eventFrames({ type: 'request', body: { n: sent + k } }));
      sent += 100;
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await primary.waitForStatus((s) => s.totals.received >= 1000);
  const r = await runTool('oxctl', ['--admin-socket', local.adminSocket!, 'forward', backup.collect]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), `oxd now forwards to ${backup.collect}`);
  await backup.waitForStatus((s) => s.totals.received >= 1000);
  stop = true;
  await sending;

  await local.waitForStatus((s) => s.totals.received === sent && s.totals.forwarded === sent);
  // Both collectors together must come to exactly what was sent (the old connection may still be delivering).
  const deadline = Date.now() + 20_000;
  let together = -1;
  let fromPrimary = 0;
  while (Date.now() < deadline) {
    fromPrimary = (await primary.control.request({ cmd: 'STATUS' })).totals.written;
    together = fromPrimary + (await backup.control.request({ cmd: 'STATUS' })).totals.written;
    if (together >= sent) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.is(together, sent, 'no event lost, none twice');
  t.true(fromPrimary >= 1000);
  const status = await local.control.request({ cmd: 'STATUS' });
  t.is(status.sinks.forward.target, backup.collect);
  t.is(status.sinks.forward.retargets, 1);
  t.is(status.totals.dropped, 0);
});

test('forward without forwarding configured starts it; a bad target is refused', async (t) => {
  const central = await startOxd();
  t.teardown(() => central.stop());
  const local = await startOxd({ logPath: null });
  t.teardown(() => local.stop());
  const bad = await runTool('oxctl', ['--admin-socket', local.adminSocket!, 'forward', 'central-a,central-b:99999']);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /oxd refused: Invalid Request: "central-b:99999": the port must be a number/);
  const ok = await runTool('oxctl', ['--admin-socket', local.adminSocket!, 'forward', central.collect]);
  t.is(ok.code, 0, ok.stderr);
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());
  await peer.send(eventFrames({ type: 'request' }));
  await central.waitForStatus((s) => s.totals.written === 1);
});

// The permission check needs a second user, which only root can switch to (CI runs as root).
(process.getuid?.() === 0 ? test : test.skip)('only root and oxd\'s user may use the verbs that change oxd; status stays open', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const nobody = { env: {}, uid: 65534, gid: 65534 };
  const denied = await runTool('oxctl', ['--admin-socket', oxd.adminSocket!, 'shutdown'], nobody);
  t.is(denied.code, 1);
  t.regex(denied.stderr, /permission denied on .*admin\.sock: only root and oxd's user may change oxd/);
  const status = await runTool('oxctl', ['-H', oxd.controlAddr, '--raw'], nobody);
  t.is(status.code, 0, status.stderr);
  t.is(JSON.parse(status.stdout).totals.received, 0);
  t.is(oxd.child.exitCode, null, 'oxd is still running');
});

test('usage errors exit 2', async (t) => {
  for (const args of [['bogus'], ['forward'], ['status', '--nope'], ['--timeout', 'soon']]) {
    const r = await runTool('oxctl', args);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('-H does not apply to the verbs that change oxd: they act on the local oxd only', async (t) => {
  const r = await runTool('oxctl', ['-H', '192.0.2.1:3513', 'shutdown']);
  t.is(r.code, 2);
  t.regex(r.stderr, /shutdown acts on the local oxd through its admin socket; -H does not apply/);
});

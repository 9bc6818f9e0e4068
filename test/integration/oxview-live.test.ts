import test from 'ava';
import { spawn } from 'node:child_process';
import { eventFrames } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { toolPath } from '../helpers/tool';
import { waitUntil } from '../helpers/proc';
import { ZmtpPeer } from '../helpers/zmtp-peer';

function spawnOxview(args: string[]) {
  const child = spawn(process.execPath, [toolPath('oxview'), ...args], {
    env: { ...process.env, BLUEOX_CLIENT_HOST: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out, exited };
}

/** The types of the complete lines read so far (a pipe may hand over the last one in pieces). */
const types = (stdout: string): string[] => stdout.slice(0, stdout.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l).type);

test('-H: live events by prefix, through SOCK_STREAM; SIGINT ends it with 0', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const view = spawnOxview(['-H', oxd.controlAddr, '-n', 'request*']);
  t.teardown(() => view.child.kill('SIGKILL'));
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions === 1);
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  for (const type of ['other', 'request', 'request.db', 'other', 'request']) await peer.send(eventFrames({ type, body: { type } }));
  await waitUntil(() => types(view.out.stdout).length === 3, 'oxview printed the three request events');
  t.deepEqual(types(view.out.stdout), ['request', 'request.db', 'request']);
  view.child.kill('SIGINT');
  t.is(await view.exited, 0);
});

test('-H with an exact name shows that type only, and follows oxd across a restart', async (t) => {
  const first = await startOxd({ logPath: null });
  t.teardown(() => first.stop());
  const controlPort = first.controlAddr.split(':')[1];
  const view = spawnOxview(['-H', first.controlAddr, '-n', 'request', '-v']);
  t.teardown(() => view.child.kill('SIGKILL'));
  await first.waitForStatus((s) => s.sinks.stream.subscriptions === 1);
  let peer = await ZmtpPeer.connect(first.collect);
  for (const type of ['request.db', 'request', 'requests']) await peer.send(eventFrames({ type }));
  await waitUntil(() => types(view.out.stdout).length === 1, 'the exact match arrived');
  peer.destroy();
  await first.stop();

  // The same control port, a new stream port: oxview asks again and resubscribes.
  const second = await startOxd({ logPath: null, args: ['-t', `127.0.0.1:${controlPort}`] });
  t.teardown(() => second.stop());
  await second.waitForStatus((s) => s.sinks.stream.subscriptions === 1, 30_000);
  peer = await ZmtpPeer.connect(second.collect);
  t.teardown(() => peer.destroy());
  await peer.send(eventFrames({ type: 'request' }));
  await waitUntil(() => types(view.out.stdout).length === 2, 'an event from the restarted oxd arrived', 30_000);
  t.deepEqual(types(view.out.stdout), ['request', 'request']);
  t.regex(view.out.stderr, /subscribed to tcp:\/\/127\.0\.0\.1:\d+ \(request\)/);
  view.child.kill('SIGTERM');
  t.is(await view.exited, 0);
});

test('a file oxd is still writing: every complete event is shown, a cut-off tail at most reported', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  let stop = false;
  const sending = (async () => {
    for (let n = 0; !stop; n++) {
      await peer.send(eventFrames({ type: 'request', body: { n } }));
      if (n % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await oxd.waitForStatus((s) => s.totals.written >= 2000);
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const { runTool } = await import('../helpers/tool');
  const r = await runTool('oxview', [`${oxd.logPath}/${day}/request-${day}.log`]);
  stop = true;
  await sending;
  t.true(r.code === 0 || r.code === 3, `exit ${r.code}: ${r.stderr}`);
  if (r.code === 3) t.regex(r.stderr, /incomplete event \(cut off, or still being written\)/);
  const numbers = r.stdout.trim().split('\n').map((l) => JSON.parse(l).body.n);
  t.true(numbers.length >= 2000);
  t.deepEqual(numbers, numbers.map((_: number, i: number) => i), 'events in order, none skipped');
});

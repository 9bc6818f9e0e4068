import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventFrames, utcDay } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';

test('a forwarding oxd passes both frames on unchanged to the next oxd, which writes them', async (t) => {
  const central = await startOxd();
  t.teardown(() => central.stop());
  const local = await startOxd({ logPath: null, args: ['--forward', central.collect] });
  t.teardown(() => local.stop());
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());

  const bodies: Buffer[] = [];
  const end = 1795248413.25;
  for (let i = 0; i < 200; i++) {
    const [meta, body] = eventFrames({ type: 'request', host: 'web-7', end: end + i, body: { i } });
    bodies.push(body);
    await peer.send([meta, body]);
  }
  const up = await central.waitForStatus((s) => s.totals.written === 200);
  const down = await local.waitForStatus((s) => s.totals.forwarded === 200);
  t.is(down.events.request.forwarded, 200);
  t.is(down.sinks.forward.target, central.collect);
  // The meta frame arrived unchanged: the central oxd saw the original host and end time.
  t.deepEqual(Object.keys(up.hosts), ['web-7']);
  t.is(up.events.request.last, end + 199);
  const day = utcDay();
  t.true(fs.readFileSync(path.join(central.logPath!, day, `request-${day}.log`)).equals(Buffer.concat(bodies)));
});

test('events sent while the next oxd is down are spooled and delivered when it comes back', async (t) => {
  const first = await startOxd();
  t.teardown(() => first.stop());
  const port = first.collectPort;
  const logPath = first.logPath!;
  const local = await startOxd({ logPath: null, args: ['--forward', first.collect] });
  t.teardown(() => local.stop());
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());

  for (let i = 0; i < 100; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
  await first.waitForStatus((s) => s.totals.written === 100);
  const stopped = await first.stop();
  t.is(stopped.code, 0);

  for (let i = 100; i < 300; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
  await local.waitForStatus((s) => s.totals.received === 300);

  // The same port again (the one this test was given), a fresh log folder.
  const again = await startOxd({ args: ['-c', `127.0.0.1:${port}`] });
  t.teardown(() => again.stop());
  const status = await again.waitForStatus((s) => s.totals.written === 200);
  t.is(status.totals.received, 200);
  t.is((await local.control.request({ cmd: 'STATUS' })).totals.dropped, 0);
  t.not(again.logPath, logPath);
});

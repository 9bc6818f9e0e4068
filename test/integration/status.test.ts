import test from 'ava';
import { encodeMeta } from '../../src/protocol/meta';
import { eventFrames } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';

test('before any event, last and lag are nil as in the original, and every counter is zero', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const s = await oxd.control.request({ cmd: 'STATUS' });
  t.is(s.last, null);
  t.is(s.lag, null);
  t.deepEqual(s.events, {});
  t.deepEqual(s.hosts, {});
  t.deepEqual(s.totals, { received: 0, written: 0, forwarded: 0, streamed: 0, dropped: 0, invalid: 0, bytes: 0 });
});

test('STATUS counts per type, per host and in total, with the original last/lag meaning', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());

  const base = Date.now() / 1000 - 5;
  const sendStart = Date.now() / 1000;
  let bytes = 0;
  const bytesByType: Record<string, number> = { request: 0, 'request.db': 0 };
  for (let i = 0; i < 30; i++) {
    const type = i % 3 === 0 ? 'request.db' : 'request';
    const [meta, body] = eventFrames({ type, host: i < 10 ? 'web1' : 'web2', end: base + i / 100, body: { i } });
    bytes += body.length;
    bytesByType[type] += body.length;
    await peer.send([meta, body]);
  }
  // Three invalid ones: a bad version, an unsafe type name, a lone frame.
  const bad = encodeMeta({ end: base, host: 'web1', type: 'request' });
  bad[0] = 2;
  await peer.send([bad, Buffer.from([0x80])]);
  await peer.send([encodeMeta({ end: base, host: 'web1', type: '../etc' }), Buffer.from([0x80])]);
  await peer.send([Buffer.from('lonely')]);
  const s = await oxd.waitForStatus((x) => x.totals.written === 30 && x.totals.invalid === 3);
  const after = Date.now() / 1000;

  t.deepEqual(s.totals, { received: 30, written: 30, forwarded: 0, streamed: 0, dropped: 0, invalid: 3, bytes });
  t.is(s.events.request.received, 20);
  t.is(s.events['request.db'].received, 10);
  t.is(s.events['request.db'].bytes, bytesByType['request.db']);
  // Per type and per host, "last" is the end time of the newest event, from its meta frame.
  t.is(s.events.request.last, base + 29 / 100);
  t.is(s.events['request.db'].last, base + 27 / 100);
  t.is(s.hosts.web1.last, base + 9 / 100);
  t.is(s.hosts.web2.received, 20);
  // "last" is when the newest event arrived; "lag" how far that was behind its end time.
  t.true(s.last >= sendStart && s.last <= after, `last ${s.last}, sent from ${sendStart}, status by ${after}`);
  t.true(Math.abs(s.lag - (s.last - (base + 29 / 100))) < 1e-6, `lag ${s.lag}`);
  t.deepEqual(s.invalid, { 'meta-version': 1, 'type-leading-dot': 1, 'frame-count': 1 });
  t.is(s.collect.accepted, 1);
  t.is(s.collect.connections, 1);
  t.is(typeof s.uptime, 'number');
  t.is(s.pid, oxd.pid);
});

test('SOCK_COLLECT names the collect port; unknown commands get the original error', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  t.deepEqual(await oxd.control.request({ cmd: 'SOCK_COLLECT' }), { port: oxd.collectPort });
  t.deepEqual(await oxd.control.request({ cmd: 'NOPE' }), { error: 'Unknown Command' });
  t.deepEqual(await oxd.control.request({ cmd: 'status' }), { error: 'Unknown Command' });
  const bad = await oxd.control.requestRaw(Buffer.from([0xc1]));
  t.regex(JSON.stringify(require('@msgpack/msgpack').decode(bad[0])), /Invalid Request/);
  // The REP socket keeps working after bad requests.
  t.is((await oxd.control.request({ cmd: 'STATUS' })).totals.received, 0);
});

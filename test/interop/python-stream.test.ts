/**
 * The stream port as the original's live viewers use it: a pyzmq SUB socket
 * found through SOCK_STREAM, subscribed to a type prefix, receiving
 * [type, unchanged body] pairs for matching types only.
 */
import test from 'ava';
import { eventFrames } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { describe, lastJson, startPy } from './support/processes';

test('a pyzmq subscriber to "request" gets request and request.db, bodies unchanged, and not other', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());

  // Each round sends "other" first, so a leaked "other" would arrive before the last match.
  const rounds = 5;
  const order = ['other', 'request', 'requests-are-prefixed', 'request.db'];
  const expected = rounds * 3;
  const sub = startPy('stream_sub.py', ['--control', oxd.controlAddr, '--prefix', 'request', '--expect', String(expected), '--timeout', '30']);
  t.teardown(() => sub.stop());
  await sub.waitFor(/^SUBSCRIBED$/m);
  // The subscription travels to oxd's XPUB asynchronously: wait until oxd has it.
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions >= 1);

  const matching: [string, Buffer][] = [];
  for (let r = 0; r < rounds; r++) {
    for (const type of order) {
      const [meta, body] = eventFrames({ type, body: { round: r, text: 'x'.repeat(40 + r), bytes: Buffer.from([0xff, 0xfe, r]) } });
      await peer.send([meta, body]);
      if (type !== 'other') matching.push([type, body]);
    }
  }
  const done = await sub.finished;
  t.is(done.code, 0, describe(done));
  const result = lastJson(done.stdout) as { port: number; messages: [string, string][] };

  t.is(result.port, Number(oxd.stream.split(':').pop()), 'SOCK_STREAM gave the stream port oxd announced');
  t.is(result.messages.length, expected);
  t.deepEqual(
    result.messages.map(([type]) => Buffer.from(type, 'hex').toString()),
    matching.map(([type]) => type),
    'frame 1 is the type; every request* event arrives, in order, and no other',
  );
  result.messages.forEach(([, body], i) => t.true(Buffer.from(body, 'hex').equals(matching[i][1]), `message ${i}: the body frame is unchanged`));

  const status = await oxd.waitForStatus((s) => s.totals.received === rounds * order.length);
  t.is(status.events.other.streamed, 0, 'oxd never published "other": nobody subscribed to it');
  t.is(status.events.request.streamed, rounds);
  t.is(status.events['request.db'].streamed, rounds);
  t.is(status.totals.streamed, expected);
});

test('two subscribers with different prefixes each get only their own types', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());

  const db = startPy('stream_sub.py', ['--control', oxd.controlAddr, '--prefix', 'request.db', '--expect', '3', '--timeout', '30']);
  t.teardown(() => db.stop());
  const other = startPy('stream_sub.py', ['--control', oxd.controlAddr, '--prefix', 'other', '--expect', '3', '--timeout', '30']);
  t.teardown(() => other.stop());
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions >= 2);

  const sent: Record<string, Buffer[]> = { request: [], 'request.db': [], other: [] };
  for (let i = 0; i < 3; i++) {
    for (const type of ['request', 'request.db', 'other']) {
      const [meta, body] = eventFrames({ type, body: { i } });
      sent[type].push(body);
      await peer.send([meta, body]);
    }
  }
  for (const [proc, type] of [[db, 'request.db'], [other, 'other']] as const) {
    const done = await proc.finished;
    t.is(done.code, 0, describe(done));
    const { messages } = lastJson(done.stdout) as { messages: [string, string][] };
    t.deepEqual(messages.map(([ty]) => Buffer.from(ty, 'hex').toString()), [type, type, type]);
    t.deepEqual(messages.map(([, b]) => b), sent[type].map((b) => b.toString('hex')));
  }
  const status = await oxd.waitForStatus((s) => s.totals.received === 9);
  t.is(status.events.request.streamed, 0, 'plain "request" matched neither subscription');
});

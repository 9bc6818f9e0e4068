import test from 'ava';
import * as zmq from 'zeromq';
import { eventFrames } from '../helpers/events';
import { startOxd, Oxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';

/** A SUB socket on oxd's stream port, found through SOCK_STREAM as the tools do. */
async function subscribe(t: any, oxd: Oxd, prefix: string): Promise<zmq.Subscriber> {
  const { port } = await oxd.control.request({ cmd: 'SOCK_STREAM' });
  const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 10_000 });
  t.teardown(() => sub.close());
  sub.connect(`tcp://127.0.0.1:${port}`);
  sub.subscribe(prefix);
  return sub;
}

async function receive(sub: zmq.Subscriber, count: number): Promise<Array<[string, Buffer]>> {
  const got: Array<[string, Buffer]> = [];
  while (got.length < count) {
    const [type, body] = await sub.receive();
    got.push([type.toString(), body]);
  }
  return got;
}

test('SOCK_STREAM names a port in the stream range, on the control host', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const { port } = await oxd.control.request({ cmd: 'SOCK_STREAM' });
  t.true(port >= 35000 && port <= 35999, `port ${port}`);
  t.is(oxd.stream, `127.0.0.1:${port}`);
});

test('subscribers get [type, body] for the types they asked for: prefix and exact', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const prefix = await subscribe(t, oxd, 'request');
  const exact = await subscribe(t, oxd, 'request.db');
  // Subscriptions travel to oxd asynchronously; oxd counts the distinct ones it has seen.
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions === 2);

  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const sent: Array<[string, Buffer]> = [];
  for (const type of ['other', 'request', 'request.db', 'requests', 'other.request', 'request.db']) {
    const [meta, body] = eventFrames({ type, body: { type } });
    sent.push([type, body]);
    await peer.send([meta, body]);
  }
  const byPrefix = await receive(prefix, 4);
  t.deepEqual(
    byPrefix.map(([type]) => type),
    ['request', 'request.db', 'requests', 'request.db'],
  );
  for (const [type, body] of byPrefix) t.true(sent.some(([ty, b]) => ty === type && b.equals(body)), 'body unchanged');
  // "request.db" as a ZeroMQ prefix would also match "request.dbx"; tools filter exact names after it.
  const byExact = await receive(exact, 2);
  t.deepEqual(byExact.map(([type]) => type), ['request.db', 'request.db']);

  const status = await oxd.waitForStatus((s) => s.totals.received === 6);
  t.is(status.events.other.streamed, 0);
  t.is(status.events['request.db'].streamed, 2);
  t.is(status.totals.streamed, 4);
});

test('an unsubscribed stream costs nothing: no event is handed to the publisher', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < 20; i++) await peer.send(eventFrames({ type: 'request' }));
  const status = await oxd.waitForStatus((s) => s.totals.received === 20);
  t.is(status.totals.streamed, 0);
  t.is(status.sinks.stream.subscriptions, 0);
});

/**
 * Hostile input on the control port (REP) and the stream port (XPUB): random
 * and malformed requests, oversized requests, raw TCP garbage and random
 * subscription messages. Every request that reaches oxd gets one reply with an
 * `error` key; afterwards STATUS answers a fresh client and events still flow.
 */
import test, { ExecutionContext } from 'ava';
import * as net from 'node:net';
import * as zmq from 'zeromq';
import { decode, encode } from '@msgpack/msgpack';
import { eventFrames } from '../helpers/events';
import { ControlClient } from '../helpers/control-client';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { mulberry32, SEED, randomBytes } from '../helpers/random';
import { SubscriptionModel } from '../helpers/stream-oracle';
import { expectedReply, replyMismatch } from '../helpers/control-oracle';


type T = ExecutionContext;

/** STATUS from a brand-new client, and an event that must still be written. */
async function stillServing(t: T, oxd: Oxd, expectWritten: number): Promise<{ direct: any; s: any }> {
  const fresh = new ControlClient(oxd.controlAddr);
  t.teardown(() => fresh.close());
  const direct = await fresh.request({ cmd: 'STATUS' });
  t.true(typeof direct.totals?.received === 'number', 'STATUS answers a fresh client');
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  await peer.send(eventFrames({ type: 'after' }));
  const s = await oxd.waitForStatus((st) => st.totals.written === expectWritten);
  t.is(s.events.after?.written, 1);
  return { direct, s };
}

const raw = (...b: number[]): Buffer => Buffer.from(b);
const str = (s: string): Buffer => Buffer.concat([raw(0xa0 | s.length), Buffer.from(s)]);

test('random and malformed control requests each get exactly one error reply', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const req = new zmq.Request({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
  t.teardown(() => req.close());
  req.connect(`tcp://${oxd.controlAddr}`);
  let sent = 0;
  let invalid = 0;
  const portOf = (addr: string): number => Number(addr.slice(addr.lastIndexOf(':') + 1));
  const ports = { stream: portOf(oxd.stream), collect: portOf(oxd.collect) };
  const ask = async (sock: zmq.Request, frames: Buffer | Buffer[]): Promise<any> => {
    sent++;
    // REQ puts the empty delimiter frame in front; the control model predicts the answer.
    const expected = expectedReply([Buffer.alloc(0), ...[frames].flat()]);
    if (expected.kind === 'invalid') invalid++;
    await sock.send(frames);
    const reply = await sock.receive();
    t.is(reply.length, 1);
    const value = decode(reply[0]) as any;
    t.is(replyMismatch(expected.kind, value, ports), null, `seed ${SEED}: request ${[frames].flat().map((f) => f.toString('hex').slice(0, 80)).join(', ')}`);
    return value;
  };
  const deepArray = Buffer.concat([Buffer.alloc(60_000, 0x91), raw(0xc0)]);
  const bigMap = (n: number): Buffer => {
    const parts = [raw(0xde, n >> 8, n & 0xff), str('cmd'), str('STATUS')];
    for (let i = 1; i < n; i++) parts.push(str(`k${i}`), raw(i & 0x7f));
    return Buffer.concat(parts);
  };
  const statusReq = Buffer.concat([raw(0x81), str('cmd'), str('STATUS')]);
  const shaped: Array<[string, Buffer | Buffer[], 'error' | 'status']> = [
    ['empty frame', Buffer.alloc(0), 'error'],
    ['int', Buffer.from(encode(42)), 'error'],
    ['negative int', Buffer.from(encode(-7)), 'error'],
    ['float', Buffer.from(encode(1.5)), 'error'],
    ['nil', raw(0xc0), 'error'],
    ['true', raw(0xc3), 'error'],
    ['never-used 0xc1', raw(0xc1), 'error'],
    ['string STATUS', str('STATUS'), 'error'],
    ['array', Buffer.from(encode(['cmd', 'STATUS'])), 'error'],
    ['bin STATUS', raw(0xc4, 6, ...Buffer.from('STATUS')), 'error'],
    ['ext', raw(0xd4, 0x01, 0x00), 'error'],
    ['bad timestamp ext', raw(0xd5, 0xff, 0x00, 0x00), 'error'],
    ['empty map', raw(0x80), 'error'],
    ['map without cmd', Buffer.concat([raw(0x81), str('CMD'), str('STATUS')]), 'error'],
    ['cmd int', Buffer.concat([raw(0x81), str('cmd'), raw(0x01)]), 'error'],
    ['cmd nil', Buffer.concat([raw(0x81), str('cmd'), raw(0xc0)]), 'error'],
    ['cmd array', Buffer.concat([raw(0x81), str('cmd'), raw(0x91), str('STATUS')]), 'error'],
    ['cmd map', Buffer.concat([raw(0x81), str('cmd'), raw(0x81), str('cmd'), str('STATUS')]), 'error'],
    ['cmd bin', Buffer.concat([raw(0x81), str('cmd'), raw(0xc4, 6), Buffer.from('STATUS')]), 'error'],
    ['cmd lower case', Buffer.concat([raw(0x81), str('cmd'), str('status')]), 'error'],
    ['cmd with NUL', Buffer.concat([raw(0x81), str('cmd'), str('STATUS\0')]), 'error'],
    ['cmd empty', Buffer.concat([raw(0x81), str('cmd'), str('')]), 'error'],
    ['cmd 60000 bytes', Buffer.concat([raw(0x81), str('cmd'), raw(0xda, 0xea, 0x60), Buffer.alloc(60_000, 0x41)]), 'error'],
    ['int key', Buffer.concat([raw(0x81, 0x01), str('STATUS')]), 'error'],
    ['map key', Buffer.concat([raw(0x81, 0x80), str('STATUS')]), 'error'],
    ['__proto__ key', Buffer.concat([raw(0x81), str('__proto__'), raw(0x80)]), 'error'],
    ['truncated map', statusReq.subarray(0, 6), 'error'],
    ['trailing byte', Buffer.concat([statusReq, raw(0x00)]), 'error'],
    ['map16 claiming 65535 entries', raw(0xde, 0xff, 0xff, 0xa3), 'error'],
    ['array32 claiming 2^32-1 items', raw(0xdd, 0xff, 0xff, 0xff, 0xff), 'error'],
    ['str32 claiming 4 GiB', raw(0xdb, 0xff, 0xff, 0xff, 0xff, 0x41), 'error'],
    ['60000 nested arrays', deepArray, 'error'],
    ['1025-entry map', bigMap(1025), 'error'],
    ['two frames', [statusReq, statusReq], 'error'],
    ['three frames', [raw(0x01), raw(0x02), raw(0x03)], 'error'],
    ['two empty frames', [Buffer.alloc(0), Buffer.alloc(0)], 'error'],
    // Valid requests carrying hostile extras are still served.
    ['STATUS with a deep extra value', Buffer.concat([raw(0x82), str('cmd'), str('STATUS'), str('x'), Buffer.alloc(30_000, 0x91), raw(0xc0)]), 'status'],
    ['STATUS in a 1000-entry map', bigMap(1000), 'status'],
  ];
  for (const [label, frames, expected] of shaped) {
    const reply = await ask(req, frames);
    if (expected === 'error') t.true(typeof reply?.error === 'string', `${label}: ${JSON.stringify(reply)}`);
    else t.true(typeof reply?.totals?.received === 'number', `${label}: expected a STATUS reply`);
  }

  const rand = mulberry32(SEED);
  for (let i = 0; i < 2000; i++) {
    const r = randomBytes(rand, Math.floor(rand() * 200));
    if (i % 4 === 1 && r.length > 0) r[0] = 0x80 | (r[0] & 0x0f); // a fixmap, to get past the first byte
    const reply = await ask(req, r);
    t.true(typeof reply?.error === 'string', `seed ${SEED}, request ${i} (${r.toString('hex')}): ${JSON.stringify(reply)}`);
  }

  // Several clients at once: the REP socket serves each in turn and none hangs.
  const clients = Array.from({ length: 8 }, (_, c) => {
    const sock = new zmq.Request({ linger: 0, receiveTimeout: 10_000 });
    t.teardown(() => sock.close());
    sock.connect(`tcp://${oxd.controlAddr}`);
    const crand = mulberry32(SEED + c + 1);
    return (async () => {
      for (let i = 0; i < 100; i++) {
        const reply = await ask(sock, randomBytes(crand, 1 + Math.floor(crand() * 64)));
        t.true(typeof reply?.error === 'string', `seed ${SEED + c + 1}, client ${c} request ${i}`);
      }
    })();
  });
  await Promise.all(clients);

  const { direct } = await stillServing(t, oxd, 1);
  t.is(direct.control.requests, sent + 1, 'every request was counted (and this STATUS)');
  t.is(direct.control.invalid, invalid, 'control.invalid counts the requests the model calls invalid');
});

test('a request over 64 KiB drops only that connection; the next client gets STATUS', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const before = (await oxd.control.request({ cmd: 'STATUS' })).control.requests;

  // At the limit: answered.
  const atLimit = new zmq.Request({ linger: 0, receiveTimeout: 10_000 });
  t.teardown(() => atLimit.close());
  atLimit.connect(`tcp://${oxd.controlAddr}`);
  await atLimit.send(Buffer.alloc(65_536, 0xc1));
  const [reply] = await atLimit.receive();
  t.regex((decode(reply) as any).error, /^Invalid Request/);

  // One byte over: libzmq drops the connection before oxd sees the request.
  const over = new zmq.Request({ linger: 0 });
  t.teardown(() => over.close());
  const dropped = new Promise((resolve) => over.events.on('disconnect', resolve));
  over.connect(`tcp://${oxd.controlAddr}`);
  await over.send(Buffer.concat([Buffer.concat([raw(0x81), str('cmd'), str('STATUS')]), Buffer.alloc(65_537)]));
  await dropped;
  over.close();

  const { direct } = await stillServing(t, oxd, 1);
  t.is(direct.control.requests, before + 2, 'the oversized request never reached oxd');
});

/** A plain TCP connection (no ZMTP) that the test tears down. */
function tcp(t: T, addr: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const i = addr.lastIndexOf(':');
    const s = net.connect({ host: addr.slice(0, i), port: Number(addr.slice(i + 1)) });
    t.teardown(() => s.destroy());
    s.once('connect', () => {
      s.on('error', () => undefined);
      s.on('data', () => undefined);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Writes `bytes`, half-closes, and waits until libzmq has closed its side too. */
async function garbageAndHangUp(t: T, addr: string, bytes: Buffer): Promise<void> {
  const s = await tcp(t, addr);
  const closed = new Promise((resolve) => s.once('close', resolve));
  s.end(bytes);
  await closed;
}

/**
 * A ZMTP handshake on the collect port takes several turns of oxd's event loop,
 * so control traffic that arrived before it has been seen by the time it completes.
 */
async function oxdLoopTurned(t: T, oxd: Oxd): Promise<void> {
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  await peer.send(eventFrames({ type: 'ping' }));
  await peer.send(eventFrames({ type: 'ping' }));
}

const sigMajor3 = raw(0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3);

test('raw TCP garbage on the stream port, and greeting-level garbage on the control port, disturb neither', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const rand = mulberry32(SEED);
  // A silent connection to each port stays open throughout.
  await tcp(t, oxd.controlAddr);
  await tcp(t, oxd.stream);
  const greetingGarbage = [
    () => Buffer.concat([sigMajor3, randomBytes(rand, 1 + Math.floor(rand() * 300))]),
    () => Buffer.concat([sigMajor3, raw(1), Buffer.from('CURVE'), Buffer.alloc(300)]),
    () => Buffer.concat([sigMajor3, raw(1), Buffer.from('PLAIN'), Buffer.alloc(300)]),
    () => Buffer.from('GET / HTTP/1.1\r\n\r\n'),
  ];
  const anyGarbage = [...greetingGarbage, () => randomBytes(rand, 1 + Math.floor(rand() * 2000)), () => raw(0x01, 0x00, 0x02, 0x00, 0x41)];
  for (let i = 0; i < 20; i++) await garbageAndHangUp(t, oxd.controlAddr, greetingGarbage[i % greetingGarbage.length]());
  for (let i = 0; i < 30; i++) await garbageAndHangUp(t, oxd.stream, anyGarbage[i % anyGarbage.length]());

  // The stream port still tracks subscriptions and publishes to a real subscriber.
  const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 10_000 });
  t.teardown(() => sub.close());
  sub.connect(`tcp://${oxd.stream}`);
  sub.subscribe('after');
  await oxd.waitForStatus((st) => st.sinks.stream.subscriptions === 1);
  const { s } = await stillServing(t, oxd, 1);
  const [type, body] = await sub.receive();
  t.is(type.toString(), 'after', `seed ${SEED}`);
  t.is((decode(body) as any).type, 'after');
  t.is(s.totals.streamed, 1);
});

// A request without the REQ envelope (no empty delimiter frame), from a DEALER or
// from garbage that libzmq reads as ZMTP 1.0, gets its own reply and leaves the
// control port serving everyone else.
test('a message without a REQ envelope (raw ZMTP 1.0 bytes) does not stop the control port', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  // ZMTP 1.0: an empty identity (length 1, flags 0), then one frame "A" (length 2, flags 0).
  await garbageAndHangUp(t, oxd.controlAddr, raw(0x01, 0x00, 0x02, 0x00, 0x41));
  // And random bytes, most of which libzmq also reads as ZMTP 1.0.
  const rand = mulberry32(SEED);
  for (let i = 0; i < 20; i++) await garbageAndHangUp(t, oxd.controlAddr, randomBytes(rand, 1 + Math.floor(rand() * 2000)));
  await oxdLoopTurned(t, oxd);
  const fresh = new ControlClient(oxd.controlAddr);
  t.teardown(() => fresh.close());
  const reply = await fresh.request({ cmd: 'STATUS' }, 5_000).catch((err) => err);
  t.false(reply instanceof Error, `seed ${SEED}: STATUS after envelope-less garbage: ${reply}`);
  t.notRegex(oxd.stderr, /control port stopped/);
});

test('a DEALER sending a single frame does not stop the control port', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dealer = new zmq.Dealer({ linger: 0 });
  t.teardown(() => dealer.close());
  const connected = new Promise((resolve) => dealer.events.on('handshake', resolve));
  dealer.connect(`tcp://${oxd.controlAddr}`);
  await connected;
  await dealer.send(Buffer.from('no delimiter'));
  await oxdLoopTurned(t, oxd);
  const fresh = new ControlClient(oxd.controlAddr);
  t.teardown(() => fresh.close());
  const status = await fresh.request({ cmd: 'STATUS' }, 5_000).catch((err) => err);
  t.false(status instanceof Error, `STATUS from a fresh client: ${status}`);
});

test('random subscription messages on the stream port are tracked, then released on disconnect', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const rand = mulberry32(SEED);
  // XSUB drops what does not fit under its send high-water mark: no limit, so the count is exact.
  const xsub = new zmq.XSubscriber({ linger: 0, sendHighWaterMark: 0 });
  t.teardown(() => xsub.close());
  const handshake = new Promise((resolve) => xsub.events.on('handshake', resolve));
  xsub.connect(`tcp://${oxd.stream}`);
  await handshake;
  const model = new SubscriptionModel();
  const alphabet = [0x61, 0x62, 0x00, 0x01, 0xff];
  for (let i = 0; i < 1500; i++) {
    const kind = rand();
    const first = kind < 0.45 ? 1 : kind < 0.8 ? 0 : 2 + Math.floor(rand() * 254);
    const prefix = Buffer.from(Array.from({ length: Math.floor(rand() * 4) }, () => alphabet[Math.floor(rand() * alphabet.length)]));
    const msg = Buffer.concat([raw(first), prefix]);
    model.send(0, msg);
    await xsub.send(msg);
  }
  // An empty message last: once oxd has counted it as ignored, it has seen everything before it.
  model.send(0, Buffer.alloc(0));
  await xsub.send(Buffer.alloc(0));
  const st1 = await oxd.waitForStatus((st) => st.sinks.stream.ignored === model.ignored, 10_000).catch((e) => e);
  t.false(st1 instanceof Error, `seed ${SEED}: expected ${model.ignored} ignored messages: ${st1}`);
  t.is(st1.sinks.stream.subscriptions, model.prefixes().size, `seed ${SEED}: subscriptions ${JSON.stringify([...model.prefixes()])}`);
  // Events flow while those subscriptions exist (nobody reads them).
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const types = ['a', 'ab', 'b', 'ba', 'zz'];
  for (const type of types) await peer.send(eventFrames({ type }));
  const streamed = types.filter((ty) => model.matches(ty)).length;
  const st2 = await oxd.waitForStatus((st) => st.totals.written === types.length);
  t.is(st2.totals.streamed, streamed, `seed ${SEED}: events matching ${JSON.stringify([...model.prefixes()])}`);

  xsub.close();
  await oxd.waitForStatus((st) => st.sinks.stream.subscriptions === 0);

  const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 10_000 });
  t.teardown(() => sub.close());
  sub.connect(`tcp://${oxd.stream}`);
  sub.subscribe('after');
  await oxd.waitForStatus((st) => st.sinks.stream.subscriptions === 1);
  await stillServing(t, oxd, types.length + 1);
  const [type] = await sub.receive();
  t.is(type.toString(), 'after');
});

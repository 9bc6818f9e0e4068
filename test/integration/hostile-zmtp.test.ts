/**
 * ZMTP-level garbage on the collect port: bad greetings and handshakes, bad
 * frames after the handshake, slow and half-open peers. Each bad connection is
 * closed and counted (collect.protocol_errors / handshake_timeouts); oxd keeps
 * serving every other sender.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { eventFrames, listFiles } from '../helpers/events';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { encodeCommand, encodeMessage, encodePing, encodeReady } from '../../src/protocol/zmtp/frame';
import { mulberry32, SEED } from '../helpers/random';


/** A ZMTP 3 greeting (64 bytes) announcing `mechanism`. */
function greeting(mechanism = 'NULL', major = 3, minor = 1): Buffer {
  const g = Buffer.alloc(64);
  g[0] = 0xff;
  g[8] = 0x01;
  g[9] = 0x7f;
  g[10] = major;
  g[11] = minor;
  g.write(mechanism, 12, 'latin1');
  return g;
}

/** The commands (name: data as latin1) in what oxd sent after its 64-byte greeting. */
function commandsIn(buf: Buffer): string[] {
  const out: string[] = [];
  let at = 64;
  while (at + 2 <= buf.length) {
    const flags = buf[at];
    const long = (flags & 0x02) !== 0;
    if (long && at + 9 > buf.length) break;
    const size = long ? Number(buf.readBigUInt64BE(at + 1)) : buf[at + 1];
    const header = long ? 9 : 2;
    if (at + header + size > buf.length) break;
    const body = buf.subarray(at + header, at + header + size);
    if (flags & 0x04) out.push(`${body.toString('latin1', 1, 1 + body[0])}:${body.toString('latin1', 2 + body[0])}`);
    at += header + size;
  }
  return out;
}

async function writeIgnoringReset(peer: ZmtpPeer, bytes: Buffer): Promise<void> {
  // oxd may close before it has read everything: a reset is an acceptable answer to garbage.
  await peer.writeRaw(bytes).catch(() => undefined);
}

/** Resolves once `pred` holds for what the peer received; rejects if it closes first. */
function receivedUntil(peer: ZmtpPeer, pred: (b: Buffer) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pred(peer.received)) return;
      peer.socket.off('data', check);
      peer.socket.off('close', closed);
      resolve();
    };
    const closed = (): void => reject(new Error(`closed before the expected bytes; got ${peer.received.toString('hex')}`));
    peer.socket.on('data', check);
    peer.socket.once('close', closed);
    check();
  });
}

async function goodPeer(t: ExecutionContext, oxd: Oxd): Promise<ZmtpPeer> {
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  return peer;
}

test('garbage before or during the handshake is refused and counted; a connected sender is unaffected', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const good = await goodPeer(t, oxd);
  await good.send(eventFrames({ type: 'ok' }));
  const rand = mulberry32(SEED);
  const random = (n: number, first?: number): Buffer => {
    const b = Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    if (first !== undefined) b[0] = first;
    else if (b[0] === 0xff) b[0] = 0;
    return b;
  };
  const cases: Array<[string, Buffer, boolean]> = [
    ['random bytes', random(300), false],
    ['random bytes after 0xff', random(300, 0xff), false],
    ['an HTTP request', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), false],
    ['ZMTP 1.0 identity', Buffer.from([0x01, 0x00, 0x05, 0x00, 0x61, 0x62, 0x63, 0x64]), false],
    ['signature without the 0x7f bit', Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7e, 3]), false],
    ['ZMTP revision 0', Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0]), false],
    ['mechanism PLAIN', greeting('PLAIN'), true],
    ['mechanism CURVE', greeting('CURVE'), true],
    ['mechanism GSSAPI', greeting('GSSAPI'), true],
    ['READY from a PUB socket', Buffer.concat([greeting(), encodeReady('PUB')]), true],
    ['READY from a REQ socket', Buffer.concat([greeting(), encodeReady('REQ')]), true],
    ['READY from a PULL socket', Buffer.concat([greeting(), encodeReady('PULL')]), true],
    ['READY without a Socket-Type', Buffer.concat([greeting(), encodeCommand('READY')]), true],
    ['READY with a zero-length property name', Buffer.concat([greeting(), encodeCommand('READY', Buffer.from([0, 0, 0, 0, 0]))]), true],
    ['READY with a value running past the frame', Buffer.concat([greeting(), encodeCommand('READY', Buffer.from([1, 0x41, 0, 0, 1, 0]))]), true],
    ['a message frame instead of READY', Buffer.concat([greeting(), Buffer.from([0x00, 0x03, 0x61, 0x62, 0x63])]), true],
    ['HELLO instead of READY', Buffer.concat([greeting(), encodeCommand('HELLO', Buffer.from([0, 0]))]), true],
    ['a 2^40-byte READY', Buffer.concat([greeting(), Buffer.from([0x06, 0, 0, 1, 0, 0, 0, 0, 0])]), true],
    ['ZMTP 2.0 from a PUB socket', Buffer.concat([greeting().subarray(0, 10), Buffer.from([0x01, 0x01, 0x00, 0x00])]), false],
  ];
  for (const [i, [label, bytes, expectError]] of cases.entries()) {
    const peer = await ZmtpPeer.raw(oxd.collect);
    t.teardown(() => peer.destroy());
    await writeIgnoringReset(peer, bytes);
    await peer.closed; // oxd closes the connection; the test never does
    t.true(peer.received.length >= 11 && peer.received[0] === 0xff && peer.received[9] === 0x7f, `${label}: oxd greeted`);
    if (expectError) {
      const cmds = commandsIn(peer.received);
      t.true(cmds.some((c) => c.startsWith('ERROR:')), `${label}: expected an ERROR command, got ${JSON.stringify(cmds)}`);
    }
    const st = await oxd.waitForStatus((x) => x.collect.protocol_errors >= i + 1);
    t.is(st.collect.protocol_errors, i + 1, `${label} counted once (seed ${SEED})`);
  }
  await good.send(eventFrames({ type: 'ok' }));
  const s = await oxd.waitForStatus((st) => st.totals.written === 2 && st.collect.connections === 1);
  t.is(s.collect.protocol_errors, cases.length, `seed ${SEED}`);
  t.is(s.collect.accepted, cases.length + 1);
  t.is(s.collect.handshake_timeouts, 0);
  t.is(s.totals.invalid, 0);
});

test('after the handshake, bad frame flags, sizes of 2^53 or more and malformed commands close only that connection', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const good = await goodPeer(t, oxd);
  const [meta, body] = eventFrames({ type: 'ok' });
  const metaFrame = encodeMessage([meta, body]).subarray(0, 2 + meta.length); // meta with MORE set
  const cases: Array<[string, Buffer]> = [
    ['reserved flag 0x08', Buffer.from([0x08, 0x00])],
    ['reserved flag 0x80', Buffer.from([0x80, 0x01, 0x61])],
    ['every flag bit', Buffer.from([0xff, 0x00])],
    ['long size 2^53', Buffer.from([0x02, 0, 0x20, 0, 0, 0, 0, 0, 0])],
    ['long size 2^64-1', Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    ['size 2^53 in the body frame', Buffer.concat([metaFrame, Buffer.from([0x02, 0, 0x20, 0, 0, 0, 0, 0, 1])])],
    ['reserved bit after a good event', Buffer.concat([encodeMessage([meta, body]), Buffer.from([0x10, 0x00])])],
    ['empty command', Buffer.from([0x04, 0x00])],
    ['command name past the frame', Buffer.from([0x04, 0x02, 0x05, 0x50])],
    ['PING without its TTL', encodeCommand('PING', Buffer.from([0x01]))],
    ['ERROR from the peer', encodeCommand('ERROR', Buffer.from([0x03, 0x62, 0x61, 0x64]))],
  ];
  for (const [i, [label, bytes]] of cases.entries()) {
    const peer = await ZmtpPeer.connect(oxd.collect);
    t.teardown(() => peer.destroy());
    await writeIgnoringReset(peer, bytes);
    await peer.closed; // closed by oxd
    const st = await oxd.waitForStatus((x) => x.collect.protocol_errors >= i + 1);
    t.is(st.collect.protocol_errors, i + 1, `${label} counted once`);
  }
  // A well-formed PING is answered, and unknown commands are ignored.
  const pingsBefore = (await oxd.control.request({ cmd: 'STATUS' })).collect.pings;
  const pinger = await goodPeer(t, oxd);
  const before = pinger.received.length;
  await pinger.writeRaw(Buffer.concat([encodeCommand('SUBSCRIBE', Buffer.from('x')), encodeCommand('XYZZY'), encodePing(10, Buffer.from('ctx-1234'))]));
  await receivedUntil(pinger, (b) => b.subarray(before).includes(Buffer.from('PONGctx-1234')));
  await pinger.send(eventFrames({ type: 'ok' }));
  await good.send(eventFrames({ type: 'ok' }));
  const s = await oxd.waitForStatus((st) => st.totals.written === 3 && st.collect.connections === 2);
  t.is(s.collect.protocol_errors, cases.length);
  t.is(s.collect.pings - pingsBefore, 1);
  t.is(s.collect.accepted, cases.length + 2);
  t.is(s.totals.received, 3, 'one good event before a bad frame, one from the pinger, one from the bystander');
});

test('handshakes written one byte at a time, all in one write, or in ZMTP 2.0 still work', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const bodies: Record<string, Buffer> = {};
  const event = (type: string): Buffer => {
    const frames = eventFrames({ type, body: { type } });
    bodies[type] = frames[1];
    return encodeMessage(frames);
  };
  const slow = await ZmtpPeer.raw(oxd.collect);
  t.teardown(() => slow.destroy());
  slow.socket.setNoDelay(true);
  const slowBytes = Buffer.concat([greeting(), encodeReady('PUSH'), event('bytewise')]);
  for (let i = 0; i < slowBytes.length; i++) await slow.writeRaw(slowBytes.subarray(i, i + 1));

  const burst = await ZmtpPeer.raw(oxd.collect);
  t.teardown(() => burst.destroy());
  await burst.writeRaw(Buffer.concat([greeting(), encodeReady('PUSH', { Identity: '' }), event('oneshot'), event('oneshot2')]));

  // ZMTP 2.0: signature, revision 1, socket type PUSH (8), an empty identity frame.
  const old = await ZmtpPeer.raw(oxd.collect);
  t.teardown(() => old.destroy());
  await old.writeRaw(Buffer.concat([greeting().subarray(0, 10), Buffer.from([0x01, 0x08, 0x00, 0x00]), event('zmtp2')]));

  const s = await oxd.waitForStatus((st) => st.totals.written === 4);
  t.is(s.collect.protocol_errors, 0);
  t.is(s.collect.connections, 3);
  t.deepEqual(s.invalid, {});
  const files = listFiles(oxd.logPath!);
  t.is(files.length, 4, files.join(', '));
  for (const f of files) {
    const type = path.basename(f).replace(/-\d{8}\.log$/, '');
    t.true(fs.readFileSync(path.join(oxd.logPath!, f)).equals(bodies[type]), f);
  }
  t.true(commandsIn(slow.received).some((c) => c.startsWith('READY:')), 'the slow peer got READY');
  t.deepEqual([...old.received.subarray(11, 14)], [0x07, 0x00, 0x00], 'the ZMTP 2.0 peer got PULL and an empty identity');
});

test('half-open connections do not stop other senders and are closed after --handshake-timeout', async (t) => {
  const oxd = await startOxd({ args: ['--handshake-timeout', '300'] });
  t.teardown(() => oxd.stop());
  const idle = await goodPeer(t, oxd); // handshaken first, then silent for longer than the timeout
  const partial = [Buffer.alloc(0), Buffer.alloc(0), greeting().subarray(0, 5), greeting().subarray(0, 11), greeting(), Buffer.concat([greeting(), encodeReady('PUSH').subarray(0, 7)])];
  const half: Array<{ peer: ZmtpPeer; opened: number }> = [];
  for (const bytes of partial) {
    // Before connecting: oxd's timer starts when it accepts, which can be well before this
    // process sees its connect complete.
    const opened = Date.now();
    const peer = await ZmtpPeer.raw(oxd.collect);
    t.teardown(() => peer.destroy());
    if (bytes.length) await peer.writeRaw(bytes);
    half.push({ peer, opened });
  }
  const sender = await goodPeer(t, oxd);
  await sender.send(eventFrames({ type: 'ok' }));
  await oxd.waitForStatus((st) => st.totals.written === 1);
  for (const { peer, opened } of half) {
    await peer.closed;
    t.true(Date.now() - opened >= 250, `closed after ${Date.now() - opened} ms, expected about 300`);
  }
  t.false(idle.socket.destroyed, 'a handshaken peer is not subject to the handshake timeout');
  await idle.send(eventFrames({ type: 'ok' }));
  const s = await oxd.waitForStatus((st) => st.totals.written === 2 && st.collect.connections === 2);
  t.is(s.collect.handshake_timeouts, partial.length);
  t.is(s.collect.protocol_errors, 0);
  t.is(s.collect.accepted, partial.length + 2);
});

// A peer that is sent ERROR and keeps its side open must not be counted again as a handshake timeout.
test('a connection refused during the handshake is counted once, even if the peer stays half-open', async (t) => {
  const oxd = await startOxd({ args: ['--handshake-timeout', '300'] });
  t.teardown(() => oxd.stop());
  const port = oxd.collectPort;
  const sock = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  t.teardown(() => sock.destroy());
  sock.on('error', () => undefined);
  sock.on('data', () => undefined);
  await new Promise((resolve) => sock.once('connect', resolve));
  const ended = new Promise((resolve) => sock.once('end', resolve));
  sock.write(greeting('PLAIN'));
  await ended; // oxd sent ERROR and its FIN; we keep our side open
  const s = await oxd.waitForStatus((st) => st.collect.connections === 0);
  t.is(s.collect.protocol_errors, 1);
  t.is(s.collect.handshake_timeouts, 0, 'one refused connection, counted twice');
});

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

// PONGs are only written while the peer reads them: one that floods PINGs and never
// reads must not make oxd buffer PONGs without bound.
test('a peer flooding PINGs without reading cannot make oxd buffer without bound', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  peer.socket.pause(); // never read the PONGs
  const before = rssMiB(oxd.pid);
  const ping = encodePing(10, Buffer.alloc(16, 7));
  const chunk = Buffer.concat(Array.from({ length: 40_000 }, () => ping)); // 1 MB
  const chunks = 24;
  for (let i = 0; i < chunks && !peer.socket.destroyed; i++) await peer.writeRaw(chunk).catch(() => undefined);
  const s = await oxd.waitForStatus((st) => st.collect.pings === chunks * 40_000 || st.collect.connections === 0, 60_000);
  const grown = rssMiB(oxd.pid) - before;
  t.true(grown < 64, `oxd grew by ${grown.toFixed(0)} MiB answering ${s.collect.pings} PINGs (${chunks} MB) nobody read`);
});

/**
 * Senders built on real ZeroMQ stacks talk to oxd's own ZMTP implementation on
 * the collect port: zeromq.js (libzmq, ZMTP 3.1), pyzmq with heartbeats
 * (PING/PONG), a ZMTP 2.0 peer (libzmq 3.x era), and many of them at once.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { eventFrames, listFiles, utcDay } from '../helpers/events';
import { Oxd, startOxd, tempDir } from '../helpers/oxd-process';
import { splitValues } from './support/msgpack-walk';
import { describe, readSent, startPy, typeFileBytes } from './support/processes';

/** Asserts that each type's files hold exactly `sent[type]`, byte for byte, and nothing else exists. */
function assertFiles(t: any, oxd: Oxd, sent: Record<string, Buffer[]>, since: number): void {
  const files = listFiles(oxd.logPath!);
  const days = [...new Set([utcDay(since), utcDay()])];
  let seen = 0;
  for (const [type, bodies] of Object.entries(sent)) {
    const { bytes, names } = typeFileBytes(oxd.logPath!, files, type, days);
    seen += names.length;
    t.true(bytes.equals(Buffer.concat(bodies)), `${type}: the file holds the ${bodies.length} body frames unchanged, in order`);
  }
  t.is(seen, files.length, `no unexpected files: ${files.join(', ')}`);
}

function workDir(t: any): string {
  const dir = tempDir('blueox-libzmq-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a zeromq.js Push socket: events arrive in the files unchanged', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const push = new zmq.Push({ linger: 0 });
  t.teardown(() => push.close());
  push.connect(`tcp://${oxd.collect}`);

  const since = Date.now();
  const sent: Record<string, Buffer[]> = { request: [], 'request.db': [] };
  for (let i = 0; i < 200; i++) {
    const type = i % 2 ? 'request.db' : 'request';
    // Some bodies over 255 bytes (long frames) and one of 100 KB.
    const [meta, body] = eventFrames({ type, body: { i, pad: 'y'.repeat(i === 77 ? 100_000 : (i * 7) % 600) } });
    sent[type].push(body);
    await push.send([meta, body]);
  }
  const status = await oxd.waitForStatus((s) => s.totals.written === 200);
  assertFiles(t, oxd, sent, since);
  t.is(status.totals.invalid, 0);
  t.is(status.collect.accepted, 1);
  t.is(status.collect.protocol_errors, 0);
});

test('pyzmq with ZMTP heartbeats: oxd answers PING with PONG and the connection stays up', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const out = path.join(workDir(t), 'sent.json');
  const since = Date.now();
  const py = startPy('py2_sender.py', ['--address', oxd.collect, '--count', '40', '--pause-after', '20', '--types', 'request', '--out', out, '--heartbeat']);
  t.teardown(() => py.stop());
  await py.waitFor(/^PAUSED$/m);
  await oxd.waitForStatus((s) => s.totals.written === 20);

  // libzmq drops a connection that gets no traffic for heartbeat_timeout (500 ms) after a PING.
  // oxd sends nothing but PONGs, so 20 PINGs (about 1 s, twice the timeout) with still one
  // accepted connection proves the PONGs arrive.
  const during = await oxd.waitForStatus((s) => s.collect.pings >= 20);
  t.is(during.collect.accepted, 1, 'pyzmq never had to reconnect');
  t.is(during.collect.connections, 1);
  t.is(during.collect.protocol_errors, 0);

  py.writeLine('go');
  const done = await py.finished;
  t.is(done.code, 0, describe(done));
  const after = await oxd.waitForStatus((s) => s.totals.written === 40);
  t.is(after.collect.accepted, 1, 'the events after the pings came over the same connection');
  t.true(after.collect.pings >= 20);
  assertFiles(t, oxd, readSent(out), since);
});

/** A ZMTP 2.0 frame: flags (0x01 more, 0x02 long), a 1- or 8-byte size, the body. */
function zmtp2Frame(body: Buffer, more: boolean): Buffer {
  if (body.length <= 255) return Buffer.concat([Buffer.from([more ? 0x01 : 0x00, body.length]), body]);
  const head = Buffer.alloc(9);
  head[0] = (more ? 0x01 : 0x00) | 0x02;
  head.writeBigUInt64BE(BigInt(body.length), 1);
  return Buffer.concat([head, body]);
}

test('a hand-written ZMTP 2.0 PUSH peer: oxd answers in 2.0 and stores the events', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const [host, port] = [oxd.collect.slice(0, oxd.collect.lastIndexOf(':')), oxd.collectPort];
  const sock = net.connect({ host, port });
  t.teardown(() => sock.destroy());
  let received = Buffer.alloc(0);
  let onData: () => void = () => undefined;
  sock.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d]);
    onData();
  });
  const answered = new Promise<void>((resolve, reject) => {
    onData = () => received.length >= 14 && resolve();
    sock.once('close', () => reject(new Error(`closed after ${received.toString('hex')}`)));
    sock.once('error', reject);
  });
  await new Promise<void>((resolve) => sock.once('connect', () => resolve()));

  // Signature (0xFF, 8 padding bytes, 0x7F), revision 1, socket type PUSH, empty identity frame.
  sock.write(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7f, 0x01, 0x08, 0x00, 0x00]));
  await answered;
  const greeting = received.subarray(0, 14);
  t.is(greeting[0], 0xff, 'signature starts with 0xFF');
  t.is(greeting[9] & 0x01, 0x01, 'signature ends with 0x7F-style flag byte');
  t.is(greeting[9], 0x7f);
  t.is(greeting[10], 3, 'oxd announces major version 3');
  t.deepEqual([...greeting.subarray(11, 14)], [0x07, 0x00, 0x00], 'then PULL (0x07) and an empty identity frame, as ZMTP 2.0');

  const since = Date.now();
  const sent: Record<string, Buffer[]> = { request: [], 'zmtp2.app': [] };
  const wire: Buffer[] = [];
  for (let i = 0; i < 60; i++) {
    const type = i % 3 ? 'request' : 'zmtp2.app';
    const [meta, body] = eventFrames({ type, host: 'old-libzmq', body: { i, pad: 'z'.repeat((i * 13) % 700) } });
    sent[type].push(body);
    wire.push(zmtp2Frame(meta, true), zmtp2Frame(body, false));
  }
  t.true(wire.some((f) => f[0] === 0x02), 'long frames (flag 0x02) are exercised');
  await new Promise<void>((resolve, reject) => sock.write(Buffer.concat(wire), (err) => (err ? reject(err) : resolve())));

  const status = await oxd.waitForStatus((s) => s.totals.written === 60);
  assertFiles(t, oxd, sent, since);
  t.is(status.totals.invalid, 0);
  t.is(status.collect.protocol_errors, 0);
  t.is(status.hosts['old-libzmq'].received, 60);
  t.is(received.length, 14, `oxd sent nothing after the 2.0 greeting (no 3.x greeting rest, no READY): ${received.toString('hex')}`);
});

test('4 pyzmq senders and 2 zeromq.js sockets at once: every event arrives, per-type counts exact', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = workDir(t);
  const types = ['request', 'request.db', 'other'];
  const perSender = 600;
  const since = Date.now();

  const pys = [0, 1, 2, 3].map((n) => {
    const p = startPy('py2_sender.py', ['--address', oxd.collect, '--count', String(perSender), '--types', types.join(','), '--out', path.join(dir, `py-${n}.json`), '--host', `py-${n}`, '--bad-bytes']);
    t.teardown(() => p.stop());
    return p;
  });
  const jsSent: Record<string, Buffer[]>[] = [];
  const jsSenders = [0, 1].map(async (n) => {
    const push = new zmq.Push({ linger: 0 });
    t.teardown(() => push.close());
    push.connect(`tcp://${oxd.collect}`);
    const sent: Record<string, Buffer[]> = Object.fromEntries(types.map((ty) => [ty, []]));
    jsSent[n] = sent;
    for (let i = 0; i < perSender; i++) {
      const type = types[i % types.length];
      const [meta, body] = eventFrames({ type, host: `js-${n}`, body: { sender: n, i } });
      sent[type].push(body);
      await push.send([meta, body]);
    }
  });
  const [pyDone] = await Promise.all([Promise.all(pys.map((p) => p.finished)), Promise.all(jsSenders)]);
  for (const d of pyDone) t.is(d.code, 0, describe(d));

  const total = perSender * 6;
  const status = await oxd.waitForStatus((s) => s.totals.written === total);
  const senders = [...[0, 1, 2, 3].map((n) => readSent(path.join(dir, `py-${n}.json`))), ...jsSent];
  const files = listFiles(oxd.logPath!);
  const days = [...new Set([utcDay(since), utcDay()])];
  for (const type of types) {
    const stored = splitValues(typeFileBytes(oxd.logPath!, files, type, days).bytes).map((b) => b.toString('hex'));
    const expected = senders.flatMap((s) => s[type].map((b) => b.toString('hex')));
    t.is(status.events[type].written, total / types.length, `${type}: STATUS count`);
    t.is(stored.length, total / types.length, `${type}: events in the file`);
    t.deepEqual([...stored].sort(), [...expected].sort(), `${type}: exactly the bodies sent, unchanged`);
    const position = new Map(stored.map((h, i) => [h, i]));
    senders.forEach((s, n) => {
      const at = s[type].map((b) => position.get(b.toString('hex'))!);
      t.true(at.every((p, i) => i === 0 || p > at[i - 1]), `${type}: sender ${n}'s events keep their order`);
    });
  }
  for (const host of ['py-0', 'py-1', 'py-2', 'py-3', 'js-0', 'js-1']) t.is(status.hosts[host].received, perSender, host);
  t.is(status.collect.accepted, 6);
  t.is(status.totals.invalid, 0);
  t.is(status.totals.dropped, 0);
});

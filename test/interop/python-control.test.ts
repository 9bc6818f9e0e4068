/**
 * The control port as the original's Python 2 tools use it: msgpack requests
 * packed in the raw string family over REQ, replies that old msgpack can read
 * (no str8, no bin), with the original's keys and their meaning.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode } from '@msgpack/msgpack';
import { eventFrames } from '../helpers/events';
import { Oxd, REPO, startOxd } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { family, field, keysOf, MpNode, parseOne, shape, tagsOf, unreadableByPython2 } from './support/msgpack-walk';
import { describe, startPy } from './support/processes';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original', 'control');
const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
/** 40 characters: STATUS must carry it as raw16 (0xda), never str8 (0xd9). */
const LONG_TYPE = 'interop.' + 'abcdefgh'.repeat(4);

interface Sent {
  lastEnd: Record<string, number>;
  hostEnd: Record<string, number>;
  finalEnd: number;
  count: number;
}

/** Sends events with increasing end times; returns the newest end time per type and host. */
async function sendEvents(oxd: Oxd, peer: ZmtpPeer): Promise<Sent> {
  const base = Date.now() / 1000 - 30;
  const sent: Sent = { lastEnd: {}, hostEnd: {}, finalEnd: 0, count: 0 };
  const types = [LONG_TYPE, 'request', 'request.db', 'request'];
  const hosts = ['vm', 'web-1', 'vm'];
  for (let i = 0; i < 24; i++) {
    const type = types[i % types.length];
    const host = hosts[i % hosts.length];
    const end = base + i * 0.25 + 0.123456789;
    await peer.send(eventFrames({ type, host, end, body: { i } }));
    sent.lastEnd[type] = end;
    sent.hostEnd[host] = end;
    sent.finalEnd = end;
    sent.count++;
  }
  await oxd.waitForStatus((s) => s.totals.written === sent.count);
  return sent;
}

function assertPython2Readable(t: any, raw: Buffer, what: string): MpNode {
  const node = parseOne(raw);
  t.deepEqual(unreadableByPython2(tagsOf(node)), [], `${what}: no str8 (0xd9) or bin (0xc4-0xc6) tags`);
  return node;
}

test('a Python 2 style control client reads STATUS, SOCK_STREAM, SOCK_COLLECT and the unknown-command error', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const before = Date.now();
  const sent = await sendEvents(oxd, peer);
  const after = Date.now();

  const py = startPy('control_client.py', ['--address', oxd.controlAddr, '--cmd', 'STATUS', '--cmd', 'SOCK_STREAM', '--cmd', 'SOCK_COLLECT', '--cmd', 'NOPE']);
  t.teardown(() => py.stop());
  const done = await py.finished;
  t.is(done.code, 0, describe(done));
  const [status, sockStream, sockCollect, nope] = JSON.parse(done.stdout);

  // The requests are the original tools' bytes exactly.
  for (const [r, file] of [[status, 'status'], [sockStream, 'sock_stream'], [sockCollect, 'sock_collect'], [nope, 'nope']]) {
    t.is(r.request, fixture(`control-${file}.request.msgpack`).toString('hex'), `${r.cmd}: request bytes match the fixture`);
    assertPython2Readable(t, Buffer.from(r.raw, 'hex'), r.cmd);
  }

  const s = status.reply;
  // last: when the newest event arrived; lag: how far that was behind its end time.
  // oxd takes the arrival time in whole milliseconds; round away the float error of /1000.
  const arrivedMs = Math.round(s.last * 1000);
  t.true(arrivedMs >= before && arrivedMs <= after, `last ${s.last} is the arrival time, between ${before} and ${after}`);
  t.true(Math.abs(s.lag - (s.last - sent.finalEnd)) < 1e-6, `lag ${s.lag} = last - end of the newest event`);
  t.deepEqual(Object.keys(s.events).sort(), Object.keys(sent.lastEnd).sort());
  for (const [type, end] of Object.entries(sent.lastEnd)) t.is(s.events[type].last, end, `events[${type}].last is the newest meta end time`);
  t.deepEqual(Object.keys(s.hosts).sort(), Object.keys(sent.hostEnd).sort());
  for (const [host, end] of Object.entries(sent.hostEnd)) t.is(s.hosts[host].last, end, `hosts[${host}].last is the newest meta end time`);
  t.is(s.totals.received, sent.count);
  t.is(s.totals.written, sent.count);
  t.is(s.totals.invalid, 0);
  t.is(s.events.request.received, 12);
  t.is(s.events[LONG_TYPE].received, 6);

  t.deepEqual(sockStream.reply, { port: Number(oxd.stream.split(':').pop()) });
  t.deepEqual(sockCollect.reply, { port: oxd.collectPort });
  t.deepEqual(nope.reply, { error: 'Unknown Command' });
  t.true(Buffer.from(status.raw, 'hex').includes(Buffer.concat([Buffer.from([0xda, 0x00, 40]), Buffer.from(LONG_TYPE)])),
    'the 40-byte type name is written as raw16');
});

test("the original tools' exact request bytes get replies shaped like the original's", async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  await sendEvents(oxd, peer);

  const replay = async (name: string): Promise<Buffer> => {
    const frames = await oxd.control.requestRaw(fixture(`control-${name}.request.msgpack`));
    t.is(frames.length, 1, `${name}: the reply is one frame`);
    return frames[0];
  };

  const nope = await replay('nope');
  t.true(nope.equals(fixture('control-nope.reply.msgpack')), `NOPE reply ${nope.toString('hex')} is byte-identical to the original's`);

  for (const [name, port] of [['sock_stream', Number(oxd.stream.split(':').pop())], ['sock_collect', oxd.collectPort]] as const) {
    const ours = await replay(name);
    const theirs = fixture(`control-${name}.reply.msgpack`);
    const node = assertPython2Readable(t, ours, name);
    t.deepEqual(shape(node), shape(parseOne(theirs)), `${name}: same msgpack structure as the original (${ours.toString('hex')})`);
    t.deepEqual(keysOf(node), ['port']);
    t.is(field(node, 'port')!.kind, 'int');
    t.deepEqual(decode(ours), { port });
  }

  const ours = await replay('status');
  const theirs = parseOne(fixture('control-status.reply.msgpack'));
  const node = assertPython2Readable(t, ours, 'STATUS');
  t.true(tagsOf(node).has(0xda), 'STATUS carries a 32..255-byte string (the 40-character type), as raw16');
  const ourKeys = keysOf(node);
  for (const key of keysOf(theirs)) {
    t.true(ourKeys.includes(key), `STATUS has the original key ${key}`);
    t.is(family(field(node, key)!.tag), family(field(theirs, key)!.tag), `STATUS ${key} has the original's format`);
  }
  for (const table of ['events', 'hosts']) {
    const theirsEntry = field(theirs, table)!.entries![0][1];
    const oursTable = field(node, table)!;
    t.true(oursTable.entries!.length > 0, `${table} is not empty`);
    for (const [name, entry] of oursTable.entries!) {
      t.is(name.kind, 'raw', `${table} keys are raw strings`);
      for (const key of keysOf(theirsEntry)) {
        const value = field(entry, key);
        t.not(value, undefined, `${table}[${name.bytes}] has the original key ${key}`);
        t.is(family(value!.tag), family(field(theirsEntry, key)!.tag), `${table}[${name.bytes}].${key} as in the original`);
      }
    }
  }
});

/**
 * SyslogBodyEncoder writes each message's event from its bytes; it must give
 * exactly the frames oxd made before it (parseSyslog, syslogEvent, the meta
 * frame and compatPack), byte for byte: real senders' messages, the
 * benchmark's set, and seeded mutations of them (test/helpers/syslog-fuzz.ts),
 * with every flag, IPv4 and IPv6 peers, and times around the turn of a year.
 *
 * Reproduce a failure with HOSTILE_SEED=<seed printed in the message>.
 */
import test from 'ava';
import { isUtf8 } from 'node:buffer';
import { compatPack, Float64, Packable } from '../../src/protocol/compat-pack';
import { checkEventBody } from '../../src/protocol/event-body';
import { decodeMeta, encodeMeta } from '../../src/protocol/meta';
import { parseSyslog } from '../../src/protocol/syslog/parse-syslog';
import { SyslogBodyEncoder } from '../../src/protocol/syslog/syslog-body-encoder';
import { syslogEvent } from '../../src/protocol/syslog/syslog-event';
import { stampsFor, syslogMessage } from '../bench/syslog-messages';
import { mulberry32, SEED } from '../helpers/random';
import { fuzzMessage, SYSLOG_CORPUS } from '../helpers/syslog-fuzz';

const MESSAGES = Number(process.env.SYSLOG_FUZZ_MESSAGES ?? 120_000);
const PID = 4321;
const PEERS = ['192.0.2.7', '2001:db8::17', '10.1.2.3'];
const seedNote = `seed ${SEED} (HOSTILE_SEED=${SEED} to reproduce)`;

/** An encoder whose ids count up, so the old way can be given the same id. */
function encoder(): { enc: SyslogBodyEncoder; lastId: () => string } {
  let n = 0;
  let last = '';
  const enc = new SyslogBodyEncoder((buf, at) => {
    last = (++n).toString(16).padStart(32, '0');
    Buffer.from(last).copy(buf as Buffer, at);
  }, PID);
  return { enc, lastId: () => last };
}

/** The frames as oxd made them before: text, parseSyslog, syslogEvent, encodeMeta and compatPack of the envelope. */
function before(bytes: Buffer, peer: string, arrivalMs: number, truncated: boolean, incomplete: boolean, id: string): { meta: Buffer; body: Buffer } {
  const text = bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
  const e = syslogEvent(parseSyslog(text, new Date(arrivalMs)), peer, arrivalMs, truncated, incomplete);
  const meta = encodeMeta({ end: e.end, host: e.host, type: e.type });
  const body = compatPack({ id, type: e.type, host: e.host, pid: PID, start: new Float64(e.end), end: new Float64(e.end), body: e.body as { [key: string]: Packable } });
  return { meta, body };
}

interface Run {
  compared: number;
  direct: number;
  differences: string[];
}

/** Each message through the encoder and the old way, compared; the first few differences described. */
function compare(messages: Iterable<[Buffer, string, number, boolean, boolean]>): Run {
  const { enc, lastId } = encoder();
  const run: Run = { compared: 0, direct: 0, differences: [] };
  for (const [bytes, peer, arrivalMs, truncated, incomplete] of messages) {
    // In the middle of a larger buffer, as the framer hands messages over.
    const buf = Buffer.concat([Buffer.from('12 <13>before '), bytes, Buffer.from('after\n')]);
    const direct = enc.direct;
    enc.encode(buf, 14, 14 + bytes.length, peer, arrivalMs, truncated, incomplete);
    const want = before(bytes, peer, arrivalMs, truncated, incomplete, lastId());
    const meta = enc.meta;
    const body = enc.out.subarray(enc.bodyStart, enc.bodyEnd);
    run.compared++;
    run.direct += enc.direct - direct;
    if ((!meta.equals(want.meta) || !body.equals(want.body) || checkEventBody(body, 0, body.length) !== null) && run.differences.length < 5) {
      run.differences.push(`${JSON.stringify(bytes.toString('latin1'))} (${enc.direct > direct ? 'direct' : 'parsed'}):\n  got  ${meta.toString('hex')} ${body.toString('hex')}\n  want ${want.meta.toString('hex')} ${want.body.toString('hex')}`);
    }
  }
  return run;
}

/** Mid-December to mid-January, local time: BSD timestamps without a year change year there. */
function arrivalNear(rand: () => number): number {
  return new Date(2026, 11, 15).getTime() + Math.floor(rand() * 31 * 86_400_000);
}

test('real senders and the benchmark set: the same frames, byte for byte, and almost all written directly', (t) => {
  const stamps = stampsFor(Date.UTC(2026, 11, 31, 23, 59, 0));
  const bench = Array.from({ length: 400 }, (_, i) => Buffer.from(syslogMessage(i, stamps)));
  const corpus = SYSLOG_CORPUS.map((m) => Buffer.from(m));
  const now = new Date(2026, 11, 4, 16, 5, 0).getTime();
  const all = [...bench, ...corpus];
  const cases = function* (): Generator<[Buffer, string, number, boolean, boolean]> {
    for (const [i, b] of all.entries()) for (const peer of PEERS) yield [b, peer, now + i, i % 5 === 1, i % 7 === 2];
  };
  const run = compare(cases());
  t.deepEqual(run.differences, []);
  const benchRun = compare(bench.map((b): [Buffer, string, number, boolean, boolean] => [b, PEERS[0], now, false, false]));
  t.is(benchRun.direct, bench.length, 'every message of the benchmark set is written directly');
  t.true(run.direct > 0.9 * run.compared, `${run.direct} of ${run.compared} written directly`);
});

test(`${MESSAGES.toLocaleString('en-US')} mutated messages: the same frames, byte for byte`, (t) => {
  const rand = mulberry32(SEED ^ 0xb0d7);
  const cases = function* (): Generator<[Buffer, string, number, boolean, boolean]> {
    for (let i = 0; i < MESSAGES; i++) yield [fuzzMessage(rand, 70_000), PEERS[i % PEERS.length], arrivalNear(rand), rand() < 0.1, rand() < 0.1];
  };
  const run = compare(cases());
  t.log(`${seedNote}: ${run.compared} messages, ${run.direct} written directly`);
  t.deepEqual(run.differences, [], seedNote);
  t.is(run.compared, MESSAGES);
  t.true(run.direct > MESSAGES / 5, `the direct way is exercised: ${run.direct}`);
});

test('each way a message is read or left to parseSyslog: the same frames', (t) => {
  const long = 'x'.repeat(70_000);
  const texts = [
    // RFC 5424: nil fields, escapes, a BOM, no message, elements without parameters, long values and messages.
    '<13>1 - - - - - -',
    '<13>1 - - - - - - ',
    '<13>1 - - - - - -\ufeff',
    '<13>1 2026-12-04T16:02:44Z h a p m [x@1 a="say \\"hi\\"" b="a\\\\b" c="[1\\]" d="keep \\n" e="\\"][y][z q=""] \ufeffm',
    `<13>1 2026-12-04T16:02:44.999999999+14:00 h a p m [x@1 a="${'v'.repeat(100)}"] ${'m'.repeat(100)}`,
    `<13>1 - h a p m - ${long}`,
    `<13>1 - h a p m [a b="${long}"]`,
    `<13>1 - ${'h'.repeat(64)} a p m - too long a host for the meta frame`,
    '<13>1 - h a p m [a b="1" c="2"]x',
    // Left to parseSyslog: a repeated SD-ID or name, numeric and reserved names, 16 elements, bad UTF-8, no PRI.
    '<13>1 - h a p m [a b="1"][a c="2"] m',
    '<13>1 - h a p m [a b="1" b="2"] m',
    '<13>1 - h a p m [123 b="1"] m',
    '<13>1 - h a p m [a 7="1"] m',
    '<13>1 - h a p m [__proto__ b="1"] m',
    `<13>1 - h a p m ${'[a]'.repeat(0)}${Array.from({ length: 16 }, (_, i) => `[e${i}]`).join('')} m`,
    'Dec  4 16:02:44 host app: no PRI',
    // RFC 3164: hostnames, tags after them ended by a space, pids, ISO times, none, odd days, leap seconds.
    '<13>Dec  4 16:02:44 host app[123]: m',
    '<13>Dec 14 16:02:44 host app m',
    '<13>Dec 04 16:02:44 host app[1] m',
    '<13>Dec  4 16:02:44 app[1]: no host',
    '<13>Dec  4 16:02:44 host: m',
    '<13>Dec  4 16:02:44 host app[1 2]: m',
    '<13>Dec  4 16:02:44 host app[é]: m',
    `<13>Dec  4 16:02:44 host ${'t'.repeat(60)}: m`,
    `<13>Dec  4 16:02:44 host app[${'9'.repeat(130)}]: m`,
    '<13>Dec  4 16:02:44.123 host app: a fraction',
    '<13>Dec  4 16:02:44 2026 host app: a year after',
    '<13>Dec  4 2026 16:02:44 host app: a year before',
    '<13>Feb 30 16:02:44 host app: no such day',
    '<13>Dec 31 23:59:60 host app: a leap second',
    '<13>2026-12-04T16:02:44.123456+01:00 host app[9]: forwarded',
    '<13>2026-12-04T16:02:44Z host app: m',
    '<13>2026-12-04T16:02:44.1234567890Z host app: ten digits',
    '<13>2026-13-04T16:02:44Z host app: month 13',
    '<13>hello world',
    '<13>app: hello',
    '<13>',
    '<0>Dec  4 16:02:44 h a: m\r\n\0',
  ];
  const now = new Date(2026, 11, 4, 16, 5, 0).getTime();
  const cases = texts.map((s): [Buffer, string, number, boolean, boolean] => [Buffer.from(s), PEERS[1], now, false, true]);
  cases.push([Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x68, 0xe9, 0x3a, 0x20, 0xff]), PEERS[0], now, true, false]);
  const run = compare(cases);
  t.deepEqual(run.differences, []);
  t.true(run.direct > texts.length / 2, `${run.direct} of ${run.compared} written directly`);
});

test("bodies already handed over are never written again; a host's meta frame is its newest event's", (t) => {
  const { enc } = encoder();
  const kept: Array<{ out: Buffer; start: number; end: number; copy: Buffer }> = [];
  const metas = new Map<string, Buffer>();
  for (let i = 0; i < 2000; i++) {
    const msg = Buffer.from(`<13>1 2026-12-04T16:02:44.${String(i).padStart(6, '0')}Z host${i % 5} app 1 m [a b="c"] a message of some length to fill slabs`);
    const peer = PEERS[i % 3];
    enc.encode(msg, 0, msg.length, peer, 1_700_000_000_000 + i);
    kept.push({ out: enc.out, start: enc.bodyStart, end: enc.bodyEnd, copy: Buffer.from(enc.out.subarray(enc.bodyStart, enc.bodyEnd)) });
    metas.set(`host${i % 5}`, enc.meta);
    const other = Buffer.from(`<13>Dec  4 16:02:44 app: no hostname ${i}`);
    enc.encode(other, 0, other.length, peer, 1_700_000_000_000 + i);
    metas.set(peer, enc.meta);
  }
  t.true(new Set(kept.map((k) => k.out)).size > 1, 'more than one slab used');
  t.true(kept.every((k) => k.out.subarray(k.start, k.end).equals(k.copy)));
  t.is(metas.size, 5 + PEERS.length);
  for (let h = 0; h < 5; h++) t.deepEqual(decodeMeta(metas.get(`host${h}`)!), { version: 3, end: Date.UTC(2026, 11, 4, 16, 2, 44) / 1000 + (1995 + h) / 1e6, host: `host${h}`, type: 'syslog' });
  for (const [i, peer] of PEERS.entries()) t.like(decodeMeta(metas.get(peer)!), { host: peer, type: 'syslog' }, `${i}`);
});

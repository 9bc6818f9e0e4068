/**
 * Hostile events on the collect port: malformed messages, oversized frames and
 * type names that try to leave the log folder. Each must be dropped, counted in
 * STATUS under its reason, never be fatal, and leave the connection usable.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decode } from '@msgpack/msgpack';
import * as zmq from 'zeromq';
import { BAD_BODIES, GOOD_BODIES } from '../helpers/body-cases';
import { eventFrames, listFiles, readEvents, utcDay } from '../helpers/events';
import { unreadableFiles } from '../helpers/strict-msgpack';
import { startOxd, tempDir } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { META_SIZE, META_HOST_OFFSET, META_TYPE_OFFSET } from '../../src/protocol/meta';
import { FLAG_LONG, FLAG_MORE, encodeMessage, writeFrameHeader } from '../../src/protocol/zmtp/frame';

type Bytes = string | number[] | Buffer;
const bytes = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b));

/** A meta frame with any bytes in it: the helpers refuse to build bad ones. */
function rawMeta(o: { type?: Bytes; host?: Bytes; version?: number; typeLen?: number; hostLen?: number; size?: number }): Buffer {
  const m = Buffer.alloc(o.size ?? META_SIZE);
  const full = Buffer.alloc(META_SIZE);
  full[0] = o.version ?? 3;
  full.writeDoubleBE(Date.now() / 1000, 1);
  const host = bytes(o.host ?? 'testhost');
  const type = bytes(o.type ?? 'ok');
  full[META_HOST_OFFSET] = o.hostLen ?? host.length;
  host.copy(full, META_HOST_OFFSET + 1, 0, Math.min(host.length, 63));
  full[META_TYPE_OFFSET] = o.typeLen ?? type.length;
  type.copy(full, META_TYPE_OFFSET + 1, 0, Math.min(type.length, 63));
  full.copy(m, 0, 0, Math.min(m.length, META_SIZE));
  return m;
}

/** Every file and folder under `root`, relative, so stray empty folders count too. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      out.push(path.relative(root, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

/** Every file oxd wrote reads to the end with Python's strict msgpack.Unpacker. */
async function strictlyReadable(t: ExecutionContext, logPath: string): Promise<void> {
  const files = listFiles(logPath).map((f) => path.join(logPath, f));
  t.true(files.length > 0);
  t.deepEqual(await unreadableFiles(files), [], 'Python reads every file to the end');
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

test('malformed messages are dropped, counted by reason, and the connection keeps working', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const [meta, body] = eventFrames({ type: 'ok' });
  const cases: Array<[string, Buffer[], string]> = [
    ['1 frame (meta only)', [meta], 'frame-count'],
    ['1 frame (body only)', [body], 'frame-count'],
    ['1 empty frame', [Buffer.alloc(0)], 'frame-count'],
    ['3 frames', [meta, body, body], 'frame-count'],
    ['10 frames', Array.from({ length: 10 }, (_, i) => (i === 0 ? meta : body)), 'frame-count'],
    ['136-byte meta', [rawMeta({ size: 136 }), body], 'meta-size'],
    ['138-byte meta', [rawMeta({ size: 138 }), body], 'meta-size'],
    ['empty meta', [Buffer.alloc(0), body], 'meta-size'],
    ['meta version 0', [rawMeta({ version: 0 }), body], 'meta-version'],
    ['meta version 2', [rawMeta({ version: 2 }), body], 'meta-version'],
    ['meta version 4', [rawMeta({ version: 4 }), body], 'meta-version'],
    ['meta version 255', [rawMeta({ version: 255 }), body], 'meta-version'],
    ['host length 64', [rawMeta({ hostLen: 64 }), body], 'meta-field'],
    ['host length 255', [rawMeta({ hostLen: 255 }), body], 'meta-field'],
    ['type length 64', [rawMeta({ typeLen: 64, type: 'x'.repeat(63) }), body], 'meta-field'],
    ['type length 200', [rawMeta({ typeLen: 200 }), body], 'meta-field'],
    ['empty body', [rawMeta({ type: 'eb' }), Buffer.alloc(0)], 'empty-body'],
    ['body not a map', [rawMeta({ type: 'bb' }), Buffer.from([0x01])], 'body-malformed'],
  ];
  for (const [, frames] of cases) await peer.send(frames);
  await peer.send([meta, body]);

  const expected: Record<string, number> = {};
  for (const [, , reason] of cases) expected[reason] = (expected[reason] ?? 0) + 1;
  const s = await oxd.waitForStatus((st) => st.totals.written === 1 && st.totals.invalid >= cases.length);
  t.deepEqual(s.invalid, expected, cases.map(([label, , r]) => `${label} -> ${r}`).join('; '));
  t.is(s.totals.invalid, cases.length);
  t.is(s.totals.received, 1, 'only the good event was received');
  t.falsy(s.events.eb?.received, 'an event with an empty body is not received under its type');
  t.falsy(s.events.bb?.received, 'an event with a bad body is not received under its type');
  t.deepEqual(Object.keys(s.events).filter((k) => s.events[k].received > 0), ['ok']);
  t.is(s.collect.accepted, 1, 'one connection carried everything');
  t.is(s.collect.connections, 1, 'the connection is still open');
  t.is(s.collect.protocol_errors, 0, 'bad messages in good framing are not protocol errors');
  const files = listFiles(oxd.logPath!);
  t.is(files.length, 1, `files: ${files.join(', ')}`);
  t.true(fs.readFileSync(path.join(oxd.logPath!, files[0])).equals(body));
  await strictlyReadable(t, oxd.logPath!);
});

test('oversized frames (--max-event-size 2048) are skipped without losing the connection', async (t) => {
  const oxd = await startOxd({ args: ['--max-event-size', '2048'] });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const meta = () => eventFrames({ type: 'big' })[0];
  const good: Buffer[] = [];
  const sendGood = async (): Promise<void> => {
    const [m, b] = eventFrames({ type: 'ok', body: { n: good.length } });
    good.push(b);
    await peer.send([m, b]);
  };

  await peer.send([meta(), Buffer.alloc(4096, 0x61)]); // a 4096-byte body
  await sendGood();
  await peer.send([Buffer.alloc(4096, 1), Buffer.alloc(10, 2)]); // an oversized first frame
  await sendGood();
  await peer.send([meta(), Buffer.alloc(3000, 3), Buffer.alloc(5, 4), Buffer.alloc(6, 5)]); // counted once
  await sendGood();
  // Boundary: 2048 bytes is allowed, 2049 is not. A map {"p": <2042-byte str16>} is 2048 bytes.
  const [m2048] = eventFrames({ type: 'edge' });
  const b2048 = Buffer.concat([Buffer.from([0x81, 0xa1, 0x70, 0xda, 0x07, 0xfa]), Buffer.alloc(2042, 0x7a)]);
  t.is(b2048.length, 2048);
  await peer.send([m2048, b2048]);
  await peer.send([m2048, Buffer.concat([b2048, Buffer.from([0x7a])])]);
  await sendGood();

  // A long frame declaring 4 MiB, followed by those real bytes in many writes; the
  // tail and the next good event share one write.
  const huge = 4 * 1024 * 1024;
  const head = Buffer.alloc(9);
  writeFrameHeader(head, 0, huge, 0);
  t.is(head[0], FLAG_LONG);
  const m = meta();
  const metaHead = Buffer.alloc(2);
  writeFrameHeader(metaHead, 0, m.length, FLAG_MORE);
  await peer.writeRaw(Buffer.concat([metaHead, m, head]));
  const piece = Buffer.alloc(256 * 1024, 0x55);
  for (let sent = 0; sent < huge - 1000; sent += piece.length) {
    await peer.writeRaw(piece.subarray(0, Math.min(piece.length, huge - 1000 - sent)));
  }
  const [gm, gb] = eventFrames({ type: 'ok', body: { n: good.length } });
  good.push(gb);
  await peer.writeRaw(Buffer.concat([Buffer.alloc(1000, 0x55), encodeMessage([gm, gb])]));
  await sendGood();

  const s = await oxd.waitForStatus((st) => st.totals.written === good.length + 1);
  t.deepEqual(s.invalid, { oversized: 5 });
  t.is(s.totals.received, good.length + 1);
  t.is(s.events.edge?.received, 1, 'a 2048-byte body is within --max-event-size 2048');
  t.is(s.collect.accepted, 1);
  t.is(s.collect.connections, 1, 'the connection survived every oversized message');
  t.is(s.collect.protocol_errors, 0);
  const day = listFiles(oxd.logPath!).find((f) => f.includes('/ok-'))!;
  t.deepEqual(readEvents(path.join(oxd.logPath!, day)).map((e) => e.body.n), good.map((_, i) => i));
  await strictlyReadable(t, oxd.logPath!);
});

// Every sink appends or passes bodies on as they came: one that is not exactly one map
// would stop every strict reader of the file (and of the stream, and of the next oxd).
test('bodies that are not exactly one readable map reach no file, subscriber or next oxd', async (t) => {
  const central = await startOxd();
  t.teardown(() => central.stop());
  const oxd = await startOxd({ args: ['--forward', central.collect] });
  t.teardown(() => oxd.stop());
  const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 10_000 });
  t.teardown(() => sub.close());
  sub.connect(`tcp://${oxd.stream}`);
  sub.subscribe('');
  await oxd.waitForStatus((st) => st.sinks.stream.subscriptions === 1);
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());

  // Good and bad bodies interleaved under one type, then an event that marks the end.
  const good = GOOD_BODIES.map(([, body]) => body);
  const [meta] = eventFrames({ type: 'mixed' });
  for (let i = 0; i < Math.max(good.length, BAD_BODIES.length); i++) {
    if (i < BAD_BODIES.length) await peer.send([meta, BAD_BODIES[i][1]]);
    if (i < good.length) await peer.send([meta, good[i]]);
  }
  const [endMeta, endBody] = eventFrames({ type: 'end' });
  await peer.send([endMeta, endBody]);

  const s = await oxd.waitForStatus((st) => st.totals.written === good.length + 1 && st.totals.forwarded === good.length + 1);
  const labels = BAD_BODIES.map(([label, , problem]) => `${label} (${problem})`).join('; ');
  t.deepEqual(s.invalid, { 'body-malformed': BAD_BODIES.length }, labels);
  t.is(s.events.mixed.received, good.length);
  t.is(s.events.mixed.invalid, BAD_BODIES.length);
  t.is(s.totals.streamed, good.length + 1);
  t.is(s.collect.connections, 1, 'the connection survived every bad body');
  t.true(/dropped a message from .*the body frame must be exactly one complete msgpack map/.test(oxd.stderr), 'the drop is logged with its reason');

  const streamed: Buffer[] = [];
  for (;;) {
    const [type, body] = await sub.receive();
    if (type.toString() === 'end') break;
    t.is(type.toString(), 'mixed');
    streamed.push(body);
  }
  t.deepEqual(streamed, good, 'the subscriber got the good bodies, in order, and nothing else');

  const up = await central.waitForStatus((st) => st.totals.written === good.length + 1);
  t.deepEqual(up.invalid, {}, 'nothing bad was forwarded');
  for (const node of [oxd, central]) {
    const day = listFiles(node.logPath!).find((f) => f.includes('/mixed-'))!;
    t.true(fs.readFileSync(path.join(node.logPath!, day)).equals(Buffer.concat(good)), 'the file holds the good bodies unchanged, in order');
    t.is(listFiles(node.logPath!).length, 2);
    await strictlyReadable(t, node.logPath!);
  }
});

const BAD_TYPES: Array<[string, Bytes, string]> = [
  ['empty', '', 'type-empty'],
  ['a/b', 'a/b', 'type-separator'],
  ['a\\b', 'a\\b', 'type-separator'],
  ['a/../../x', 'a/../../x', 'type-separator'],
  ['x/../../../../../escaped', 'x/../../../../../escaped', 'type-separator'],
  ['trailing /', 'abc/', 'type-separator'],
  ['NUL inside', 'a\0b', 'type-control'],
  ['NUL at the end', 'ok\0', 'type-control'],
  ['0x01', 'a\x01', 'type-control'],
  ['0x1f', '\x1fa', 'type-control'],
  ['newline', 'a\nb', 'type-control'],
  ['0x7f', 'a\x7f', 'type-control'],
  ['C1 U+0085', 'a\u0085b', 'type-control'],
  ['C1 U+009F', '\u009f', 'type-control'],
  ['.', '.', 'type-leading-dot'],
  ['..', '..', 'type-leading-dot'],
  ['../x', '../x', 'type-leading-dot'],
  ['../../escaped', '../../escaped', 'type-leading-dot'],
  ['.hidden', '.hidden', 'type-leading-dot'],
  ['lone 0xff', [0x61, 0xff], 'type-encoding'],
  ['overlong "/" (C0 AF)', [0x61, 0xc0, 0xaf, 0x62], 'type-encoding'],
  ['overlong ".." (C0 AE C0 AE)', [0xc0, 0xae, 0xc0, 0xae], 'type-encoding'],
  ['truncated sequence', [0x61, 0xc3], 'type-encoding'],
  ['UTF-16 surrogate', [0xed, 0xa0, 0x80], 'type-encoding'],
  ['Latin-1 é', [0x63, 0x61, 0x66, 0xe9], 'type-encoding'],
];

test('hostile type names are refused and counted, and nothing is created outside the log path', async (t) => {
  const root = tempDir('blueox-hostile-');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const logPath = path.join(root, 'outer', 'log');
  const oxd = await startOxd({ logPath });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const dayBefore = utcDay();
  for (const [, type] of BAD_TYPES) {
    const body = eventFrames({ type: 'whatever' })[1];
    await peer.send([rawMeta({ type }), body]);
  }
  const [meta, body] = eventFrames({ type: 'ok' });
  await peer.send([meta, body]);
  const s = await oxd.waitForStatus((st) => st.totals.written === 1 && st.totals.invalid >= BAD_TYPES.length);
  const dayAfter = utcDay();

  const expected: Record<string, number> = {};
  for (const [, , reason] of BAD_TYPES) expected[reason] = (expected[reason] ?? 0) + 1;
  t.deepEqual(s.invalid, expected, BAD_TYPES.map(([l, , r]) => `${l} -> ${r}`).join('; '));
  t.is(s.totals.invalid, BAD_TYPES.length);
  t.is(sum(s.invalid), BAD_TYPES.length);
  t.deepEqual(Object.keys(s.events), ['ok'], 'refused names never become STATUS entries');
  t.is(s.collect.connections, 1);

  const okFile = (day: string): string => path.join('outer', 'log', day, `ok-${day}.log`);
  const allowed = new Set(['outer', path.join('outer', 'log')]);
  for (const day of new Set([dayBefore, dayAfter])) {
    allowed.add(path.join('outer', 'log', day));
    allowed.add(okFile(day));
  }
  const found = tree(root);
  t.deepEqual(found.filter((p) => !allowed.has(p)), [], `unexpected entries under ${root}: ${found.join(', ')}`);
  t.deepEqual(fs.readdirSync(path.dirname(logPath)), ['log'], 'nothing appeared beside the log path');
  t.deepEqual(fs.readdirSync(root), ['outer']);
  // Where the original would have written each name (some of them outside `root`).
  for (const [label, type] of BAD_TYPES) {
    if (typeof type !== 'string' || type.includes('\0')) continue;
    for (const day of [dayBefore, dayAfter]) {
      const naive = path.join(logPath, day, `${type}-${day}.log`);
      t.false(fs.existsSync(naive), `${label}: ${naive} must not exist`);
    }
  }
  t.false(fs.existsSync(path.join(os.tmpdir(), `escaped-${dayBefore}.log`)));
  const files = listFiles(logPath);
  t.is(files.length, 1, files.join(', '));
  t.true(fs.readFileSync(path.join(logPath, files[0])).equals(body));
  await strictlyReadable(t, logPath);
});

test('unusual but valid type names are written under their own names inside the log path', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const names = ['a..b', 'x.', 'a b', '-', '~', '*?', 'ünïcödé', '日本語', 'a\u202eb', 'ok-20240101', 'constructor', 'toString', 'x'.repeat(63)];
  const bodies = new Map<string, Buffer>();
  for (const type of names) {
    const [m, b] = eventFrames({ type, body: { type } });
    bodies.set(type, b);
    await peer.send([m, b]);
  }
  const s = await oxd.waitForStatus((st) => st.totals.written === names.length);
  t.deepEqual(s.invalid, {});
  t.deepEqual(Object.keys(s.events).sort(), [...names].sort());
  for (const type of names) t.is(s.events[type].written, 1, type);
  const files = listFiles(oxd.logPath!);
  t.is(files.length, names.length, files.join(', '));
  for (const f of files) {
    const [day, name] = f.split(path.sep);
    t.regex(day, /^\d{8}$/);
    const type = name.slice(0, -`-${day}.log`.length);
    t.is(`${type}-${day}.log`, name);
    t.true(bodies.get(type)?.equals(fs.readFileSync(path.join(oxd.logPath!, f))), `content of ${f}`);
  }
  await strictlyReadable(t, oxd.logPath!);
});

/** Decodes a STATUS reply the strict way a tool would. */
async function rawStatus(oxd: Awaited<ReturnType<typeof startOxd>>): Promise<any> {
  const [reply] = await oxd.control.requestRaw(Buffer.from([0x81, 0xa3, ...Buffer.from('cmd'), 0xa6, ...Buffer.from('STATUS')]));
  return decode(reply);
}

// A key "__proto__" cannot be read back by JavaScript msgpack decoders, so the
// type is refused (and counted) and a host of that name is listed escaped.
test('a type named "__proto__" is refused and counted; a host of that name is listed as "(__proto__)"', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  await peer.send(eventFrames({ type: '__proto__', host: 'h1' }));
  await peer.send(eventFrames({ type: 'ok', host: '__proto__' }));
  await oxd.waitForStatus((st) => st.totals.written === 1 && st.totals.invalid === 1);
  const s = await rawStatus(oxd);
  t.deepEqual(s.invalid, { 'type-reserved': 1 });
  t.deepEqual(Object.keys(s.events), ['ok']);
  t.deepEqual(Object.keys(s.hosts), ['(__proto__)']);
  t.is(s.hosts['(__proto__)'].received, 1);
  t.false(listFiles(oxd.logPath!).some((f) => f.includes('__proto__')));
  await strictlyReadable(t, oxd.logPath!);
});

// Beyond 10,000 distinct hosts oxd stops tracking new names (memory), but counts them together.
test('STATUS accounts for senders beyond the 10,000 tracked hosts under "(other hosts)"', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const n = 10_050;
  const batch: Buffer[] = [];
  for (let i = 0; i < n; i++) batch.push(encodeMessage(eventFrames({ type: 'ok', host: `h${i}` })));
  await peer.writeRaw(Buffer.concat(batch));
  const s = await oxd.waitForStatus((st) => st.totals.received === n);
  const byHost = Object.values<any>(s.hosts).reduce((acc, h) => acc + h.received, 0);
  t.is(byHost, n, `${Object.keys(s.hosts).length} hosts listed`);
  t.is(s.hosts['(other hosts)'].received, 50);
});

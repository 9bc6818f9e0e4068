/**
 * Fuzzing the collect port over well-framed ZMTP: random frames, mutated
 * valid events and fuzzed bodies on several connections at once. An
 * independent model of the rules (PROTOCOL.md and the STATUS reasons, with
 * Python's strict msgpack reader as the judge of bodies) predicts every
 * counter; oxd must match it exactly, write every accepted body unchanged
 * inside the log path, in files Python reads to the end, and still serve a
 * clean event and STATUS afterwards.
 *
 * Reproduce a failure with HOSTILE_SEED=<seed printed in the message>.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { eventFrames, listFiles } from '../helpers/events';
import { startOxd, tempDir } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { mulberry32, SEED } from '../helpers/random';
import { fuzzBody } from '../helpers/body-fuzz';
import { strictVerdicts, unreadableFiles } from '../helpers/strict-msgpack';


interface Frame {
  more: boolean;
  long: boolean;
  body: Buffer;
}

/** ZMTP frames as bytes; `long` uses the 8-byte size even for small frames (legal). */
function encode(frames: Frame[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of frames) {
    const long = f.long || f.body.length > 255;
    const head = Buffer.alloc(long ? 9 : 2);
    head[0] = (f.more ? 0x01 : 0) | (long ? 0x02 : 0);
    if (long) head.writeBigUInt64BE(BigInt(f.body.length), 1);
    else head[1] = f.body.length;
    parts.push(head, f.body);
  }
  return Buffer.concat(parts);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The type-name rules, written independently of src/: the accepted name, or null. */
function acceptedType(b: Buffer): string | null {
  if (b.length === 0 || b[0] === 0x2e) return null;
  let s: string;
  try {
    s = UTF8.decode(b);
  } catch {
    return null;
  }
  return /[\p{Cc}/\\]/u.test(s) ? null : s;
}

/** What oxd should count, message by message. */
class Model {
  invalid: Record<string, number> = {};
  typeInvalid = 0;
  received = 0;
  bytes = 0;
  perType = new Map<string, number>();
  /** Accepted bodies by type, then by connection, in sending order. */
  bodies = new Map<string, Buffer[][]>();
  conn = 0;
  /** Messages that passed every other rule, waiting for the verdict on their body. */
  private pending: Array<{ type: string; conn: number; body: Buffer }> = [];

  private drop(reason: string): void {
    this.invalid[reason] = (this.invalid[reason] ?? 0) + 1;
  }

  get invalidTotal(): number {
    return Object.values(this.invalid).reduce((a, b) => a + b, 0) + this.typeInvalid;
  }

  message(frames: Buffer[]): void {
    if (frames.length !== 2) return this.drop('frame-count');
    const [meta, body] = frames;
    if (meta.length !== 137) return this.drop('meta-size');
    if (meta[0] !== 3) return this.drop('meta-version');
    if (meta[9] > 63 || meta[73] > 63) return this.drop('meta-field');
    const type = acceptedType(meta.subarray(74, 74 + meta[73]));
    if (type === null) {
      this.typeInvalid++;
      return;
    }
    if (body.length === 0) return this.drop('empty-body');
    this.pending.push({ type, conn: this.conn, body });
  }

  /** A body is written when Python's strict reader decodes it to exactly one map. */
  async judgeBodies(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const verdicts = await strictVerdicts(pending.map((m) => m.body));
    pending.forEach(({ type, conn, body }, i) => {
      if (!verdicts[i]) return this.drop('body-malformed');
      this.received++;
      this.bytes += body.length;
      this.perType.set(type, (this.perType.get(type) ?? 0) + 1);
      if (!this.bodies.has(type)) this.bodies.set(type, []);
      const byConn = this.bodies.get(type)!;
      while (byConn.length <= conn) byConn.push([]);
      byConn[conn].push(body);
    });
  }
}

/** Groups one connection's frames into messages; a message left open at the end is never counted. */
function feed(model: Model, frames: Frame[]): void {
  let open: Buffer[] = [];
  for (const f of frames) {
    open.push(f.body);
    if (!f.more) {
      model.message(open);
      open = [];
    }
  }
}

const NAME_CHARS = ['a', 'b', '.', '-', '/', '\\', '\0', '\x01', '\x1f', '\x7f', '\u0085', '\u00a0', 'é', '日', '\u202e', ' ', '~', ':'];

function generate(rand: () => number, conn: number, count: number): Frame[] {
  const int = (n: number): number => Math.floor(rand() * n);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  const frames: Frame[] = [];
  for (let i = 0; i < count; i++) {
    if (rand() < 0.5) {
      // A random frame; sometimes a random meta-sized frame with version 3 to get further in.
      const body = rand() < 0.2 ? Buffer.concat([Buffer.from([3]), bytes(136)]) : bytes(int(301));
      if (body.length === 137 && rand() < 0.8) {
        body[9] = int(72);
        body[73] = int(72);
      }
      frames.push({ more: rand() < 0.5, long: rand() < 0.2, body });
      continue;
    }
    const [meta, body] = eventFrames({
      type: pick(['fz.request', 'fz.request.db', 'fz-log', 'ünï']),
      host: pick(['h1', 'host-2', 'ħ']),
      body: { conn, i, s: bytes(int(40)).toString('latin1') },
    });
    let msg: Buffer[] = [meta, body];
    const mutations = rand() < 0.15 ? 0 : 1 + int(3);
    for (let m = 0; m < mutations; m++) {
      const which = int(14);
      const target = msg[int(msg.length)] ?? meta;
      if (which === 0 && target.length) target[int(target.length)] ^= 1 + int(255);
      else if (which === 1) target[73] = int(256) & 0xff; // type length
      else if (which === 2) target[0] = int(256); // version
      else if (which === 3) bytes(1 + int(20)).copy(target, 74 + int(40)); // type bytes
      else if (which === 4) msg = msg.map((f) => (f === target ? f.subarray(0, int(f.length + 1)) : f)); // truncate
      else if (which === 5 && msg.length) msg.push(pick(msg)); // duplicate a frame
      else if (which === 6) msg.splice(int(msg.length), 1); // drop a frame
      else if (which === 7) msg = [Buffer.concat(msg)]; // frames glued together
      else if (which === 8 && msg.length) msg = [msg[0], Buffer.alloc(0)]; // empty body
      else if (which === 9) target[9] = int(256); // host length
      else if (which === 10) target.fill(int(256), int(target.length)); // overwrite a tail
      else if (which === 11 && target.length === 137) {
        // A name built from the characters the rules are about, with its length byte right.
        const name = Buffer.from(Array.from({ length: int(12) }, () => pick(NAME_CHARS)).join(''), 'utf8').subarray(0, 63);
        target.fill(0, 73);
        target[73] = name.length;
        name.copy(target, 74);
      } else if (which >= 12 && msg.length > 1) msg = [msg[0], fuzzBody(rand), ...msg.slice(2)]; // a fuzzed body
    }
    msg = msg.map((f) => Buffer.from(f));
    if (msg.length === 0) msg = [Buffer.alloc(0)];
    msg.forEach((body, k) => frames.push({ more: k < msg.length - 1, long: rand() < 0.1, body }));
  }
  return frames;
}

/** True when `file` is the sequences of `seqs` interleaved, each kept whole and in order. */
function isInterleaving(file: Buffer, seqs: Buffer[][]): boolean {
  const next = seqs.map(() => 0);
  const failed = new Set<string>();
  const go = (pos: number): boolean => {
    if (pos === file.length) return next.every((k, c) => k === seqs[c].length);
    const key = `${pos}:${next.join(',')}`;
    if (failed.has(key)) return false;
    for (let c = 0; c < seqs.length; c++) {
      const b = seqs[c][next[c]];
      if (b !== undefined && pos + b.length <= file.length && file.compare(b, 0, b.length, pos, pos + b.length) === 0) {
        next[c]++;
        if (go(pos + b.length)) return true;
        next[c]--;
      }
    }
    failed.add(key);
    return false;
  };
  return go(0);
}

async function writeInPieces(peer: ZmtpPeer, bytes: Buffer, rand: () => number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(rand() * (rand() < 0.1 ? 16 : 8192));
    await peer.writeRaw(bytes.subarray(at, at + n));
    at += n;
  }
}

test('random frames and mutated events are all accounted for, and oxd keeps serving', async (t) => {
  const root = tempDir('blueox-fuzz-');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const logPath = path.join(root, 'log');
  const oxd = await startOxd({ logPath });
  t.teardown(() => oxd.stop());
  const model = new Model();
  const conns = 5;
  let sentFrames = 0;

  await Promise.all(
    Array.from({ length: conns }, async (_, c) => {
      const rand = mulberry32(SEED * 31 + c);
      const frames = generate(rand, c, 1200);
      frames.push({ more: false, long: false, body: Buffer.alloc(0) }); // closes any open message
      let tail = Buffer.alloc(0);
      if (c === conns - 1) {
        // The last connection hangs up inside a message, in the middle of a frame.
        frames.push({ more: true, long: false, body: Buffer.alloc(137, 3) });
        tail = Buffer.from([0x00, 200, ...Buffer.alloc(100, 0x61)]);
      }
      model.conn = c;
      feed(model, frames);
      sentFrames += frames.length;
      const peer = await ZmtpPeer.connect(oxd.collect);
      t.teardown(() => peer.destroy());
      await writeInPieces(peer, Buffer.concat([encode(frames), tail]), rand);
      await peer.end(); // oxd closes its side once it has read everything
    }),
  );
  await model.judgeBodies();
  const msg = `seed ${SEED} (HOSTILE_SEED=${SEED} to reproduce), ${sentFrames} frames`;
  t.log(`${msg}: ${model.received} accepted (${model.perType.size} types), ${model.typeInvalid} bad type names, ${JSON.stringify(model.invalid)}`);

  const s = await oxd.waitForStatus((st) => st.totals.received + st.totals.invalid >= model.received + model.invalidTotal && st.totals.written >= st.totals.received);
  t.is(s.totals.received, model.received, msg);
  t.is(s.totals.invalid, model.invalidTotal, msg);
  for (const reason of ['frame-count', 'meta-size', 'meta-version', 'meta-field', 'empty-body', 'body-malformed', 'oversized']) {
    t.is(s.invalid[reason] ?? 0, model.invalid[reason] ?? 0, `${reason}: ${msg}`);
  }
  const typeReasons = Object.entries<number>(s.invalid).filter(([k]) => k.startsWith('type-'));
  t.is(typeReasons.reduce((n, [, v]) => n + v, 0), model.typeInvalid, `type-* reasons ${JSON.stringify(typeReasons)}: ${msg}`);
  t.is(s.totals.bytes, model.bytes, msg);
  t.is(s.totals.written, s.totals.received, msg);
  const seen = Object.entries<any>(s.events).filter(([, e]) => e.received > 0);
  t.deepEqual(Object.fromEntries(seen.map(([k, e]) => [k, e.received])), Object.fromEntries(model.perType), msg);
  t.is(s.collect.protocol_errors, 0, msg);
  t.is(s.collect.accepted, conns, msg);
  t.true(
    model.received > 100 && model.typeInvalid > 50 && model.invalid['frame-count'] > 100 && model.invalid['body-malformed'] > 100,
    `the fuzz reached every stage: ${JSON.stringify(model.invalid)}`,
  );

  // Every accepted body is in its type's file, unchanged and in order; nothing else anywhere.
  const files = listFiles(logPath);
  t.deepEqual(fs.readdirSync(root), ['log'], msg);
  for (const f of files) t.regex(f, /^\d{8}\/.+-\d{8}\.log$/, msg);
  const byType = new Map<string, Buffer[]>();
  for (const f of files) {
    const type = path.basename(f).replace(/-\d{8}\.log$/, '');
    byType.set(type, [...(byType.get(type) ?? []), fs.readFileSync(path.join(logPath, f))]);
  }
  t.deepEqual([...byType.keys()].sort(), [...model.bodies.keys()].sort(), msg);
  for (const [type, byConn] of model.bodies) {
    const written = Buffer.concat(byType.get(type) ?? []);
    t.true(isInterleaving(written, byConn), `${JSON.stringify(type)}: the file is not the bodies of each connection in order: ${msg}`);
  }
  t.deepEqual(await unreadableFiles(files.map((f) => path.join(logPath, f))), [], `Python reads every file to the end: ${msg}`);

  // Alive, and a clean event on a fresh connection is written correctly.
  t.is(oxd.child.exitCode, null);
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const [meta, body] = eventFrames({ type: 'fuzz-final', body: { ok: true } });
  await peer.send([meta, body]);
  const after = await oxd.waitForStatus((st) => st.events['fuzz-final']?.written === 1);
  t.is(after.totals.received, model.received + 1);
  const final = listFiles(logPath).filter((f) => f.includes('fuzz-final-'));
  t.is(final.length, 1);
  t.true(fs.readFileSync(path.join(logPath, final[0])).equals(body));
});

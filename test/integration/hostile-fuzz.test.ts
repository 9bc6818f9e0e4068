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
import { CollectModel, isInterleaving } from '../helpers/collect-oracle';
import { encodeFrames, feed, frame, generate, writeInPieces } from '../helpers/collect-fuzz';
import { eventFrames, listFiles } from '../helpers/events';
import { startOxd, tempDir } from '../helpers/oxd-process';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { mulberry32, SEED } from '../helpers/random';
import { unreadableFiles } from '../helpers/strict-msgpack';

test('random frames and mutated events are all accounted for, and oxd keeps serving', async (t) => {
  const root = tempDir('blueox-fuzz-');
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const logPath = path.join(root, 'log');
  const oxd = await startOxd({ logPath });
  t.teardown(() => oxd.stop());
  const model = new CollectModel();
  const conns = 5;
  model.connections = conns;
  let sentFrames = 0;

  await Promise.all(
    Array.from({ length: conns }, async (_, c) => {
      const rand = mulberry32(SEED * 31 + c);
      const frames = generate(rand, c, 1200);
      frames.push(frame(Buffer.alloc(0))); // closes any open message
      let tail = Buffer.alloc(0);
      if (c === conns - 1) {
        // The last connection hangs up inside a message, in the middle of a frame.
        frames.push(frame(Buffer.alloc(137, 3), true));
        tail = Buffer.from([0x00, 200, ...Buffer.alloc(100, 0x61)]);
      }
      feed(model, frames, c);
      sentFrames += frames.length;
      const peer = await ZmtpPeer.connect(oxd.collect);
      t.teardown(() => peer.destroy());
      await writeInPieces(peer, Buffer.concat([encodeFrames(frames), tail]), rand);
      await peer.end(); // oxd closes its side once it has read everything
    }),
  );
  await model.judgeBodies();
  const msg = `seed ${SEED} (HOSTILE_SEED=${SEED} to reproduce), ${sentFrames} frames`;
  t.log(`${msg}: ${model.received} accepted (${model.perType.size} types), ${model.typeInvalid} bad type names, ${JSON.stringify(model.invalid)}`);

  const s = await oxd.waitForStatus((st) => st.totals.received + st.totals.invalid >= model.received + model.invalidTotal && st.totals.written >= st.totals.received);
  t.deepEqual(model.compare(s), [], msg);
  t.is(s.totals.written, s.totals.received, msg);
  const seen = Object.entries<any>(s.events).filter(([, e]) => e.received > 0);
  t.deepEqual(Object.fromEntries(seen.map(([k, e]) => [k, e.received])), Object.fromEntries(model.perType), msg);
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

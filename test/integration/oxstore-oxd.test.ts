/**
 * oxstore zip while a real oxd writes into the same log path: the file oxd
 * writes is never touched (same inode, never renamed, archived or removed;
 * oxd never had to reopen anything), and every event sent is in the files
 * afterwards, as oxd's STATUS says.
 *
 * To make oxd write a file whose day is already over (so that only the
 * open-for-writing check stands between it and zip), one oxd runs with its
 * clock three days behind: a preload script (written here, passed through
 * NODE_OPTIONS) shifts Date.now.
 */
import test from 'ava';
import { decodeMulti } from '@msgpack/msgpack';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { eventFrames, listFiles, utcDay } from '../helpers/events';
import { REPO, startOxd, tempDir } from '../helpers/oxd-process';
import { openFiles } from '../helpers/proc';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const DAY = 86_400_000;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original', 'daily');
const dayAgo = (n: number): string => utcDay(Date.now() - n * DAY);

function place(root: string, day: string): void {
  fs.mkdirSync(path.join(root, day), { recursive: true });
  for (const name of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, name), path.join(root, day, name.replace('20261121', day)));
}

/** Sends `request` events numbered 0, 1, 2… until stopped; resolves with how many were sent. */
function keepSending(peer: ZmtpPeer): { stop: () => Promise<number> } {
  let n = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      for (let k = 0; k < 20; k++) await peer.send(eventFrames({ type: 'request', body: { i: n++ } }));
      await new Promise((r) => setImmediate(r));
    }
  })();
  return { stop: async () => ((running = false), await loop, n) };
}

function numbersIn(file: string): number[] {
  const bytes = file.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(file)) : fs.readFileSync(file);
  return [...decodeMulti(bytes)].map((e: any) => e.body.i);
}

/** Runs zip three times while oxd keeps writing `file`; each run must keep it, for `reason`. */
async function zipWhileWriting(t: any, root: string, file: string, reason: string): Promise<void> {
  const ino = fs.statSync(file).ino;
  for (let run = 0; run < 3; run++) {
    const before = fs.statSync(file).size;
    const r = await runTool('oxstore', ['zip', '-v', '-p', root]);
    t.is(r.code, 0, r.stderr);
    t.true(r.stdout.includes(`kept ${path.relative(root, file)}: ${reason}`), r.stdout);
    t.is(fs.statSync(file).ino, ino, 'the file oxd writes is the same file');
    t.true(fs.statSync(file).size >= before, 'and it only grew');
    t.false(fs.existsSync(`${file}.gz`));
    t.false(fs.existsSync(`${file}.gz.tmp`));
  }
}

test('zip never touches the file oxd is writing, even when its day is over, and no event is lost', async (t) => {
  const root = path.join(tempDir(), 'log');
  const dir = tempDir();
  const preload = path.join(dir, 'three-days-ago.js');
  fs.writeFileSync(preload, 'const real = Date.now; Date.now = () => real() - 3 * 86400000;\n');
  const [d5, d4, d3, d1] = [dayAgo(5), dayAgo(4), dayAgo(3), dayAgo(1)];
  place(root, d5);
  place(root, d4);
  place(root, d1); // newer than what oxd writes: oxd's file is not the newest of its type
  const oxd = await startOxd({ logPath: root, env: { NODE_OPTIONS: `--require ${preload}` } });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const sender = keepSending(peer);
  const file = path.join(root, d3, `request-${d3}.log`);
  await oxd.waitForStatus((s) => s.totals.written >= 200);
  t.true(openFiles(oxd.pid).includes(file), `oxd writes ${file}`);

  await zipWhileWriting(t, root, file, `open for writing by pid ${oxd.pid}`);
  const sent = await sender.stop();
  const status = await oxd.waitForStatus((s) => s.totals.written === sent);
  t.is(status.totals.dropped, 0);
  t.is(status.sinks.file.reopened, 0, 'oxd never found its file moved or removed');
  t.deepEqual(numbersIn(file), Array.from({ length: sent }, (_, k) => k));
  t.true(listFiles(root).includes(`${d5}/request-${d5}.log.gz`), 'the old files were zipped meanwhile');
  t.true(listFiles(root).includes(`${d4}/request.db-${d4}.log.gz`));
  t.true(listFiles(root).includes(`${d1}/request-${d1}.log`), 'the newest file is kept');

  t.is((await oxd.stop()).code, 0);
  const after = await runTool('oxstore', ['zip', '-p', root]);
  t.is(after.code, 0, after.stderr);
  t.false(fs.existsSync(file));
  t.deepEqual(numbersIn(`${file}.gz`), Array.from({ length: sent }, (_, k) => k), 'once oxd let go, the archive holds every event');
});

test("zip while oxd writes today's file: old files are archived, today's is untouched and complete", async (t) => {
  const root = path.join(tempDir(), 'log');
  const [d3, d2, today] = [dayAgo(3), dayAgo(2), utcDay()];
  place(root, d3);
  place(root, d2);
  const oxd = await startOxd({ logPath: root });
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const sender = keepSending(peer);
  const file = path.join(root, today, `request-${today}.log`);
  await oxd.waitForStatus((s) => s.totals.written >= 200);
  await zipWhileWriting(t, root, file, 'the newest request file');
  const sent = await sender.stop();
  const status = await oxd.waitForStatus((s) => s.totals.written === sent);
  t.is(status.totals.dropped, 0);
  t.is(status.sinks.file.reopened, 0);
  t.deepEqual(numbersIn(file), Array.from({ length: sent }, (_, k) => k));
  for (const d of [d3, d2]) t.true(listFiles(root).includes(`${d}/request-${d}.log.gz`));
  t.is((await oxd.stop()).code, 0);
});

/**
 * oxstore zip interrupted for real (kill -9) while compressing a large file,
 * and right after its archive appeared: every moment leaves the original
 * intact or a complete archive, and the next run finishes the job. Then the
 * left-overs an interrupted run can leave, built by hand: a .tmp, an original
 * next to its complete archive, next to a cut-off one, and next to one that
 * holds other data.
 */
import test from 'ava';
import { encode } from '@msgpack/msgpack';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { listFiles, utcDay } from '../helpers/events';
import { REPO, tempDir } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { runTool, toolPath } from '../helpers/tool';

const DAY = 86_400_000;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original', 'daily');
const dayAgo = (n: number): string => utcDay(Date.now() - n * DAY);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function place(root: string, day: string): void {
  fs.mkdirSync(path.join(root, day), { recursive: true });
  for (const name of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, name), path.join(root, day, name.replace('20261121', day)));
}

let big: { bytes: Buffer; digest: string } | null = null;

/** About 48 MB of request events with incompressible-ish bodies, so that gzip takes a while (made once). */
function writeBigLog(file: string): string {
  if (big === null) {
    const pad = randomBytes(48 * 512 * 1024).toString('hex');
    const parts: Buffer[] = [];
    for (let i = 0, at = 0; at < pad.length; i++, at += 4000) {
      parts.push(Buffer.from(encode({ id: i.toString(16).padStart(32, '0'), type: 'request', host: 'h', pid: 1, start: i, end: i, body: { i, pad: pad.slice(at, at + 4000) } })));
    }
    const bytes = Buffer.concat(parts);
    big = { bytes, digest: sha(bytes) };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, big.bytes);
  return big.digest;
}

/** A log path with one large file three days old (not the newest: fixtures two days old follow it). */
function bigSetup(): { root: string; file: string; digest: string } {
  const root = tempDir();
  const d3 = dayAgo(3);
  const file = path.join(root, d3, `request-${d3}.log`);
  const digest = writeBigLog(file);
  place(root, dayAgo(2));
  return { root, file, digest };
}

function startZip(t: any, root: string) {
  const child = spawn(process.execPath, [toolPath('oxstore'), 'zip', '-p', root], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  t.teardown(() => child.kill('SIGKILL'));
  return { child, exited };
}

const gunzipDigest = (file: string): string => sha(zlib.gunzipSync(fs.readFileSync(file)));

// Serial: the polls that catch a zip in the middle must not wait behind other tests' work.
test.serial('kill -9 while the .gz.tmp is written: the original is intact; the next run takes over the lock, removes the .tmp and completes', async (t) => {
  const { root, file, digest } = bigSetup();
  const { child, exited } = startZip(t, root);
  await waitUntil(() => fs.existsSync(`${file}.gz.tmp`) && fs.statSync(`${file}.gz.tmp`).size > 0, 'the .tmp is being written', 30_000);
  child.kill('SIGSTOP');
  t.true(fs.existsSync(`${file}.gz.tmp`), 'stopped in the middle of compressing');
  t.false(fs.existsSync(`${file}.gz`));
  t.is(JSON.parse(fs.readFileSync(path.join(root, '.oxstore.lock'), 'utf8')).pid, child.pid);
  child.kill('SIGKILL');
  t.is(await exited, 'SIGKILL');
  t.is(sha(fs.readFileSync(file)), digest, 'the original is untouched');

  const next = await runTool('oxstore', ['zip', '-p', root]);
  t.is(next.code, 0, next.stderr);
  const rel = path.relative(root, file);
  t.true(next.stdout.includes(`removed ${rel}.gz.tmp (left by an interrupted run)`), next.stdout);
  t.true(next.stdout.includes(`zipped ${rel} → `), next.stdout);
  t.false(fs.existsSync(file));
  t.false(fs.existsSync(`${file}.gz.tmp`));
  t.is(gunzipDigest(`${file}.gz`), digest);
  t.false(fs.existsSync(path.join(root, '.oxstore.lock')), 'the stale lock was taken over and released');
});

test.serial('kill -9 once the archive is in place: original or complete archive, never neither; the next run finishes', async (t) => {
  const { root, file, digest } = bigSetup();
  const { child, exited } = startZip(t, root);
  await waitUntil(() => fs.existsSync(`${file}.gz`), 'the archive is renamed into place', 30_000);
  child.kill('SIGSTOP');
  const originalLeft = fs.existsSync(file);
  if (originalLeft) t.is(sha(fs.readFileSync(file)), digest);
  t.is(gunzipDigest(`${file}.gz`), digest, 'the archive is complete as soon as it has its name');
  child.kill('SIGKILL');
  await exited; // killed, or (on a very slow machine) finished just before the stop

  const next = await runTool('oxstore', ['zip', '-p', root]);
  t.is(next.code, 0, next.stderr);
  if (originalLeft) t.regex(next.stdout, /removed \d{8}\/request-\d{8}\.log: .* holds all of it \(left by an interrupted run\)/);
  t.false(fs.existsSync(file));
  t.is(gunzipDigest(`${file}.gz`), digest);
  t.log(originalLeft ? 'stopped between the rename and the removal of the original' : 'stopped after the original was removed');
});

test('left-overs: a .tmp goes, an original next to its complete archive goes, a cut-off archive is redone, a different one is left with both', async (t) => {
  const root = tempDir();
  const d3 = dayAgo(3);
  place(root, d3);
  place(root, dayAgo(2));
  const at = (type: string): string => path.join(root, d3, `${type}-${d3}.log`);
  const original = (type: string): Buffer => fs.readFileSync(at(type));
  fs.writeFileSync(`${at('request')}.gz.tmp`, 'half an archive');
  fs.writeFileSync(`${at('request.db')}.gz`, zlib.gzipSync(original('request.db')));
  const cache = original('request.cache');
  fs.writeFileSync(`${at('request.cache')}.gz`, zlib.gzipSync(cache.subarray(0, 1000)));
  const other = zlib.gzipSync(Buffer.from('not the same events'));
  fs.writeFileSync(`${at('request.log')}.gz`, other);
  const logBytes = original('request.log');

  const r = await runTool('oxstore', ['zip', '-p', root]);
  t.is(r.code, 1, 'a pair that disagrees needs a person');
  const rel = (type: string): string => `${d3}/${type}-${d3}.log`;
  t.true(r.stdout.includes(`removed ${rel('request')}.gz.tmp (left by an interrupted run)`), r.stdout);
  t.true(r.stdout.includes(`removed ${rel('request.db')}: ${rel('request.db')}.gz holds all of it`), r.stdout);
  t.regex(r.stdout, new RegExp(`re-zipped ${rel('request.cache').replace(/\./g, '\\.')} → .*: the archive there held only 1000 of ${cache.length} bytes`));
  t.true(r.stdout.includes(`zipped ${rel('request')} → `), r.stdout);
  t.regex(r.stderr, new RegExp(`${rel('request.log').replace(/\./g, '\\.')}: .*also exists and holds other data.*left both`));
  t.deepEqual(zlib.gunzipSync(fs.readFileSync(`${at('request.cache')}.gz`)), cache);
  t.false(fs.existsSync(at('request.cache')));
  t.false(fs.existsSync(at('request.db')));
  t.deepEqual(fs.readFileSync(at('request.log')), logBytes);
  t.deepEqual(fs.readFileSync(`${at('request.log')}.gz`), other);
  t.deepEqual(listFiles(path.join(root, d3)), ['request', 'request.cache', 'request.db', 'request.log'].map((ty) => `${ty}-${d3}.log.gz`).concat(`request.log-${d3}.log`).sort());
});

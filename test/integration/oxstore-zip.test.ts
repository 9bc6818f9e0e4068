/**
 * oxstore zip on real files in the original's format: which files are
 * compressed (all but the newest of each type, only once their day is over,
 * never while open for writing), that the archives are gzip with the
 * original's bytes, mode and mtime, --dry-run, and progress.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, utcDay } from '../helpers/events';
import { REPO, tempDir } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';

const DAY = 86_400_000;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original');
const dayAgo = (n: number): string => utcDay(Date.now() - n * DAY);

/** Copies the original's daily (or hourly) files into <root>/<day>/, renamed to `day`; returns their relative paths. */
function place(root: string, kind: 'daily' | 'hourly', day: string, hour?: string): string[] {
  fs.mkdirSync(path.join(root, day), { recursive: true });
  return fs.readdirSync(path.join(FIXTURES, kind)).map((name) => {
    const rel = `${day}/${name.replace(/20261121(06)?/, hour === undefined ? `${day}$1` : `${day}${hour}`)}`;
    fs.copyFileSync(path.join(FIXTURES, kind, name), path.join(root, rel));
    return rel;
  });
}

const fixture = (kind: string, name: string): Buffer => fs.readFileSync(path.join(FIXTURES, kind, name));
const zcat = (file: string): Buffer => execFileSync('zcat', [file], { maxBuffer: 1 << 30 });
const TYPES = ['request', 'request.cache', 'request.db', 'request.log'];

test('zip compresses all but the newest file of each type; the archives are gzip of the same bytes, with mode and mtime kept', async (t) => {
  const root = tempDir();
  const [d3, d2, today] = [dayAgo(3), dayAgo(2), utcDay()];
  place(root, 'daily', d3);
  place(root, 'daily', d2);
  place(root, 'daily', today);
  const marked = path.join(root, d3, `request.db-${d3}.log`);
  fs.chmodSync(marked, 0o640);
  fs.utimesSync(marked, 1_700_000_000.25, 1_700_000_000.5);

  const r = await runTool('oxstore', ['zip', '-p', root]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  const expected = [
    ...[d3, d2].flatMap((d) => TYPES.map((ty) => `${d}/${ty}-${d}.log.gz`)),
    ...TYPES.map((ty) => `${today}/${ty}-${today}.log`),
  ].sort();
  t.deepEqual(listFiles(root), expected, 'no .tmp, no lock, no original left next to an archive');
  for (const d of [d3, d2]) {
    for (const ty of TYPES) {
      t.deepEqual(zcat(path.join(root, d, `${ty}-${d}.log.gz`)), fixture('daily', `${ty}-20261121.log`));
      t.regex(r.stdout, new RegExp(`zipped ${d}/${ty.replace('.', '\\.')}-${d}\\.log → `));
    }
  }
  const st = fs.statSync(`${marked}.gz`);
  t.is(st.mode & 0o777, 0o640);
  t.true(Math.abs(st.mtimeMs - 1_700_000_000_500) < 1, `mtime ${st.mtimeMs}`);
  t.regex(r.stdout, /zip: 8 zipped .*0 failed/);
});

test('--dry-run lists what would be zipped and kept, and changes nothing', async (t) => {
  const root = tempDir();
  place(root, 'daily', dayAgo(2));
  place(root, 'daily', utcDay());
  const snapshot = (): string[] => listFiles(root).map((f) => `${f} ${fs.statSync(path.join(root, f)).size} ${fs.statSync(path.join(root, f)).mtimeMs}`);
  const before = snapshot();
  const r = await runTool('oxstore', ['zip', '--dry-run', '-p', root]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(snapshot(), before);
  for (const ty of TYPES) {
    t.true(r.stdout.includes(`would zip ${dayAgo(2)}/${ty}-${dayAgo(2)}.log`), r.stdout);
    t.true(r.stdout.includes(`kept ${utcDay()}/${ty}-${utcDay()}.log: the newest ${ty} file`), r.stdout);
  }
  t.regex(r.stdout, /nothing changed/);
});

test('hourly files wait for their whole day to be over, even when a later hour exists', async (t) => {
  const root = tempDir();
  const [yesterday, today] = [dayAgo(2), utcDay()]; // two days back: yesterday's may still be in its 15-minute margin
  for (const [day, hour] of [[yesterday, '06'], [yesterday, '09'], [today, '00'], [today, '03']]) place(root, 'hourly', day, hour);
  const r = await runTool('oxstore', ['zip', '-v', '-p', root]);
  t.is(r.code, 0, r.stderr);
  const files = listFiles(root);
  for (const ty of TYPES) {
    t.true(files.includes(`${yesterday}/${ty}-${yesterday}06.log.gz`));
    t.true(files.includes(`${yesterday}/${ty}-${yesterday}09.log.gz`));
    t.true(files.includes(`${today}/${ty}-${today}00.log`));
    t.true(files.includes(`${today}/${ty}-${today}03.log`));
    t.true(r.stdout.includes(`kept ${today}/${ty}-${today}00.log: its day is not over`), r.stdout);
    t.deepEqual(zcat(path.join(root, yesterday, `${ty}-${yesterday}09.log.gz`)), fixture('hourly', `${ty}-2026112106.log`));
  }
});

test('a file some process has open for writing is kept; one open only for reading is not', async (t) => {
  const root = tempDir();
  const [d3, d2] = [dayAgo(3), dayAgo(2)];
  place(root, 'daily', d3);
  place(root, 'daily', d2);
  const written = path.join(root, d3, `request-${d3}.log`);
  const read = path.join(root, d3, `request.db-${d3}.log`);
  const wfd = fs.openSync(written, 'a');
  const rfd = fs.openSync(read, 'r');
  try {
    const r = await runTool('oxstore', ['zip', '-v', '-p', root]);
    t.is(r.code, 0, r.stderr);
    t.true(r.stdout.includes(`kept ${d3}/request-${d3}.log: open for writing by pid ${process.pid}`), r.stdout);
    t.true(fs.existsSync(written));
    t.false(fs.existsSync(`${written}.gz`));
    t.true(fs.existsSync(`${read}.gz`));
    t.false(fs.existsSync(read));
  } finally {
    fs.closeSync(wfd);
    fs.closeSync(rfd);
  }
  const again = await runTool('oxstore', ['zip', '-p', root]);
  t.is(again.code, 0, again.stderr);
  t.deepEqual(zcat(`${written}.gz`), fixture('daily', 'request-20261121.log'));
  t.regex(again.stdout, /zip: 1 zipped/);
});

test("the original's .bz2 archives are left as they are, and a second run has nothing to do", async (t) => {
  const root = tempDir();
  const d4 = dayAgo(4);
  fs.mkdirSync(path.join(root, d4));
  const bz2 = path.join(root, d4, `request.db-${d4}.log.bz2`);
  fs.copyFileSync(path.join(FIXTURES, 'archived', 'request.db-20261121.log.bz2'), bz2);
  place(root, 'daily', dayAgo(2));
  place(root, 'daily', utcDay());
  const first = await runTool('oxstore', ['zip', '-p', root]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /zip: 4 zipped/);
  t.deepEqual(fs.readFileSync(bz2), fs.readFileSync(path.join(FIXTURES, 'archived', 'request.db-20261121.log.bz2')));
  const before = listFiles(root);
  const second = await runTool('oxstore', ['zip', '-p', root]);
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /^zip: 0 zipped; 0 finished, 4 kept, 0 failed/m);
  t.deepEqual(listFiles(root), before);
});

test('--progress reports files, bytes and speed on stderr; without it and without a terminal, nothing', async (t) => {
  const root = tempDir();
  place(root, 'daily', dayAgo(3));
  place(root, 'daily', dayAgo(2));
  place(root, 'daily', utcDay());
  const quietRoot = tempDir();
  place(quietRoot, 'daily', dayAgo(2));
  place(quietRoot, 'daily', utcDay());
  const shown = await runTool('oxstore', ['zip', '--progress', '-p', root]);
  t.is(shown.code, 0, shown.stderr);
  const lines = shown.stderr.trim().split('\n');
  t.true(lines.every((l) => /^zip: \d+\/8 files, [\d.]+ (B|KiB) of 56\.3 KiB, [\d.]+ MB\/s$/.test(l)), shown.stderr);
  t.regex(lines[lines.length - 1], /^zip: 8\/8 files, 56\.3 KiB of 56\.3 KiB/);
  const silent = await runTool('oxstore', ['zip', '-p', quietRoot]);
  t.is(silent.code, 0);
  t.is(silent.stderr, '');
  t.regex(silent.stdout, /zip: 4 zipped/);
});

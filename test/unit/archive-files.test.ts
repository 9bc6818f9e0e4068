/**
 * The file-level pieces of zip, in-process on real temp files: gzipFile
 * (atomic, keeps mode and times), compareArchive (equal, prefix, differ,
 * damaged; .gz and the original's .bz2) and findWriters (/proc).
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { compareArchive } from '../../src/archive/compare';
import { gzipFile, temporaryInProgress } from '../../src/archive/gzip-file';
import { fileKey, findWriters } from '../../src/archive/writers';
import { REPO, tempDir } from '../helpers/oxd-process';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original');
const ORIGINAL = fs.readFileSync(path.join(FIXTURES, 'daily', 'request.db-20261121.log'));

function original(dir = tempDir()): string {
  const file = path.join(dir, 'request.db-20261101.log');
  fs.writeFileSync(file, ORIGINAL);
  return file;
}

test('gzipFile writes NAME.gz through NAME.gz.tmp, with the same bytes, mode and times, and leaves the original', async (t) => {
  const file = original();
  fs.chmodSync(file, 0o604);
  fs.utimesSync(file, 1_600_000_000.5, 1_700_000_000.75);
  const seen: number[] = [];
  const r = await gzipFile(file, (n) => seen.push(n));
  t.is(r.archive, `${file}.gz`);
  t.deepEqual(zlib.gunzipSync(fs.readFileSync(r.archive)), ORIGINAL);
  t.is(r.archiveBytes, fs.statSync(r.archive).size);
  t.is(Number(r.original.size), ORIGINAL.length);
  t.is(seen.reduce((a, b) => a + b, 0), ORIGINAL.length);
  t.deepEqual(fs.readFileSync(file), ORIGINAL);
  t.false(fs.existsSync(`${file}.gz.tmp`));
  t.is(temporaryInProgress(), null);
  const st = fs.statSync(r.archive);
  t.is(st.mode & 0o777, 0o604);
  t.true(Math.abs(st.mtimeMs - 1_700_000_000_750) < 1);
});

test('gzipFile refuses to reuse an existing .tmp (O_EXCL) and an empty file makes a valid empty archive', async (t) => {
  const file = original();
  fs.writeFileSync(`${file}.gz.tmp`, 'someone else');
  await t.throwsAsync(gzipFile(file), { code: 'EEXIST' });
  t.is(fs.readFileSync(`${file}.gz.tmp`, 'utf8'), 'someone else');
  t.false(fs.existsSync(`${file}.gz`));
  const empty = path.join(tempDir(), 'request-20261101.log');
  fs.writeFileSync(empty, '');
  const r = await gzipFile(empty);
  t.is(zlib.gunzipSync(fs.readFileSync(r.archive)).length, 0);
});

test('compareArchive: equal, a prefix (cut-off archive or grown original), different, damaged, longer', async (t) => {
  const dir = tempDir();
  const file = original(dir);
  const gz = (name: string, bytes: Buffer): string => {
    fs.writeFileSync(path.join(dir, name), bytes);
    return path.join(dir, name);
  };
  const full = zlib.gzipSync(ORIGINAL);
  t.like(await compareArchive(gz('a.gz', full), file), { verdict: 'equal', matched: ORIGINAL.length, error: null });
  t.like(await compareArchive(gz('b.gz', zlib.gzipSync(ORIGINAL.subarray(0, 1000))), file), { verdict: 'prefix', matched: 1000 });
  const differ = Buffer.from(ORIGINAL);
  differ[500] ^= 0xff;
  t.like(await compareArchive(gz('c.gz', zlib.gzipSync(differ)), file), { verdict: 'differ' });
  const cut = await compareArchive(gz('d.gz', full.subarray(0, full.length - 10)), file);
  t.is(cut.verdict, 'prefix', 'a cut-off archive holds a prefix, and says why it stopped');
  t.regex(cut.error ?? '', /unexpected end of file/);
  t.like(await compareArchive(gz('e.gz', zlib.gzipSync(Buffer.concat([ORIGINAL, Buffer.from('more')]))), file), { verdict: 'differ' });
  t.like(await compareArchive(gz('f.gz', full), file, 1000), { verdict: 'differ' }, 'against the first 1000 bytes only');
  const db = path.join(dir, 'request.db-20261121.log');
  fs.writeFileSync(db, ORIGINAL);
  t.like(await compareArchive(path.join(FIXTURES, 'archived', 'request.db-20261121.log.bz2'), db), { verdict: 'equal' });
});

test('findWriters sees a descriptor open for writing (by inode), not one open for reading', (t) => {
  const file = original();
  const key = fileKey(fs.statSync(file, { bigint: true }));
  const other = fileKey(fs.statSync(original(), { bigint: true }));
  const rfd = fs.openSync(file, 'r');
  try {
    t.deepEqual(findWriters(new Set([key])).writers.get(key), undefined);
    const wfd = fs.openSync(file, 'r+');
    try {
      const scan = findWriters(new Set([key, other]));
      t.deepEqual(scan.writers.get(key), [process.pid]);
      t.false(scan.writers.has(other));
      if (process.getuid?.() === 0) t.is(scan.unreadable, 0, 'root reads every process');
    } finally {
      fs.closeSync(wfd);
    }
    fs.renameSync(file, `${file}.moved`);
    const afd = fs.openSync(`${file}.moved`, 'a');
    fs.unlinkSync(`${file}.moved`);
    try {
      t.deepEqual(findWriters(new Set([key])).writers.get(key), [process.pid], 'matched by inode, whatever the name');
    } finally {
      fs.closeSync(afd);
    }
  } finally {
    fs.closeSync(rfd);
  }
  t.is(findWriters(new Set()).writers.size, 0);
});

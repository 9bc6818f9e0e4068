/**
 * oxstore prune with dates built relative to today (UTC): archives (.gz,
 * .bz2, hourly, with a host) older than --retain-days days before today go,
 * and so do the day folders that leaves empty; uncompressed files and other
 * files stay, whatever their age.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { listFiles, utcDay } from '../helpers/events';
import { REPO, tempDir } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';

const DAY = 86_400_000;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original');
const dayAgo = (n: number): string => utcDay(Date.now() - n * DAY);
const [d13, d12, d11, d10, d9, d8, d7, d6, today] = [13, 12, 11, 10, 9, 8, 7, 6, 0].map(dayAgo);

const gz = zlib.gzipSync(fs.readFileSync(path.join(FIXTURES, 'daily', 'request-20261121.log')));
const bz2 = fs.readFileSync(path.join(FIXTURES, 'archived', 'request.db-20261121.log.bz2'));
const plain = fs.readFileSync(path.join(FIXTURES, 'daily', 'request.log-20261121.log'));

/** What each day holds before pruning. */
const LAYOUT: Record<string, Record<string, Buffer>> = {
  [d13]: { [`request-${d13}.log.gz.tmp`]: gz.subarray(0, 100) },
  [d12]: { [`request-${d12}.log.gz`]: gz, 'notes.txt': Buffer.from('not ours') },
  [d11]: {},
  [d10]: {
    [`request-${d10}.log.gz`]: gz,
    [`request.db-${d10}.log.bz2`]: bz2,
    [`request-${d10}06.log.gz`]: gz,
    [`request-${d10}-web1.log.gz`]: gz,
  },
  [d9]: { [`request.log-${d9}.log`]: plain, [`request.db-${d9}.log.gz`]: gz },
  [d8]: { [`request-${d8}.log.gz`]: gz, [`request.cache-${d8}.log`]: plain },
  [d7]: { [`request-${d7}.log.gz`]: gz },
  [d6]: { [`request.db-${d6}.log.bz2`]: bz2 },
  [today]: { [`request-${today}.log`]: plain, [`request.cache-${today}.log`]: plain, [`request.db-${today}.log`]: plain },
};

function build(): string {
  const root = tempDir();
  for (const [day, files] of Object.entries(LAYOUT)) {
    fs.mkdirSync(path.join(root, day));
    for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(root, day, name), bytes);
  }
  return root;
}

const folders = (root: string): string[] => fs.readdirSync(root).filter((d) => /^\d{8}$/.test(d)).sort();

test('prune deletes archives dated more than 7 days before today, and the folders left empty; uncompressed files stay', async (t) => {
  const root = build();
  const r = await runTool('oxstore', ['prune', '-v', '-p', root]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  t.deepEqual(listFiles(root), [
    `${d12}/notes.txt`,
    `${d9}/request.log-${d9}.log`,
    `${d8}/request.cache-${d8}.log`,
    `${d7}/request-${d7}.log.gz`,
    `${d6}/request.db-${d6}.log.bz2`,
    `${today}/request-${today}.log`,
    `${today}/request.cache-${today}.log`,
    `${today}/request.db-${today}.log`,
  ]);
  t.deepEqual(folders(root), [d12, d9, d8, d7, d6, today]);
  for (const gone of [`${d12}/request-${d12}.log.gz`, `${d10}/request.db-${d10}.log.bz2`, `${d10}/request-${d10}-web1.log.gz`, `${d10}/request-${d10}06.log.gz`]) {
    t.true(r.stdout.includes(`removed ${gone}\n`), gone);
  }
  for (const day of [d13, d11, d10]) t.true(r.stdout.includes(`removed the empty folder ${day}/`), day);
  t.true(r.stdout.includes(`removed ${d13}/request-${d13}.log.gz.tmp (left by an interrupted run)`));
  t.true(r.stdout.includes(`kept ${d9}/request.log-${d9}.log: not compressed, and the newest request.log file`), r.stdout);
  t.true(r.stdout.includes(`kept ${d8}/request.cache-${d8}.log: not compressed yet`), r.stdout);
  t.regex(r.stdout, /prune: 7 archive\(s\) \(.*\) and 3 folder\(s\) removed, 2 uncompressed kept, 0 failed/);
});

test('prune --dry-run says the same and changes nothing', async (t) => {
  const root = build();
  const before = listFiles(root);
  const dry = await runTool('oxstore', ['prune', '--dry-run', '-p', root]);
  t.is(dry.code, 0, dry.stderr);
  t.deepEqual(listFiles(root), before);
  t.deepEqual(folders(root), Object.keys(LAYOUT).sort());
  t.true(dry.stdout.includes(`would remove ${d10}/request-${d10}.log.gz\n`));
  t.true(dry.stdout.includes(`would remove the empty folder ${d10}/`));
  t.true(dry.stdout.includes(`would remove ${d13}/request-${d13}.log.gz.tmp`));
  t.regex(dry.stdout, /prune --dry-run: 7 archive\(s\) .* and 3 folder\(s\) would be removed/);
  t.false(dry.stdout.includes(`${d7}/`), 'seven days before today is not older than seven days');
});

test('--retain-days sets the cut-off: 0 keeps only today; bad values are usage errors', async (t) => {
  const root = build();
  const r = await runTool('oxstore', ['prune', '--retain-days', '0', '-p', root]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(listFiles(root).filter((f) => /\.(gz|bz2)$/.test(f)), []);
  t.deepEqual(folders(root), [d12, d9, d8, today]);
  const nine = build();
  const r9 = await runTool('oxstore', ['prune', '-d', '9', '-p', nine]);
  t.is(r9.code, 0, r9.stderr);
  t.true(fs.existsSync(path.join(nine, d9, `request.db-${d9}.log.gz`)));
  t.false(fs.existsSync(path.join(nine, d10)));
  for (const bad of ['-1', 'seven', '1.5', '']) {
    const u = await runTool('oxstore', ['prune', '-d', bad, '-p', root]);
    t.is(u.code, 2, bad);
    t.regex(u.stderr, /run with --help/);
  }
});

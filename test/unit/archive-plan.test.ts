/**
 * The rules that decide what zip compresses and what prune deletes, on file
 * lists built in memory at a fixed "now".
 */
import test from 'ava';
import type { LogFile } from '../../src/store/find-logs';
import { parseLogFileName } from '../../src/store/naming';
import { planPrune } from '../../src/archive/prune';
import { DAY_OVER_MARGIN_MS, planZip, ZipDecision } from '../../src/archive/zip-plan';

const DAY = 86_400_000;

function lf(rel: string, size = 100): LogFile {
  const parsed = parseLogFileName(rel.split('/')[1])!;
  const s = parsed.stamp;
  const start = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), s.length === 10 ? +s.slice(8, 10) : 0);
  return { ...parsed, relative: rel, path: `/logs/${rel}`, start, end: start + DAY, size };
}

const NOW = Date.UTC(2026, 10, 21, 10, 0); // 2026-11-21 10:00 UTC
const none = (): number[] => [];
const byName = (plan: ZipDecision[]): Record<string, string> =>
  Object.fromEntries(plan.map((d) => [d.file.relative, d.action === 'keep' ? `keep: ${d.reason}` : d.action === 'finish' ? `finish: ${d.archive.relative}` : 'zip']));

test('all but the newest file of each type and host are zipped; compressed files are not considered', (t) => {
  const files = [
    lf('20261118/request-20261118.log'),
    lf('20261118/request-20261118-web1.log'),
    lf('20261119/request-20261119.log'),
    lf('20261119/request-20261119-web1.log'),
    lf('20261119/request.db-20261119.log.gz'),
    lf('20261120/request-20261120.log'),
    lf('20261117/request.db-20261117.log'),
  ];
  t.deepEqual(byName(planZip(files, NOW, none)), {
    '20261118/request-20261118.log': 'zip',
    '20261118/request-20261118-web1.log': 'zip',
    '20261119/request-20261119.log': 'zip',
    '20261119/request-20261119-web1.log': 'keep: the newest request (web1) file: oxd may still write it',
    '20261120/request-20261120.log': 'keep: the newest request file: oxd may still write it',
    '20261117/request.db-20261117.log': 'zip',
  });
});

test("a file waits until its UTC day is over plus the margin; an hourly file waits for its whole day", (t) => {
  const files = [lf('20261120/request-2026112006.log'), lf('20261120/request-2026112023.log'), lf('20261121/request-2026112100.log'), lf('20261121/request-2026112103.log')];
  const midnight = Date.UTC(2026, 10, 21);
  const early = byName(planZip(files, midnight + DAY_OVER_MARGIN_MS - 1, none));
  t.regex(early['20261120/request-2026112006.log'], /^keep: its day is not over \(not before 2026-11-21T00:15:00\.000Z\)/);
  t.regex(early['20261120/request-2026112023.log'], /^keep: its day is not over/);
  const late = byName(planZip(files, midnight + DAY_OVER_MARGIN_MS, none));
  t.is(late['20261120/request-2026112006.log'], 'zip');
  t.is(late['20261120/request-2026112023.log'], 'zip');
  t.regex(late['20261121/request-2026112100.log'], /^keep: its day is not over/, 'an earlier hour of today is not zipped');
  t.regex(late['20261121/request-2026112103.log'], /^keep: the newest/);
});

test('a file open for writing is kept, naming the processes', (t) => {
  const files = [lf('20261118/request-20261118.log'), lf('20261119/request-20261119.log')];
  const plan = byName(planZip(files, NOW, (f) => (f.stamp === '20261118' ? [42, 4242] : [])));
  t.is(plan['20261118/request-20261118.log'], 'keep: open for writing by pid 42, 4242');
});

test('an original next to an archive is finished against it, preferring .gz to .bz2; the rules still apply', (t) => {
  const files = [
    lf('20261117/request-20261117.log'),
    lf('20261117/request-20261117.log.gz'),
    lf('20261117/request.db-20261117.log'),
    lf('20261117/request.db-20261117.log.bz2'),
    lf('20261117/request.db-20261117.log.gz'),
    lf('20261118/request.log-20261118.log'),
    lf('20261118/request.log-20261118.log.bz2'),
    lf('20261119/request-20261119.log'),
    lf('20261119/request.db-20261119.log'),
    lf('20261120/request.cache-20261120.log'),
    lf('20261120/request.cache-20261120.log.gz'),
  ];
  t.deepEqual(byName(planZip(files, NOW, none)), {
    '20261117/request-20261117.log': 'finish: 20261117/request-20261117.log.gz',
    '20261117/request.db-20261117.log': 'finish: 20261117/request.db-20261117.log.gz',
    '20261118/request.log-20261118.log': 'keep: the newest request.log file: oxd may still write it',
    '20261119/request-20261119.log': 'keep: the newest request file: oxd may still write it',
    '20261119/request.db-20261119.log': 'keep: the newest request.db file: oxd may still write it',
    '20261120/request.cache-20261120.log': 'keep: the newest request.cache file: oxd may still write it',
  });
});

test('a daily and an hourly file starting at the same hour are both the newest', (t) => {
  const plan = byName(planZip([lf('20261119/request-20261119.log'), lf('20261119/request-2026111900.log'), lf('20261118/request-20261118.log')], NOW, none));
  t.regex(plan['20261119/request-20261119.log'], /^keep: the newest/);
  t.regex(plan['20261119/request-2026111900.log'], /^keep: the newest/);
  t.is(plan['20261118/request-20261118.log'], 'zip');
});

test('prune: archives dated before today minus retain-days go; uncompressed files never', (t) => {
  const files = [
    lf('20261113/request-2026111323.log.gz'),
    lf('20261113/request-20261113-web1.log.bz2'),
    lf('20261113/request.log-20261113.log'),
    lf('20261113/request.db-20261113.log'),
    lf('20261114/request-20261114.log.gz'),
    lf('20261121/request-20261121.log'),
    lf('20261121/request.db-20261121.log'),
  ];
  const plan = planPrune(files, NOW, 7);
  t.is(plan.cutoffDay, '20261114');
  t.deepEqual(plan.remove.map((f) => f.relative), ['20261113/request-2026111323.log.gz', '20261113/request-20261113-web1.log.bz2']);
  t.deepEqual(
    plan.kept.map((k) => `${k.file.relative}: ${k.reason}`),
    [
      '20261113/request.log-20261113.log: not compressed, and the newest request.log file',
      '20261113/request.db-20261113.log: not compressed yet (oxstore zip compresses it; prune deletes only archives)',
    ],
  );
  t.is(planPrune(files, NOW, 0).cutoffDay, '20261121');
  t.deepEqual(planPrune(files, NOW, 0).remove.length, 3);
  t.deepEqual(planPrune(files, NOW, 8).remove, []);
});

/**
 * What oxstore prints and reads by: date ranges for list and cat, the list
 * formats, one file per period for cat, JSON for events, and the progress line.
 */
import test from 'ava';
import { PassThrough } from 'node:stream';
import { onePerPeriod } from '../../src/archive/cat';
import { catRange, formatTable, formatTsv, listRange, ListedFile } from '../../src/archive/listing';
import { formatBytes, Progress } from '../../src/archive/progress';
import type { LogFile } from '../../src/store/find-logs';
import { parseLogFileName } from '../../src/store/naming';

const DAY = 86_400_000;
const at = (y: number, mo: number, d: number, h = 0, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);

test('cat range: today by default, one day after the start; a bare end day is inclusive, an end time exclusive', (t) => {
  const now = at(2026, 11, 21, 15, 30);
  t.deepEqual(catRange(undefined, undefined, now), [at(2026, 11, 21), at(2026, 11, 22)]);
  t.deepEqual(catRange('20261101', undefined, now), [at(2026, 11, 1), at(2026, 11, 2)]);
  t.deepEqual(catRange('20261101 06:30', undefined, now), [at(2026, 11, 1, 6, 30), at(2026, 11, 2, 6, 30)]);
  t.deepEqual(catRange('20261101', '20261103', now), [at(2026, 11, 1), at(2026, 11, 4)]);
  t.deepEqual(catRange('20261101', '20261101 12:00', now), [at(2026, 11, 1), at(2026, 11, 1, 12)]);
  t.throws(() => catRange('20261102', '20261101 12:00', now), { message: '--end must be after --start' });
  t.throws(() => catRange('2026-11-01', undefined, now), { message: /--start "2026-11-01" is not a date/ });
  t.throws(() => catRange(undefined, '20261131', now), { message: /--end "20261131" is not a date/ });
});

test('list range: everything by default, open-ended on either side', (t) => {
  t.deepEqual(listRange(undefined, undefined), [-Infinity, Infinity]);
  t.deepEqual(listRange('20261101', undefined), [at(2026, 11, 1), Infinity]);
  t.deepEqual(listRange(undefined, '20261101'), [-Infinity, at(2026, 11, 1) + DAY]);
});

const files: ListedFile[] = [
  { file: '20261120/request-2026112006.log', type: 'request', stamp: '2026112006', host: null, size: 12835, compression: null },
  { file: '20261120/request.db-20261120-web1.log.gz', type: 'request.db', stamp: '20261120', host: 'web1', size: 3 * 1024 * 1024, compression: 'gz' },
];

test('list formats: tab-separated for scripts, aligned table with sizes for people', (t) => {
  t.is(formatTsv(files), 'request\t2026112006\t-\t12835\t-\t20261120/request-2026112006.log\nrequest.db\t20261120\tweb1\t3145728\tgz\t20261120/request.db-20261120-web1.log.gz\n');
  t.is(
    formatTable(files),
    [
      'TYPE        DATE        HOST      SIZE  COMPRESSED  FILE',
      'request     2026112006        12.5 KiB  no          20261120/request-2026112006.log',
      'request.db  20261120    web1   3.0 MiB  gz          20261120/request.db-20261120-web1.log.gz',
      '2 file(s), 3.0 MiB',
      '',
    ].join('\n'),
  );
  t.deepEqual([0, 1023, 1024, 1536, 5 * 1024 * 1024, 3 * 1024 ** 3].map(formatBytes), ['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '3.00 GiB']);
});

test('cat reads one file per type, host and period: uncompressed, else .gz, else .bz2', (t) => {
  const lf = (rel: string): LogFile => ({ ...parseLogFileName(rel.split('/')[1])!, relative: rel, path: rel, start: 0, end: DAY, size: 1 });
  const all = ['d/a-20261120.log.bz2', 'd/a-20261120.log.gz', 'd/a-20261120.log', 'd/b-20261120.log.bz2', 'd/b-20261120.log.gz', 'd/c-20261120.log.bz2', 'd/a-20261120-h.log.gz'].map(lf);
  t.deepEqual(onePerPeriod(all).map((f) => f.relative), ['d/a-20261120.log', 'd/b-20261120.log.gz', 'd/c-20261120.log.bz2', 'd/a-20261120-h.log.gz']);
});

test('progress: files, bytes of total and speed; a line per second off a terminal, redrawn in place on one', (t) => {
  let now = 0;
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const lines = new Progress(2, 4 * 1024 * 1024, out, false, () => now);
  now = 500;
  lines.read(1024 * 1024);
  now = 900;
  lines.read(1024 * 1024);
  now = 2000;
  lines.fileDone();
  lines.read(2 * 1024 * 1024);
  lines.fileDone();
  lines.end();
  t.is(text, 'zip: 0/2 files, 1.0 MiB of 4.0 MiB, 2.0 MB/s\nzip: 1/2 files, 2.0 MiB of 4.0 MiB, 1.0 MB/s\nzip: 2/2 files, 4.0 MiB of 4.0 MiB, 2.0 MB/s\n');
  text = '';
  const tty = new Progress(1, 1024, out, true, () => now);
  now = 3000;
  tty.read(1024);
  tty.interrupt();
  tty.fileDone();
  tty.end();
  t.is(text, '\r\x1b[Kzip: 0/1 files, 1.0 KiB of 1.0 KiB, 0.0 MB/s\r\x1b[K\r\x1b[Kzip: 1/1 files, 1.0 KiB of 1.0 KiB, 0.0 MB/s\r\x1b[Kzip: 1/1 files, 1.0 KiB of 1.0 KiB, 0.0 MB/s\n');
});

import test from 'ava';
import { bucketFor, logFilePath, parseLogFileName } from '../../src/store/naming';

const at = (iso: string): number => Date.parse(iso);

test('daily buckets follow the UTC day', (t) => {
  const b = bucketFor(at('2026-11-21T23:59:59.999Z'), 0);
  t.is(b.day, '20261121');
  t.is(b.stamp, '20261121');
  t.is(b.start, at('2026-11-21T00:00:00Z'));
  t.is(b.end, at('2026-11-22T00:00:00Z'));
  t.is(bucketFor(b.end, 0).day, '20261122');
});

test('hourly buckets round the hour down to a multiple of N', (t) => {
  t.is(bucketFor(at('2026-11-21T07:30:00Z'), 3).stamp, '2026112106');
  t.is(bucketFor(at('2026-11-21T05:59:59Z'), 3).stamp, '2026112103');
  t.is(bucketFor(at('2026-11-21T00:00:00Z'), 1).stamp, '2026112100');
  t.is(bucketFor(at('2026-11-21T23:10:00Z'), 12).stamp, '2026112112');
  const b = bucketFor(at('2026-11-21T07:30:00Z'), 3);
  t.is(b.day, '20261121');
  t.is(b.end - b.start, 3 * 3600_000);
});

test('a period that does not divide 24 ends its last bucket at midnight', (t) => {
  const b = bucketFor(at('2026-11-21T22:00:00Z'), 7);
  t.is(b.stamp, '2026112121');
  t.is(b.end, at('2026-11-22T00:00:00Z'));
});

test('log file paths put the file in its day folder', (t) => {
  const b = bucketFor(at('2026-11-21T07:30:00Z'), 0);
  t.is(logFilePath('/var/log/blueox', 'request.db', b), '/var/log/blueox/20261121/request.db-20261121.log');
});

test('file names parse back, with host and compression when archived', (t) => {
  t.deepEqual(parseLogFileName('request.db-20261121.log'), { type: 'request.db', stamp: '20261121', host: null, compression: null });
  t.deepEqual(parseLogFileName('request-2026112106.log'), { type: 'request', stamp: '2026112106', host: null, compression: null });
  t.deepEqual(parseLogFileName('my-app-20261121-web1.log.bz2'), { type: 'my-app', stamp: '20261121', host: 'web1', compression: 'bz2' });
  t.deepEqual(parseLogFileName('request-20261121.log.gz'), { type: 'request', stamp: '20261121', host: null, compression: 'gz' });
  t.is(parseLogFileName('notes.txt'), null);
  t.is(parseLogFileName('request-2026.log'), null);
});

import test from 'ava';
import * as fs from 'node:fs';
import { BlueOxError } from '../../src/errors';
import { finestRetentionFor, parseRetention, parseStorageSchemas } from '../../src/protocol/carbon-schemas';

const DEBIAN_SCHEMAS = '/etc/carbon/storage-schemas.conf';

test("Debian's shipped storage-schemas.conf: carbon's own metrics, then everything else at 60 s", (t) => {
  const parsed = parseStorageSchemas(fs.readFileSync(DEBIAN_SCHEMAS, 'utf8'));
  t.deepEqual(parsed.skipped, []);
  t.deepEqual(
    parsed.schemas.map((s) => [s.section, s.pattern, s.archives]),
    [
      ['carbon', '^carbon\\.', [{ secondsPerPoint: 60, points: 129_600 }]],
      ['default', '.*', [{ secondsPerPoint: 60, points: 1440 }, { secondsPerPoint: 300, points: 8640 }, { secondsPerPoint: 3600, points: 26_280 }]],
    ],
  );
  t.deepEqual(finestRetentionFor(parsed, 'carbon.agents.host-a.cpuUsage'), { section: 'carbon', seconds: 60 });
  t.deepEqual(finestRetentionFor(parsed, 'stats.web.requests'), { section: 'default', seconds: 60 });
});

test('retention units s, m, h, d, w, y; a bare precision is seconds, a bare duration a count of points', (t) => {
  t.deepEqual(parseRetention('10s:6h'), { secondsPerPoint: 10, points: 2160 });
  t.deepEqual(parseRetention('1m:7d'), { secondsPerPoint: 60, points: 10_080 });
  t.deepEqual(parseRetention('1h:1y'), { secondsPerPoint: 3600, points: 8760 });
  t.deepEqual(parseRetention('1d:2w'), { secondsPerPoint: 86_400, points: 14 });
  t.deepEqual(parseRetention('60:90d'), { secondsPerPoint: 60, points: 129_600 });
  t.deepEqual(parseRetention('10s:100'), { secondsPerPoint: 10, points: 100 });
  t.deepEqual(parseRetention(' 15s:1h '), { secondsPerPoint: 15, points: 240 });
  // Durations that are not a whole number of points are cut down, as carbon's int() does.
  t.deepEqual(parseRetention('7s:1d'), { secondsPerPoint: 7, points: 12_342 });
});

test('retentions carbon refuses to start with are errors that say what to write', (t) => {
  for (const [def, message] of [
    ['1min:1d', /invalid unit "min".*s, m, h, d, w or y/],
    ['10S:1d', /invalid precision specification "10S"/],
    ['10s:1q', /invalid unit "q"/],
    ['10s', /not a retention: write precision:duration/],
    ['10s:1d:2', /not a retention/],
    ['0s:1d', /at least one second/],
    ['', /not a retention/],
  ] as const) {
    const err = t.throws(() => parseRetention(def), { instanceOf: BlueOxError, message }, def);
    t.is(err?.code, 'ECARBON_SCHEMAS');
  }
  // A trailing comma leaves an empty archive, which stops carbon too.
  t.throws(() => parseStorageSchemas('[a]\npattern = .*\nretentions = 10s:1d,\n'), { message: /not a retention/ });
});

test('the first section whose pattern is found anywhere in the name wins; the finest archive is its precision', (t) => {
  const parsed = parseStorageSchemas(`
# comment
; another comment
[stats_counts]
pattern = ^stats_counts\\.
retentions = 1m:7d,10s:6h

[timers]
Pattern: timers
RETENTIONS: 1s:1h , 1m:1d

[everything]
pattern = .*
retentions = 60s:1d
`);
  t.deepEqual(parsed.schemas.map((s) => s.section), ['stats_counts', 'timers', 'everything']);
  // Archives come finest first, whatever order the file lists them in.
  t.deepEqual(parsed.schemas[0].archives.map((a) => a.secondsPerPoint), [10, 60]);
  t.deepEqual(finestRetentionFor(parsed, 'stats_counts.web.hits'), { section: 'stats_counts', seconds: 10 });
  t.deepEqual(finestRetentionFor(parsed, 'stats.timers.web.p99'), { section: 'timers', seconds: 1 });
  t.deepEqual(finestRetentionFor(parsed.schemas, 'web.stats_counts.x'), { section: 'everything', seconds: 60 });
});

test('no matching section is null: carbon then falls back to its built-in 60 s', (t) => {
  const parsed = parseStorageSchemas('[only_web]\npattern = ^web\\.\nretentions = 10s:1d\n');
  t.is(finestRetentionFor(parsed, 'db.queries'), null);
  t.deepEqual(finestRetentionFor(parsed, 'web.queries'), { section: 'only_web', seconds: 10 });
});

test('sections carbon skips are reported and the next section decides', (t) => {
  const parsed = parseStorageSchemas(`[no_pattern]
retentions = 1s:1h
[no_retentions]
pattern = .*
[not_dividing]
pattern = .*
retentions = 7s:1d,10s:7d
[same_precision]
pattern = .*
retentions = 10s:1d,10s:7d
[shorter_coarse]
pattern = .*
retentions = 10s:7d,1m:1d
[too_few_points]
pattern = .*
retentions = 10s:50s,1m:7d
[fine]
pattern = .*
retentions = 10s:6h,1m:7d
`);
  t.deepEqual(parsed.skipped.map((s) => s.section), ['no_pattern', 'no_retentions', 'not_dividing', 'same_precision', 'shorter_coarse', 'too_few_points']);
  t.regex(parsed.skipped[2].reason, /does not evenly divide/);
  t.regex(parsed.skipped[5].reason, /fewer than the 6 points/);
  t.deepEqual(finestRetentionFor(parsed, 'anything'), { section: 'fine', seconds: 10 });
});

test('ConfigParser details: continuation lines, DEFAULT, %% and %(key)s interpolation', (t) => {
  const parsed = parseStorageSchemas(`[DEFAULT]
fine = 5s

[continued]
pattern = ^long\\.
retentions = %(fine)s:1h,
  1m:1d,

  1h:30d
[percent]
pattern = ^pct%%\\.
retentions = 1m:1d
`);
  t.deepEqual(parsed.schemas.map((s) => [s.section, s.archives.map((a) => a.secondsPerPoint)]), [
    ['continued', [5, 60, 3600]],
    ['percent', [60]],
  ]);
  t.deepEqual(parsed.skipped, [{ section: 'DEFAULT', reason: 'no retentions' }]);
  t.deepEqual(finestRetentionFor(parsed, 'pct%.x'), { section: 'percent', seconds: 60 });
  t.throws(() => parseStorageSchemas('[a]\npattern = 50%\nretentions = 1m:1d\n'), { message: /lone "%"/ });
  t.throws(() => parseStorageSchemas('[a]\npattern = %(nope)s\nretentions = 1m:1d\n'), { message: /not set/ });
});

test('files carbon refuses to start with are errors', (t) => {
  t.throws(() => parseStorageSchemas('pattern = .*\n'), { message: /before any \[section\]/ });
  t.throws(() => parseStorageSchemas('[a]\npattern = .*\nretentions = 1m:1d\n[a]\npattern = x\n'), { message: /\[a\] appears twice/ });
  t.throws(() => parseStorageSchemas('[a]\npattern = .*\npattern = x\nretentions = 1m:1d\n'), { message: /"pattern" appears twice/ });
  t.throws(() => parseStorageSchemas('[a]\njust words\n'), { message: /neither "key = value" nor a comment/ });
  t.throws(() => parseStorageSchemas('[a]\npattern = (unclosed\nretentions = 1m:1d\n'), { message: /not a regular expression/ });
});

test("Python's pattern syntax: named groups, \\A and \\Z, leading inline flags", (t) => {
  const parsed = parseStorageSchemas(`[named]
pattern = ^(?P<app>web|api)\\.(?P=app)\\Z
retentions = 1s:1h
[anchored]
pattern = \\Aproxy\\.
retentions = 2s:1h
[nocase]
pattern = (?i)^DB\\.
retentions = 3s:1h
`);
  t.deepEqual(finestRetentionFor(parsed, 'web.web'), { section: 'named', seconds: 1 });
  t.is(finestRetentionFor(parsed, 'web.api'), null);
  t.deepEqual(finestRetentionFor(parsed, 'proxy.hits'), { section: 'anchored', seconds: 2 });
  t.is(finestRetentionFor(parsed, 'x.proxy.hits'), null);
  t.deepEqual(finestRetentionFor(parsed, 'db.queries'), { section: 'nocase', seconds: 3 });
});

/**
 * Our reading of storage-schemas.conf against carbon's own: each file below
 * is loaded by graphite-carbon's carbon.storage.loadStorageSchemas
 * (test/interop/py/carbon_schemas.py, with whisper's archive validation as
 * carbon-cache sets it up) and by parseStorageSchemas; both must keep the same
 * sections with the same archives, pick the same section and precision for
 * every metric name, and refuse the same files.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { finestRetentionFor, parseStorageSchemas } from '../../src/protocol/carbon-schemas';
import { PY_DIR, PYTHON } from './support/processes';

const METRICS = [
  'carbon.agents.a.cpuUsage',
  'stats.web.requests',
  'stats_counts.web.hits',
  'stats.timers.api.p99',
  'web.web',
  'web.api',
  'proxy.hits',
  'x.proxy.hits',
  'DB.queries',
  'db.queries',
  'pct%.x',
  'long.series',
  'api.calls;dc=ams;host=web-7',
  '',
];

const FILES: string[] = [
  fs.readFileSync('/etc/carbon/storage-schemas.conf', 'utf8'),
  '[stats_counts]\npattern = ^stats_counts\\.\nretentions = 1m:7d,10s:6h\n\n[timers]\nPattern: timers\nRETENTIONS: 1s:1h , 1m:1d\n[everything]\npattern = .*\nretentions = 60s:1d\n',
  '[only_web]\npattern = ^web\\.\nretentions = 10s:1d\n',
  '[no_pattern]\nretentions = 1s:1h\n[no_retentions]\npattern = .*\n[not_dividing]\npattern = .*\nretentions = 7s:1d,10s:7d\n' +
    '[same_precision]\npattern = .*\nretentions = 10s:1d,10s:7d\n[shorter_coarse]\npattern = .*\nretentions = 10s:7d,1m:1d\n' +
    '[too_few_points]\npattern = .*\nretentions = 10s:50s,1m:7d\n[fine]\npattern = .*\nretentions = 10s:6h,1m:7d\n',
  '[DEFAULT]\nfine = 5s\n\n[continued]\npattern = ^long\\.\nretentions = %(fine)s:1h,\n  1m:1d,\n\n  1h:30d\n[percent]\npattern = ^pct%%\\.\nretentions = 1m:1d\n',
  '[named]\npattern = ^(?P<app>web|api)\\.(?P=app)\\Z\nretentions = 1s:1h\n[anchored]\npattern = \\Aproxy\\.\nretentions = 2s:1h\n[nocase]\npattern = (?i)^DB\\.\nretentions = 3s:1h\n',
  '[tagged]\npattern = ;dc=ams\nretentions = 1s:1h,1m:1d\n[rest]\npattern = .\nretentions = 10:3600\n',
  '# only comments\n; and more\n',
  '[empty]\n',
  '[ spaced name ]\n  pattern = ^stats\\.\n  retentions = 15s:1d\n',
  // Files carbon refuses to start with.
  '[a]\npattern = x\nretentions = 1min:1d\n',
  '[a]\npattern = x\nretentions = 10S:1d\n',
  '[a]\npattern = x\nretentions = 0s:1d\n',
  '[a]\npattern = x\nretentions = 10s:1d,\n',
  '[a]\npattern = x\nretentions = 10s\n',
  'pattern = .*\n',
  '[a]\npattern = .*\nretentions = 1m:1d\n[a]\npattern = x\n',
  '[a]\npattern = .*\npattern = x\nretentions = 1m:1d\n',
  '[a]\njust words\n',
  '[a]\npattern = (unclosed\nretentions = 1m:1d\n',
  '[a]\npattern = 50%\nretentions = 1m:1d\n',
  '[a]\npattern = %(nope)s\nretentions = 1m:1d\n',
];

interface CarbonAnswer {
  error?: string;
  schemas?: Array<[string, Array<[number, number]>]>;
  matches?: Array<[string, number] | null>;
}

test("every file is read as carbon reads it: same sections, same archives, same choice per metric, same refusals", (t) => {
  const run = spawnSync(PYTHON, [path.join(PY_DIR, 'carbon_schemas.py')], {
    input: JSON.stringify(FILES.map((text) => ({ text, metrics: METRICS }))),
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  t.is(run.status, 0, run.stderr);
  const answers = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as CarbonAnswer);
  t.is(answers.length, FILES.length);
  let refused = 0;
  FILES.forEach((text, i) => {
    const carbon = answers[i];
    const what = `file ${i}:\n${text}`;
    if (carbon.error !== undefined) {
      refused++;
      t.throws(() => parseStorageSchemas(text), { message: /^storage-schemas\.conf: / }, `${what}\ncarbon: ${carbon.error}`);
      return;
    }
    const ours = parseStorageSchemas(text);
    t.deepEqual(
      ours.schemas.map((s) => [s.section, s.archives.map((a) => [a.secondsPerPoint, a.points])]),
      carbon.schemas,
      what,
    );
    t.deepEqual(
      METRICS.map((m) => {
        const hit = finestRetentionFor(ours, m);
        return hit === null ? null : [hit.section, hit.seconds];
      }),
      carbon.matches,
      what,
    );
  });
  t.is(refused, 12);
});

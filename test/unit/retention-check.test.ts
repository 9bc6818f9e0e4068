import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'ava';
import { DEFAULTS, OxdSettings } from '../../src/config/oxd-settings';
import { retentionProblems } from '../../src/daemon/retention-check';
import { runTool } from '../helpers/tool';

function schemasFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-schemas-'));
  const file = path.join(dir, 'storage-schemas.conf');
  fs.writeFileSync(file, text);
  return file;
}

const settings = (over: Partial<OxdSettings>): OxdSettings => ({ ...DEFAULTS, graphite: { host: '127.0.0.1', port: 2003 }, ...over });

test('a section whose finest retention differs from the flush interval is named, with what it does', (t) => {
  const file = schemasFile('[carbon]\npattern = ^carbon\\.\nretentions = 60:90d\n\n[stats]\npattern = ^stats\\.\nretentions = 10s:6h,1m:7d\n\n[rest]\npattern = .*\nretentions = 60s:1d\n');
  t.teardown(() => fs.rmSync(path.dirname(file), { recursive: true }));
  const problems = retentionProblems(settings({ graphiteSchemas: file, statsdFlushMs: 10_000 }));
  // stats.* and stats_counts... : stats_counts does not match ^stats\. so it falls to [rest]; statsd.numStats too.
  t.is(problems.length, 1);
  t.regex(problems[0], /section \[rest\] gives stats_counts\.\* 60-second points but statsd_flush_ms is 10000: each point holds only the last of 6 intervals/);
  t.regex(problems[0], /make the finest retention of \[rest\] 10s, or set statsd_flush_ms = 60000/);
  t.deepEqual(retentionProblems(settings({ graphiteSchemas: file, statsdFlushMs: 60_000 })).length, 1, 'now [stats] is the one that differs');
  t.regex(retentionProblems(settings({ graphiteSchemas: file, statsdFlushMs: 60_000 }))[0], /\[stats\] gives stats\.\* 10-second points .* 10-second points in between stay empty/);
});

test('matching retentions, no graphite, or no carbon on this machine: nothing to report', (t) => {
  const file = schemasFile('[all]\npattern = .*\nretentions = 10s:1d\n');
  t.teardown(() => fs.rmSync(path.dirname(file), { recursive: true }));
  t.deepEqual(retentionProblems(settings({ graphiteSchemas: file })), []);
  t.deepEqual(retentionProblems({ ...DEFAULTS, graphiteSchemas: '/nonexistent/schemas.conf' }), []);
  t.deepEqual(retentionProblems(settings({ graphiteSchemas: null })), []);
  t.regex(retentionProblems(settings({ graphiteSchemas: '/nonexistent/schemas.conf' }))[0], /cannot check carbon's retentions: .*ENOENT/);
});

test("Debian's own storage-schemas.conf (graphite-carbon) against the default interval", (t) => {
  const problems = retentionProblems(settings({ graphiteSchemas: '/etc/carbon/storage-schemas.conf' }));
  t.is(problems.length, 1, problems.join('\n'));
  t.regex(problems[0], /section \[default\] gives stats\.\* 60-second points but statsd_flush_ms is 10000/);
});

test('oxd --check-config warns about the section, and still accepts the configuration', async (t) => {
  const file = schemasFile('[slow]\npattern = .*\nretentions = 1m:30d\n');
  t.teardown(() => fs.rmSync(path.dirname(file), { recursive: true }));
  const r = await runTool('oxd', ['--config', '/dev/null', '--check-config', '--graphite', '127.0.0.1:2003', '--graphite-schemas', file]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /oxd: warning: .*section \[slow\] gives stats\.\* 60-second points but statsd_flush_ms is 10000/);
  t.regex(r.stdout, /^graphite = "127\.0\.0\.1:2003"$/m);
});

/**
 * End to end with the real peers: the Frozone document's Python client
 * (python3-statsd's StatsClient) sends to oxd's statsd port, oxd writes the
 * interval to Debian's carbon-cache, and the values read back from the
 * whisper files with whisper-fetch are exactly what was sent.
 */
import * as path from 'node:path';
import test from 'ava';
import { startCarbon, valueAt } from '../helpers/carbon';
import { runCommand } from '../helpers/command';
import { startOxd } from '../helpers/oxd-process';

const INTERVAL_MS = 2000;

test('python3-statsd StatsClient incr/decr/timing/gauge/set and a pipeline → exact values in whisper', async (t) => {
  const carbon = await startCarbon(t, { schemas: '[everything]\npattern = .*\nretentions = 2s:1h\n' });
  const oxd = await startOxd({ logPath: null, args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(INTERVAL_MS), '--statsd-merge-delay', '500', '--graphite', `127.0.0.1:${carbon.port}`] });
  t.teardown(() => oxd.stop());
  const port = (await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1];
  const r = await runCommand('/usr/bin/python3', [path.join(__dirname, '..', '..', '..', 'test', 'interop', 'py', 'statsd_client.py'), port, String(INTERVAL_MS)]);
  t.is(r.code, 0, r.stderr);
  const ts = Number(r.stdout.trim()) / 1000;
  const expected: Record<string, number> = {
    'stats_counts.frozone.statsd.test': 5,
    'stats.frozone.statsd.test': 2.5,
    'stats_counts.frozone.statsd.down': -2,
    'stats_counts.frozone.piped': 2,
    'stats.timers.frozone.api.count': 3,
    'stats.timers.frozone.api.upper': 320,
    'stats.timers.frozone.api.lower': 100,
    'stats.timers.frozone.api.mean': 210,
    'stats.timers.frozone.api.sum': 630,
    'stats.gauges.frozone.queue': 10,
    'stats.sets.frozone.users.count': 2,
    'stats_counts.statsd.packets_received': 11,
  };
  for (const [name, value] of Object.entries(expected)) {
    const points = await carbon.waitForValue(name, (p) => valueAt(p, ts) !== undefined && valueAt(p, ts) !== null, 30_000);
    t.is(valueAt(points, ts), value, name);
  }
});

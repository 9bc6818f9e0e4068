/**
 * oxd's statsd source over real sockets: UDP and TCP on one port, DogStatsD
 * events and service checks stored as BlueOx events, every interval stored
 * as statsd.interval events, bad lines counted by reason and shown by
 * `oxctl status`, the good lines of the same datagram still counted.
 */
import * as net from 'node:net';
import test from 'ava';
import { eventsOfType } from '../helpers/oxd-events';
import { startOxd } from '../helpers/oxd-process';
import { sendDatagrams } from '../helpers/statsd-send';
import { runTool } from '../helpers/tool';

const INTERVAL_MS = 1000;

async function statsdOxd(t: any) {
  const oxd = await startOxd({ args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(INTERVAL_MS)] });
  t.teardown(() => oxd.stop());
  const port = Number((await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1]);
  return { oxd, port };
}

function tcpSend(port: number, chunks: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', async () => {
      for (const c of chunks) await new Promise<void>((r) => s.write(c, () => r()));
      s.end();
    });
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

test('UDP and TCP on one port; lines cut across TCP writes; a last line without newline counts', async (t) => {
  const { oxd, port } = await statsdOxd(t);
  await sendDatagrams(port, ['u.hits:1|c\nu.hits:2|c', 'bad line here\nu.hits:4|c']);
  await tcpSend(port, ['t.hits:1|c\nt.hi', 'ts:2|c\nt.lat:5|ms\n', 't.hits:10|c']);
  const s = await oxd.waitForStatus((x) => x.statsd.metrics_received === 8);
  t.is(s.statsd.bad_lines_seen, 1);
  t.deepEqual(s.statsd.bad_lines, { 'no-type': 1 });
  t.deepEqual(s.statsd.recent_bad_lines, ['no-type: bad line here']);
  // Each interval is stored: the counters of the one that took them add up.
  const intervals = await waitFor(() => {
    const all = eventsOfType(oxd, 'statsd.interval');
    const hits = (name: string): number => all.reduce((n, e) => n + (e.body.counters[name] ?? 0), 0);
    return hits('u.hits') === 7 && hits('t.hits') === 13 ? all : null;
  });
  const withTimer = intervals.find((e) => e.body.timers['t.lat']);
  t.deepEqual(withTimer.body.timers['t.lat'], { count: 1, n: 1, sum: 5, sum_squares: 25, min: 5, max: 5, samples: [5] });
  const e = intervals[0];
  t.is(e.type, 'statsd.interval');
  t.regex(e.id, /^[0-9a-f]{32}$/);
  t.is(e.body.interval_ms, INTERVAL_MS);
  t.is(e.body.window_end % INTERVAL_MS, 0);
  t.is(e.end, e.body.window_end / 1000);
});

test('DogStatsD events and service checks become statsd.event and statsd.check events', async (t) => {
  const { oxd, port } = await statsdOxd(t);
  await sendDatagrams(port, ['_e{6,9}:Deploy|v2 is out|h:web1|t:success|#env:prod', '_sc|db.up|2|h:db1|m:replica lag', '_sc|nohost|0']);
  await oxd.waitForStatus((x) => x.events['statsd.check']?.written === 2 && x.events['statsd.event']?.written === 1);
  const [ev] = eventsOfType(oxd, 'statsd.event');
  t.is(ev.host, 'web1');
  t.deepEqual(ev.body, { title: 'Deploy', text: 'v2 is out', hostname: 'web1', alert_type: 'success', tags: ['env:prod'], peer: '127.0.0.1' });
  const checks = eventsOfType(oxd, 'statsd.check');
  t.deepEqual(checks.map((c) => [c.host, c.body.name, c.body.status_name, c.body.message ?? null]), [
    ['db1', 'db.up', 'critical', 'replica lag'],
    ['127.0.0.1', 'nohost', 'ok', null],
  ]);
});

test('oxctl status shows the statsd source and its bad lines', async (t) => {
  const { oxd, port } = await statsdOxd(t);
  await sendDatagrams(port, ['a:1|c\nb:x|c']);
  await oxd.waitForStatus((x) => x.statsd.bad_lines_seen === 1);
  const r = await runTool('oxctl', ['-H', oxd.controlAddr]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`Statsd: 127\\.0\\.0\\.1:${port}, interval 1 s, \\d+ intervals; 1 packets, 2 lines, 1 bad \\(value 1\\)`));
  t.regex(r.stdout, /Statsd UDP: receive buffer .*dropped by the kernel: this socket 0/);
  t.regex(r.stdout, /bad line value: x\|c/);
  t.regex(r.stdout, /Statsd intervals: \d+ sent as \d+ events/);
});

/** Polls `get` (reading files oxd writes) until it returns a value; fails after 20 s. */
async function waitFor<T>(get: () => T | null, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Metrics across the hierarchy: three forwarding oxds, each the statsd server
 * of its "host" with its own samples of one timer, send their intervals up
 * the forward path as statsd.interval events; the central oxd merges them
 * and writes one set of figures to carbon. Counters, sets and totals are
 * exact; percentiles are within 1 % of the exact percentile over all
 * samples, which no statsd per host can give.
 */
import test, { ExecutionContext } from 'ava';
import { CarbonCapture, Interval } from '../helpers/carbon-capture';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { eventFrames } from '../helpers/events';
import { sendDatagrams } from '../helpers/statsd-send';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const INTERVAL_MS = 4000;
const WAIT_MS = 4 * INTERVAL_MS + 10_000;

async function statsdPort(oxd: Oxd): Promise<number> {
  return Number((await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1]);
}

/** Resolves at the start of a fresh window, so what is sent now falls into one window everywhere. */
async function freshWindow(): Promise<void> {
  for (;;) {
    const into = Date.now() % INTERVAL_MS;
    if (into >= 50 && into < INTERVAL_MS / 2) return;
    await new Promise((r) => setTimeout(r, INTERVAL_MS - into + 50));
  }
}

/** `values` as `name:v1:v2:...|ms` datagrams of at most ~1,400 bytes (DogStatsD value packing). */
function packed(name: string, values: number[]): string[] {
  const out: string[] = [];
  let cur: number[] = [];
  for (const v of values) {
    cur.push(v);
    if (cur.join(':').length > 1300) {
      out.push(`${name}:${cur.join(':')}|ms`);
      cur = [];
    }
  }
  if (cur.length) out.push(`${name}:${cur.join(':')}|ms`);
  return out;
}

async function central(t: ExecutionContext): Promise<{ oxd: Oxd; capture: CarbonCapture }> {
  const capture = new CarbonCapture();
  t.teardown(() => capture.close());
  const port = await capture.start();
  const oxd = await startOxd({ logPath: null, args: ['--graphite', `127.0.0.1:${port}`, '--statsd-flush', String(INTERVAL_MS), '--statsd-merge-delay', '1500'] });
  t.teardown(() => oxd.stop());
  return { oxd, capture };
}

test('three hosts, one central: counters exact, percentiles within 1 % of all samples', async (t) => {
  const { oxd: hub, capture } = await central(t);
  const hosts = await Promise.all(
    [0, 1, 2].map(async () => {
      const oxd = await startOxd({ logPath: null, args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(INTERVAL_MS), '--forward', hub.collect] });
      t.teardown(() => oxd.stop());
      return { oxd, port: await statsdPort(oxd) };
    }),
  );
  // Each host sees a different part of the distribution: host 2 is the slow one.
  const samples = hosts.map((_, h) => Array.from({ length: 400 + 100 * h }, (_, i) => Math.round(((i * 37) % 401) * (h + 1) * 1.5 + h) / 2));
  const all = samples.flat().sort((a, b) => a - b);
  await freshWindow();
  const sent = await Promise.all(
    hosts.map(async ({ port }, h) => {
      const datagrams = [...packed('api.latency', samples[h]), `api.requests:${samples[h].length}|c`, `api.users:u${h}|s\napi.users:shared|s`, `api.queue:${h + 1}|g`];
      await sendDatagrams(port, datagrams);
      return datagrams.length;
    }),
  );
  const packets = sent.reduce((a, b) => a + b, 0);
  const got: Interval = await capture.waitForInterval((i) => i.points.has('stats.timers.api.latency.count'), WAIT_MS);
  const m = got.points;
  t.is(m.get('stats_counts.statsd.packets_received'), String(packets), 'every datagram of the three hosts in one merged window');
  t.is(m.get('stats_counts.api.requests'), String(all.length));
  t.is(m.get('stats.timers.api.latency.count'), String(all.length));
  t.is(m.get('stats.timers.api.latency.upper'), String(all[all.length - 1]));
  t.is(m.get('stats.timers.api.latency.lower'), String(all[0]));
  t.is(Number(m.get('stats.timers.api.latency.sum')), all.reduce((a, b) => a + b, 0));
  t.is(m.get('stats.sets.api.users.count'), '4', 'the union of the members: u0, u1, u2, shared');
  t.true(['1', '2', '3'].includes(m.get('stats.gauges.api.queue')!), 'a gauge has the value one host set');
  const within = (name: string, exact: number): void => {
    const v = Number(m.get(`stats.timers.api.latency.${name}`));
    t.true(Math.abs(v - exact) <= exact * 0.01, `${name}: ${v}, exact ${exact} (${((Math.abs(v - exact) / exact) * 100).toFixed(3)} %)`);
  };
  const n90 = Math.round(0.9 * all.length);
  within('upper_90', all[n90 - 1]);
  within('mean_90', all.slice(0, n90).reduce((a, b) => a + b, 0) / n90);
  within('median', all.length % 2 ? all[(all.length - 1) / 2] : (all[all.length / 2 - 1] + all[all.length / 2]) / 2);
  const status = await hub.control.request({ cmd: 'STATUS' });
  t.true(status.statsd.output.parts_merged >= 3, `the central merged the hosts' intervals: ${JSON.stringify(status.statsd.output)}`);
  t.is(status.statsd.output.parts_late, 0);
  t.deepEqual(status.sinks.statsd_merge.invalid, {});
});

test('an interval body that cannot be read is counted and merges nothing; one for a window already written goes into the next', async (t) => {
  const { oxd: hub, capture } = await central(t);
  const peer = await ZmtpPeer.connect(hub.collect);
  t.teardown(() => peer.destroy());
  const header = { origin: 'f00d', host: 'web9', interval_ms: INTERVAL_MS, part: 0, parts: 1, gauges: {}, sets: {} };
  // n says 3 samples, 2 are given.
  await peer.send(eventFrames({ type: 'statsd.interval', host: 'web9', body: { ...header, window_end: Date.now(), counters: {}, timers: { t: { count: 3, n: 3, sum: 3, sum_squares: 3, min: 1, max: 1, samples: [1, 1] } } } }));
  await peer.send(eventFrames({ type: 'statsd.interval', host: 'web9', body: { ...header, window_end: Date.now(), counters: { 'first.hits': 2 }, timers: {} } }));
  const first = await capture.waitForInterval((i) => i.points.has('stats_counts.first.hits'), WAIT_MS);
  // A window before the one just written: too late for its own.
  await peer.send(eventFrames({ type: 'statsd.interval', host: 'web9', body: { ...header, window_end: first.ts * 1000 - INTERVAL_MS, counters: { 'late.hits': 5 }, timers: {} } }));
  const s = await hub.waitForStatus((x) => x.totals?.received === 3 && x.statsd?.output?.parts_late === 1);
  t.deepEqual(s.sinks.statsd_merge.invalid, { body: 1 });
  t.is(s.sinks.statsd_merge.parts_taken, 2);
  const late = await capture.waitForInterval((i) => i.points.has('stats_counts.late.hits'), WAIT_MS);
  t.is(late.points.get('stats_counts.late.hits'), '5', 'the late part counted in the window written next');
  t.true(late.ts > first.ts, 'written in a later window than the one it missed');
});

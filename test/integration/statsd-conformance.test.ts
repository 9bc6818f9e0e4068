/**
 * oxd's statsd source against etsy statsd itself: both are fed the same
 * corpus within one interval, both write to capturing carbon listeners, and
 * the Graphite lines they write for that interval must be the same names with
 * the same values, byte for byte, except the figures that measure the
 * writers themselves (how long a flush took, when it ran). Inputs oxd reads
 * otherwise on purpose (OXD_DIFFERS, the README lists them) are kept out of
 * the comparison and oxd's own reading of them is asserted instead.
 */
import test, { ExecutionContext } from 'ava';
import { CarbonCapture, Flush, Interval } from '../helpers/carbon-capture';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { datagrams, OXD_DIFFERS, STATSD_CORPUS, QUIRKS } from '../helpers/statsd-corpus';
import { startStatsd } from '../helpers/statsd-reference';
import { sendDatagrams } from '../helpers/statsd-send';

const INTERVAL_MS = 2000;
const WAIT_MS = 3 * INTERVAL_MS + 10_000;
const PACKETS = 'stats_counts.statsd.packets_received';

/** Figures about the writer, not the data: they differ between any two runs. */
const TIMING = /^(stats\.statsd\.(processing_time|graphiteStats\.[a-z_]+)|stats\.gauges\.statsd\.timestamp_lag)$/;

async function oxdWithCapture(t: ExecutionContext, extra: string[] = []): Promise<{ oxd: Oxd; capture: CarbonCapture; port: number }> {
  const capture = new CarbonCapture();
  t.teardown(() => capture.close());
  const carbonPort = await capture.start();
  const oxd = await startOxd({ logPath: null, args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(INTERVAL_MS), '--graphite', `127.0.0.1:${carbonPort}`, ...extra] });
  t.teardown(() => oxd.stop());
  const ready = await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/);
  return { oxd, capture, port: Number(ready[1]) };
}

/**
 * Sends `sent` right after oxd wrote an interval, and resolves with the next one; its packet
 * count proves that every datagram fell into that one interval.
 */
async function oxdInterval(t: ExecutionContext, capture: CarbonCapture, port: number, sent: ReadonlyArray<string | Buffer>): Promise<Interval> {
  const first = await capture.waitForInterval(() => true, WAIT_MS);
  await sendDatagrams(port, sent);
  const data = await capture.waitForInterval((i) => i.ts > first.ts && i.points.get(PACKETS) !== '0', WAIT_MS);
  t.is(data.points.get(PACKETS), String(sent.length), 'every datagram in one oxd interval');
  t.is(data.ts % (INTERVAL_MS / 1000), 0, 'the interval ends at a multiple of the flush interval');
  return data;
}

test('the corpus: oxd writes the Graphite lines statsd writes, value for value', async (t) => {
  const [ours, theirs] = await Promise.all([
    (async () => {
      const { capture, port } = await oxdWithCapture(t);
      return (await oxdInterval(t, capture, port, datagrams(STATSD_CORPUS))).points;
    })(),
    (async () => {
      const capture = new CarbonCapture();
      t.teardown(() => capture.close());
      const statsd = await startStatsd({ flushIntervalMs: INTERVAL_MS, graphitePort: await capture.start() });
      t.teardown(() => statsd.stop());
      await capture.waitForFlush(() => true, WAIT_MS);
      const next = capture.flushes.length;
      for (const d of datagrams(STATSD_CORPUS)) await statsd.send(d);
      const flush: Flush = await capture.waitForFlush((f) => capture.flushes.indexOf(f) === next, WAIT_MS);
      t.is(flush.get(PACKETS)?.value, String(STATSD_CORPUS.length), 'every datagram in one statsd flush');
      return new Map([...flush].map(([name, p]) => [name, p.value]));
    })(),
  ]);
  const names = (m: Map<string, string>): string[] => [...m.keys()].filter((n) => !TIMING.test(n)).sort();
  t.deepEqual(names(ours), names(theirs), 'the same Graphite names');
  const differing = names(theirs).filter((n) => ours.get(n) !== theirs.get(n)).map((n) => `${n}: oxd ${ours.get(n)}, statsd ${theirs.get(n)}`);
  t.deepEqual(differing, [], 'the same values');
  t.true(names(theirs).length > 150, `a corpus that exercises every figure (${names(theirs).length} names)`);
});

test('what oxd reads otherwise than statsd, on purpose', async (t) => {
  const { oxd, capture, port } = await oxdWithCapture(t);
  const sent = [...datagrams(OXD_DIFFERS), ...datagrams(QUIRKS)];
  const m = (await oxdInterval(t, capture, port, sent)).points;
  // h and d are timers, and packed values all count.
  t.is(m.get('stats.timers.corpus.differs.h.upper'), '5');
  t.is(m.get('stats.timers.corpus.differs.d.count'), '1');
  t.is(m.get('stats.timers.corpus.differs.packed.count'), '3');
  t.is(m.get('stats.timers.corpus.differs.packed.sum'), '6');
  // A sample rate in exponent notation means what it says.
  t.is(m.get('stats_counts.corpus.quirk.exprate'), '10');
  // An empty set member is "0", as in statsd.
  t.is(m.get('stats.sets.corpus.quirk.emptyset.count'), '1');
  // Everything else is a bad line, by reason.
  const names = [...m.keys()].filter((n) => n.includes('corpus.'));
  t.deepEqual(
    names.filter((n) => /differs\.(x|big|inf|hex|rate0)|quirk\.(space|blank|spacedtype|binary)/.test(n)),
    [],
    'no series for values oxd refuses',
  );
  const status = await oxd.control.request({ cmd: 'STATUS' });
  t.deepEqual(status.statsd.bad_lines, { type: 1, value: 7, rate: 1, name: 1 });
  t.is(m.get('stats_counts.statsd.bad_lines_seen'), '10');
});

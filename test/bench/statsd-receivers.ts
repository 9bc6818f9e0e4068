/**
 * The two statsd receivers of the statsd benchmark, behind one face: oxd
 * (the real bundle, `--statsd`, writing its intervals to a carbon capture)
 * and etsy statsd (npm, with its Graphite backend writing to another). Each
 * says what it has taken from its own counters: oxd's STATUS, statsd's
 * `packets_received` / `metrics_received` / `bad_lines_seen` from its flushes
 * to Graphite (its management console keeps no packet count). What the
 * kernel dropped before either read it is the drops column of its socket's
 * line in /proc/net/udp.
 */
import { CarbonCapture } from '../helpers/carbon-capture';
import { startOxd } from '../helpers/oxd-process';
import { startStatsd } from '../helpers/statsd-reference';
import { kernelDrops, socketReceiveBuffer } from './udp-socket';

/** `oxd-rb`: oxd with the receive buffer statsd gets (net.core.rmem_default), to compare like with like. */
export type ReceiverName = 'oxd' | 'oxd-rb' | 'statsd';

/** Asked of the kernel, which doubles it: statsd's 212,992 bytes here (rmem_default). */
const STATSD_LIKE_BUFFER = 106_496;

export interface Counts {
  packets: number;
  metrics: number;
  bad: number;
}

export interface StatsdReceiver {
  name: ReceiverName;
  port: number;
  pid: number;
  /** Totals since it started, as the receiver itself counts them. */
  counts(): Promise<Counts>;
  /** Datagrams the kernel dropped at its socket since it was bound. */
  drops(): number;
  /** Its socket's receive buffer as the kernel has it (ss's rb), bytes. */
  receiveBuffer(): number | null;
  stop(): Promise<void>;
}

export const FLUSH_MS = 1000;



export async function startOxdReceiver(name: 'oxd' | 'oxd-rb', extraArgs: string[] = []): Promise<StatsdReceiver> {
  const capture = new CarbonCapture();
  const carbonPort = await capture.start();
  const oxd = await startOxd({
    logPath: null,
    // Idle names deleted, as statsd is run here (deleteIdleStats): each flush writes what came in.
    args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(FLUSH_MS), '--statsd-merge-delay', '200', '--graphite', `127.0.0.1:${carbonPort}`, '--graphite-schemas', '', '--statsd-delete-idle', 'all', ...extraArgs],
  });
  const port = Number((await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1]);
  return {
    name,
    port,
    pid: oxd.pid,
    counts: async () => {
      const s = (await oxd.control.request({ cmd: 'STATUS' })).statsd;
      return { packets: s.packets_received, metrics: s.metrics_received, bad: s.bad_lines_seen };
    },
    drops: () => kernelDrops(port),
    receiveBuffer: () => socketReceiveBuffer(port),
    stop: async () => {
      await oxd.stop();
      await capture.close();
    },
  };
}

export async function startStatsdReceiver(): Promise<StatsdReceiver> {
  const capture = new CarbonCapture();
  const carbonPort = await capture.start();
  const statsd = await startStatsd({ flushIntervalMs: FLUSH_MS, graphitePort: carbonPort, deleteIdleStats: true });
  const sum = (name: string): number => capture.flushes.reduce((n, f) => n + Number(f.get(`stats_counts.statsd.${name}`)?.value ?? 0), 0);
  return {
    name: 'statsd',
    port: statsd.udpPort,
    pid: statsd.pid,
    // As of its last complete flush: callers wait for the flushes to catch up.
    counts: async () => ({ packets: sum('packets_received'), metrics: sum('metrics_received'), bad: sum('bad_lines_seen') }),
    drops: () => kernelDrops(statsd.udpPort),
    receiveBuffer: () => socketReceiveBuffer(statsd.udpPort),
    stop: async () => {
      await statsd.stop();
      await capture.close();
    },
  };
}

export function startReceiver(name: ReceiverName): Promise<StatsdReceiver> {
  if (name === 'statsd') return startStatsdReceiver();
  return startOxdReceiver(name, name === 'oxd-rb' ? ['--statsd-receive-buffer', String(STATSD_LIKE_BUFFER)] : []);
}

/**
 * The real etsy statsd (npm `statsd`, pinned in package.json) run as a child
 * process with its Graphite backend, on loopback ports: the reference whose
 * flushes oxd's statsd source must reproduce. Callers register `stop` with
 * `t.teardown`.
 *
 * statsd takes `port: 0` as "unset" (it falls back to 8125, and 8126 for the
 * management port), so both ports are picked free here and handed to it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './oxd-process';
import { Output } from './output';
import { boundUdpPorts, waitUntil } from './proc';
import { freePorts } from './systemd-stand-ins';

export const STATSD_DIR = path.join(REPO, 'node_modules', 'statsd');

/**
 * What statsd writes of itself each flush besides the metrics it was sent (legacy namespace,
 * the default prefixStats `statsd`; timestamp_lag from the second flush on).
 */
export const STATSD_OWN_METRICS: readonly string[] = [
  'stats.statsd.bad_lines_seen',
  'stats_counts.statsd.bad_lines_seen',
  'stats.statsd.packets_received',
  'stats_counts.statsd.packets_received',
  'stats.statsd.metrics_received',
  'stats_counts.statsd.metrics_received',
  'statsd.numStats',
  'stats.gauges.statsd.timestamp_lag',
  'stats.statsd.processing_time',
  'stats.statsd.graphiteStats.calculationtime',
  'stats.statsd.graphiteStats.flush_length',
  'stats.statsd.graphiteStats.flush_time',
  'stats.statsd.graphiteStats.last_exception',
  'stats.statsd.graphiteStats.last_flush',
];

/**
 * Those of STATSD_OWN_METRICS whose values depend on timing or on statsd's own previous
 * flush rather than on what it was sent: no second implementation can be expected to match them.
 */
export const VARYING = /^stats\.(statsd\.(processing_time|graphiteStats\.)|gauges\.statsd\.timestamp_lag)/;

export interface StatsdOptions {
  flushIntervalMs: number;
  /** Where its Graphite backend connects (a CarbonCapture's port). */
  graphitePort: number;
  /** statsd's default is [90]. */
  percentThreshold?: number[];
  deleteIdleStats?: boolean;
  /** statsd's `graphite.legacyNamespace` (its default: true, `stats.x` and `stats_counts.x`). */
  legacyNamespace?: boolean;
  /** More of statsd's settings, merged over the ones above. */
  extra?: object;
  readyTimeoutMs?: number;
}

export interface StatsdReference {
  readonly udpPort: number;
  readonly mgmtPort: number;
  readonly pid: number;
  /** What statsd prints to stdout: its "Bad line: …" log among others (errors at start-up name stderr too). */
  readonly output: Output;
  /** Sends one datagram to its UDP port. */
  send(datagram: Buffer | string): Promise<void>;
  /** One management console command (`stats`, `counters`, `timers`, `gauges`, `health`, `config`); resolves with its whole answer. */
  mgmt(cmd: string): Promise<string>;
  /** Kills it and waits for its exit; removes its config file. Safe to call twice. */
  stop(): Promise<void>;
}

/** Picks a UDP port that was free a moment ago (statsd cannot be told to take any). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startStatsd(options: StatsdOptions): Promise<StatsdReference> {
  const udpPort = await freeUdpPort();
  const [mgmtPort] = await freePorts(1);
  const config: Record<string, unknown> = {
    port: udpPort,
    address: '127.0.0.1',
    mgmt_port: mgmtPort,
    mgmt_address: '127.0.0.1',
    graphiteHost: '127.0.0.1',
    graphitePort: options.graphitePort,
    flushInterval: options.flushIntervalMs,
    backends: ['./backends/graphite'],
    // The test owns the file's lifetime; statsd re-reading it mid-run would only surprise.
    automaticConfigReload: false,
    ...(options.percentThreshold ? { percentThreshold: options.percentThreshold } : {}),
    ...(options.deleteIdleStats !== undefined ? { deleteIdleStats: options.deleteIdleStats } : {}),
    ...(options.legacyNamespace !== undefined ? { graphite: { legacyNamespace: options.legacyNamespace } } : {}),
    ...(options.extra ?? {}),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'statsd-ref-'));
  const configFile = path.join(dir, 'config.js');
  // statsd evaluates the file as a JavaScript object literal; JSON is one.
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  const child = spawn(process.execPath, [path.join(STATSD_DIR, 'stats.js'), configFile], {
    cwd: STATSD_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = new Output(child.stdout!, 'statsd');
  const err = new Output(child.stderr!, 'statsd (stderr)');
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const printed = (): string => `${out.text}${err.text}`;
  const udp = dgram.createSocket('udp4');
  let stopped = false;

  const ref: StatsdReference = {
    udpPort,
    mgmtPort,
    pid: child.pid!,
    output: out,
    send: (datagram) =>
      new Promise((resolve, reject) => udp.send(typeof datagram === 'string' ? Buffer.from(datagram) : datagram, udpPort, '127.0.0.1', (e) => (e ? reject(e) : resolve()))),
    mgmt: (cmd) => mgmtCommand(mgmtPort, cmd),
    stop: async () => {
      if (!stopped) udp.close();
      stopped = true;
      // SIGKILL, not SIGTERM: statsd flushes on exit, and a test's capture must see no flush it did not wait for.
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitForReady(child, ref, options.readyTimeoutMs ?? 15_000, () => exited, printed);
  } catch (e) {
    await ref.stop();
    throw e;
  }
  return ref;
}

/**
 * Ready is: the management console answers `stats` (its servers and backends are set up in
 * the same turn as the console) and the UDP port is bound by statsd's own process.
 */
async function waitForReady(child: ChildProcess, ref: StatsdReference, timeoutMs: number, exited: () => boolean, printed: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error(`statsd exited during start-up (exit status ${child.exitCode}, signal ${child.signalCode}):\n${printed()}`);
    const answer = await mgmtCommand(ref.mgmtPort, 'stats').catch(() => '');
    if (answer.includes('END')) break;
    if (Date.now() > deadline) throw new Error(`statsd's management console on port ${ref.mgmtPort} did not answer within ${timeoutMs} ms:\n${printed()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitUntil(() => boundUdpPorts(ref.pid).includes(ref.udpPort), `statsd has bound UDP port ${ref.udpPort}`, Math.max(1000, deadline - Date.now()));
}

/**
 * The console reads one command per read and answers it with writes made in that same turn,
 * so once any answer arrives, a `quit` sent after it is read after the whole answer: the
 * connection then ends, and everything received is the answer.
 */
function mgmtCommand(port: number, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(port, '127.0.0.1');
    let text = '';
    let quitSent = false;
    socket.setEncoding('ascii');
    socket.once('connect', () => socket.write(`${cmd}\n`));
    socket.on('data', (d: string) => {
      text += d;
      if (!quitSent) {
        quitSent = true;
        socket.write('quit\n');
      }
    });
    socket.once('error', reject);
    socket.once('close', () => (quitSent ? resolve(text) : reject(new Error(`statsd's management console closed without answering ${cmd}`))));
  });
}

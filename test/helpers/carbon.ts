/**
 * Debian's real carbon-cache (graphite-carbon 1.1.7), started by a test in a
 * folder of its own, and its whisper files read back with whisper-fetch.
 *
 * Everything carbon writes (carbon.conf, the schemas, whisper files, its pid
 * file, logs) is inside that folder; its three TCP ports (line receiver,
 * pickle receiver, cache query) are free loopback ports, its line receiver
 * on 127.0.0.1 only. carbon-cache runs in the foreground (`--debug`: twistd
 * --nodaemon, logging to stdout) in a process group of its own, which the
 * test kills at teardown.
 *
 * Names as carbon stores them (carbon/util.py TaggedSeries in 1.1.7): a plain
 * name becomes folders, `a.b.c` → `a/b/c.wsp`. A name with `;` is a tagged
 * series `name;tag=value;...`: carbon first normalises it (tags sorted, later
 * duplicates win, leading `~` stripped from the name) and stores it, with
 * TAG_HASH_FILENAMES on as by default, at `_tagged/<h[0:3]>/<h[3:6]>/<h>.wsp`,
 * h being the SHA-256 hex of the normalised name. That happens whether or not
 * ENABLE_TAGS is on; ENABLE_TAGS only decides whether carbon also posts the
 * series to graphite-web's tag database over HTTP, which is off here (there is
 * no graphite-web). A `;` name carbon cannot parse (a segment without `=`) is
 * hashed as it was received.
 *
 * Carbon writes asynchronously (a writer thread drains its cache), so tests
 * wait for a value with waitForValue, polling whisper with a deadline.
 *
 * Debian's own carbon-cache (the package's service, port 2003 on every
 * interface) plays no part: installing graphite-carbon does not start it on
 * these machines (no systemd as PID 1, and policy-rc.d refuses service
 * starts; the SysV script also needs CARBON_CACHE_ENABLED=true in
 * /etc/default/graphite-carbon), and the tests never use port 2003.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { Output } from './output';
import { freePorts } from './systemd-stand-ins';

const CARBON_CACHE = '/usr/bin/carbon-cache';
const WHISPER_FETCH = '/usr/bin/whisper-fetch';

export type Point = [ts: number, value: number | null];

export interface CarbonOptions {
  /** storage-schemas.conf; default: every metric at 10-second points for a day. */
  schemas?: string;
  /** storage-aggregation.conf; default: carbon's own (average, xFilesFactor 0.5). */
  aggregation?: string;
}

export const DEFAULT_SCHEMAS = '[everything]\npattern = .*\nretentions = 10s:1d\n';
const DEFAULT_AGGREGATION = '[default]\npattern = .*\nxFilesFactor = 0.5\naggregationMethod = average\n';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/** Process groups of running carbons and their folders, for the worker's exit. */
const running = new Set<number>();
const folders = new Set<string>();
// When the test worker exits (even after a timeout, before teardowns ran), no carbon it started
// may outlive it: each runs in a process group of its own, which the worker's end does not reach.
process.once('exit', () => {
  for (const pgid of running) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

export class Carbon {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Output of the running (or last) carbon-cache, stdout and stderr together. */
  output: Output | null = null;

  private constructor(
    readonly dir: string,
    /** The line receiver's port (plaintext protocol). */
    readonly port: number,
  ) {}

  /**
   * Writes the configuration and picks the ports but does not start carbon, so a test can
   * point a sink at `port` first. Stopped and removed at teardown.
   */
  static async prepare(t: Teardown, options: CarbonOptions = {}): Promise<Carbon> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-carbon-'));
    const [line, pickle, query] = await freePorts(3);
    const carbon = new Carbon(dir, line);
    folders.add(dir);
    t.teardown(async () => {
      await carbon.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
      folders.delete(dir);
    });
    fs.writeFileSync(path.join(dir, 'carbon.conf'), carbonConf(dir, line, pickle, query));
    fs.writeFileSync(path.join(dir, 'storage-schemas.conf'), options.schemas ?? DEFAULT_SCHEMAS);
    fs.writeFileSync(path.join(dir, 'storage-aggregation.conf'), options.aggregation ?? DEFAULT_AGGREGATION);
    return carbon;
  }

  /** Starts carbon-cache and resolves once its line receiver listens. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.child !== null) throw new Error('carbon-cache is already running');
    // A pid file left by a killed carbon makes `start` refuse if its pid was reused.
    fs.rmSync(path.join(this.dir, 'carbon-cache-a.pid'), { force: true });
    const child = spawn(CARBON_CACHE, ['--debug', `--config=${path.join(this.dir, 'carbon.conf')}`, 'start'], {
      cwd: this.dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    running.add(child.pid!);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      running.delete(child.pid!);
      if (this.child === child) this.child = null;
    });
    // Its log (stdout) and Python's warnings and tracebacks (stderr) read as one text.
    const merged = new PassThrough();
    child.stdout!.pipe(merged, { end: false });
    child.stderr!.pipe(merged, { end: false });
    child.once('close', () => merged.end());
    const output = new Output(merged, `carbon-cache on port ${this.port}`);
    this.output = output;
    // Twisted logs this once the port is bound and listening: connections are accepted from here on.
    await output.waitFor(new RegExp(`CarbonReceiverFactory starting on ${this.port}\\b`), timeoutMs);
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Sends `signal` to carbon's process group (SIGSTOP and SIGCONT stall and resume it). */
  signal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (child === null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Signals carbon's process group and resolves once carbon has exited (at once if it is not running). */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child === null) return;
    // A stopped carbon acts on SIGTERM only once it runs again.
    if (signal !== 'SIGKILL') this.signal('SIGCONT');
    this.signal(signal);
    await this.exited;
  }

  /** The whisper file carbon writes `name` to (see the top of this file for tagged names). */
  whisperFile(name: string): string {
    return path.join(this.dir, 'whisper', storedPath(name) + '.wsp');
  }

  /**
   * The points whisper holds for `name` from `from` to `until` (unix seconds; default the last
   * day up to now), one per slot of the finest archive covering the range, null where empty;
   * [] while the file does not exist yet.
   */
  async whisperValues(name: string, from?: number, until?: number): Promise<Point[]> {
    const file = this.whisperFile(name);
    if (!fs.existsSync(file)) return [];
    const now = Math.floor(Date.now() / 1000);
    const args = ['--json', `--from=${from ?? now - 86_400}`, `--until=${until ?? now}`, file];
    const text = await new Promise<string>((resolve, reject) => {
      execFile(WHISPER_FETCH, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`whisper-fetch ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
    const got = JSON.parse(text) as { start: number; step: number; values: Array<number | null> };
    return got.values.map((v, i): Point => [got.start + i * got.step, v]);
  }

  /**
   * Polls whisper until `predicate` holds for the points of `name` and resolves with them;
   * rejects after `timeoutMs` with the last points read (or the last error) and carbon's output.
   */
  async waitForValue(name: string, predicate: (points: Point[]) => boolean, timeoutMs = 20_000): Promise<Point[]> {
    const deadline = Date.now() + timeoutMs;
    let last = 'nothing read yet';
    for (;;) {
      try {
        const points = await this.whisperValues(name);
        if (predicate(points)) return points;
        const got = JSON.stringify(points.filter(([, v]) => v !== null));
        last = got.length > 1000 ? `${got.slice(0, 500)} ... ${got.slice(-500)}` : got;
      } catch (err) {
        // A file carbon is still creating can fail to read; that too is "not there yet".
        last = (err as Error).message;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${name} in whisper; last non-null points: ${last}\ncarbon output:\n${this.output?.text.slice(-4000) ?? ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Prepares and starts carbon-cache (see Carbon.prepare). */
export async function startCarbon(t: Teardown, options: CarbonOptions = {}): Promise<Carbon> {
  const carbon = await Carbon.prepare(t, options);
  await carbon.start();
  return carbon;
}

/** The value of `name` at `ts` in `points`, undefined when the slot is not in them. */
export function valueAt(points: Point[], ts: number): number | null | undefined {
  return points.find(([t]) => t === ts)?.[1];
}

function carbonConf(dir: string, line: number, pickle: number, query: number): string {
  return `[cache]
STORAGE_DIR = ${dir}
LOCAL_DATA_DIR = ${dir}/whisper
WHITELISTS_DIR = ${dir}/lists
LOG_DIR = ${dir}/log
PID_DIR = ${dir}
USER =
ENABLE_LOGROTATION = False
# No limits that would hold a test's points back: carbon writes as fast as it can.
MAX_CACHE_SIZE = inf
MAX_UPDATES_PER_SECOND = 100000
MAX_CREATES_PER_MINUTE = inf
CACHE_WRITE_STRATEGY = sorted
LINE_RECEIVER_INTERFACE = 127.0.0.1
LINE_RECEIVER_PORT = ${line}
ENABLE_UDP_LISTENER = False
PICKLE_RECEIVER_INTERFACE = 127.0.0.1
PICKLE_RECEIVER_PORT = ${pickle}
CACHE_QUERY_INTERFACE = 127.0.0.1
CACHE_QUERY_PORT = ${query}
USE_FLOW_CONTROL = True
ENABLE_TAGS = False
LOG_LISTENER_CONN_SUCCESS = True
LOG_UPDATES = False
LOG_CACHE_HITS = False
CARBON_METRIC_INTERVAL = 0
`;
}

/** Where carbon 1.1.7 stores `name` under its data folder, without the .wsp. */
export function storedPath(name: string): string {
  if (!name.includes(';')) return name.split('.').join(path.sep).replace(/^\/+/, '');
  const normal = normaliseTagged(name) ?? name;
  const h = createHash('sha256').update(normal, 'utf8').digest('hex');
  return path.join('_tagged', h.slice(0, 3), h.slice(3, 6), h);
}

/** carbon's TaggedSeries.parse(name).path, or null where carbon fails to parse it. */
function normaliseTagged(name: string): string | null {
  const [metric, ...segments] = name.split(';');
  if (metric === '') return null;
  const tags = new Map<string, string>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    if (eq <= 0) return null;
    const tag = segment.slice(0, eq);
    const value = segment.slice(eq + 1);
    if (value === '' || /[;!^]/.test(tag) || value.startsWith('~')) return null;
    tags.set(tag, value);
  }
  const bare = metric.replace(/^~+/, '');
  if (bare === '') return null;
  // A `name` tag is overwritten by the metric name, as carbon does.
  tags.delete('name');
  return bare + [...tags].map(([k, v]) => `;${k}=${v}`).sort().join('');
}

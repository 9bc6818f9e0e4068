/**
 * Turning the library on and off: where events go, and flushing at the end.
 */
import { DEFAULT_COLLECT_PORT, parseEndpoint } from '../protocol/endpoint';
import type { Context } from './context';
import { EventEncoder } from './event-encoder';
import { state } from './state';
import { Transport, TransportStats } from './transport';
import { setWarningSink, warningCounts } from './warn';

export interface ConfigureOptions {
  /** oxd's collect host (default 127.0.0.1), or `host:port`. */
  host?: string;
  /** oxd's collect port (default 3514). */
  port?: number;
  /** Events kept while oxd is unreachable; beyond it they are dropped and counted (default 3500). */
  queueLimit?: number;
  /** How long shutdown() and process exit wait for queued events to go out, ms (default 2000). */
  lingerMs?: number;
  /** The host name sent with each event (default: os.hostname()). */
  hostname?: string;
  /**
   * Receive each closed context here instead of sending it to oxd (tests,
   * custom pipelines). The context is not sent anywhere else.
   */
  recorder?: (ctx: Context) => void;
  /** Random source for sampling decisions, [0, 1) (default Math.random). */
  random?: () => number;
  /** Where the library's own rate-limited warnings go (default: stderr). */
  onWarning?: (message: string) => void;
}

export interface Stats extends TransportStats {
  configured: boolean;
  /** Warnings raised, by kind, including those not printed. */
  warnings: Record<string, number>;
}

let transport: Transport | null = null;
/** The counters of the transport shut down last, so they can still be read. */
let finalStats: TransportStats | null = null;
let exitHooks = false;

function installExitHooks(): void {
  if (exitHooks) return;
  exitHooks = true;
  let gaveUp = false;
  // The loop is empty but events are queued: keep it alive for up to the linger time.
  process.on('beforeExit', () => {
    const t = transport;
    if (t === null || gaveUp || !t.pending) return;
    void t.drain().then((done) => {
      if (!done) gaveUp = true;
    });
  });
  // process.exit(): only synchronous work is possible.
  process.on('exit', () => transport?.flushSync());
}

/**
 * Sends every closed context to oxd at `host:port`. Calling it again
 * replaces the previous configuration (what was queued is flushed first,
 * in the background).
 *
 * @example
 * ```ts
 * import * as blueox from 'blueox';
 * blueox.configure({ host: 'log-master', port: 3514 });
 * ```
 */
export function configure(options: ConfigureOptions = {}): void {
  const previous = transport;
  transport = null;
  finalStats = null;
  if (previous) void previous.close();
  setWarningSink(options.onWarning ?? null);
  state.random = options.random ?? Math.random;
  if (options.recorder) {
    state.recorder = options.recorder;
    return;
  }
  const endpoint = parseEndpoint(options.host ?? '', options.port ?? DEFAULT_COLLECT_PORT);
  if (options.port !== undefined) endpoint.port = options.port;
  const t = new Transport(endpoint, new EventEncoder(options.hostname), {
    queueLimit: options.queueLimit ?? 3500,
    lingerMs: options.lingerMs ?? 2000,
  });
  transport = t;
  state.recorder = (ctx) => t.send(ctx);
  installExitHooks();
}

/**
 * Configures from `host` (a `host[:port]` string), else the `BLUEOX_HOST`
 * environment variable, else 127.0.0.1:3514, as the original's
 * default_configure().
 *
 * @example
 * ```ts
 * blueox.defaultConfigure();               // BLUEOX_HOST or 127.0.0.1:3514
 * blueox.defaultConfigure('log-master');   // log-master:3514
 * ```
 */
export function defaultConfigure(host?: string, options: Omit<ConfigureOptions, 'host' | 'port'> = {}): void {
  configure({ ...options, host: host ?? process.env.BLUEOX_HOST ?? '' });
}

/**
 * Stops sending: waits (at most the linger time) for queued events to be
 * written, closes the connection, and makes every call a no-op again.
 *
 * @example
 * ```ts
 * process.on('SIGTERM', async () => { await blueox.shutdown(); process.exit(0); });
 * ```
 */
export async function shutdown(): Promise<void> {
  const t = transport;
  transport = null;
  state.recorder = null;
  if (t) {
    await t.close();
    finalStats = t.stats();
  }
}

/**
 * The transport's counters: sent, queued, dropped, refused, body errors,
 * connection state. After shutdown(), the final counters.
 *
 * @example
 * ```ts
 * const { dropped, queued } = blueox.stats();
 * ```
 */
export function stats(): Stats {
  const base: TransportStats = transport?.stats() ?? finalStats ?? {
    sent: 0,
    queued: 0,
    dropped: 0,
    refused: 0,
    bodyErrors: 0,
    connected: false,
    connects: 0,
    lastError: null,
  };
  return { ...base, configured: state.recorder !== null, warnings: Object.fromEntries(warningCounts) };
}

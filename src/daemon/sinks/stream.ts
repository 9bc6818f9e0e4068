/**
 * The stream port: live events for viewers (`oxview -H`), two frames each,
 * the type then the unchanged body, so SUB sockets filter by type prefix.
 *
 * It is an XPUB socket (wire-compatible with the original's PUB for every
 * SUB client) so that oxd sees the subscriptions: an event whose type no
 * subscriber asked for is never handed to zeromq.js at all. With no viewers
 * the stream costs one comparison per event.
 */
import * as zmq from 'zeromq';
import type { Packable } from '../../protocol/compat-pack';
import { BlueOxError } from '../../errors';
import { Endpoint, formatHost } from '../../protocol/endpoint';
import type { Logger } from '../log';
import type { EventView, Sink } from '../sink';
import type { Stats } from '../stats';

const MAX_BIND_TRIES = 100;

export class StreamPublisher implements Sink {
  readonly name = 'stream';
  readonly congested = false;
  onDrain: (() => void) | null = null;
  private readonly sock = new zmq.XPublisher({ linger: 0, sendHighWaterMark: 10_000 });
  /** Current subscriptions, keyed by their bytes as latin1. */
  private readonly prefixes = new Map<string, Buffer>();
  private version = 0;
  private streamed = 0;
  private sendErrors = 0;
  /** Messages from subscribers that are neither a subscribe nor an unsubscribe. */
  private ignored = 0;
  private bound: Endpoint | null = null;

  constructor(
    private readonly stats: Stats,
    private readonly log: Logger,
  ) {}

  get endpoint(): Endpoint {
    if (!this.bound) throw new Error('stream port not bound');
    return this.bound;
  }

  /** Binds to a random free port in `range` on `host`, as the original did. */
  async start(host: string, range: [number, number], random: () => number = Math.random): Promise<Endpoint> {
    const [lo, hi] = range;
    const span = hi - lo + 1;
    const tries = Math.min(MAX_BIND_TRIES, span);
    const start = Math.floor(random() * span);
    // Start at a random port, then step by a stride coprime to the span so each try is a new port.
    let stride = Math.max(1, Math.floor(span * 0.618));
    while (gcd(stride, span) !== 1) stride++;
    for (let i = 0; i < tries; i++) {
      const port = lo + ((start + i * stride) % span);
      try {
        await this.sock.bind(`tcp://${formatHost(host)}:${port}`);
        this.bound = { host, port };
        void this.watchSubscriptions();
        return this.bound;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
      }
    }
    throw new BlueOxError(
      'ESTREAM_PORT',
      `no free port for the stream socket on ${host} in ${lo}-${hi} after ${tries} tries: widen stream_range`,
    );
  }

  private async watchSubscriptions(): Promise<void> {
    try {
      for await (const [msg] of this.sock) {
        if (msg.length === 0 || msg[0] > 1) {
          this.ignored++;
          continue;
        }
        const prefix = Buffer.from(msg.subarray(1));
        const key = prefix.toString('latin1');
        if (msg[0] === 1) this.prefixes.set(key, prefix);
        else this.prefixes.delete(key);
        this.version++;
        this.log.debug(`stream ${msg[0] === 1 ? 'subscribe' : 'unsubscribe'} ${JSON.stringify(key)}`);
      }
    } catch (err) {
      if (!this.sock.closed) this.log.error(`stream subscriptions: ${(err as Error).message}`);
    }
  }

  private matches(raw: Buffer): boolean {
    for (const prefix of this.prefixes.values()) {
      if (prefix.length <= raw.length && raw.compare(prefix, 0, prefix.length, 0, prefix.length) === 0) return true;
    }
    return false;
  }

  accept(ev: EventView): void {
    if (this.prefixes.size === 0) return;
    const type = ev.type;
    if (type.streamVersion !== this.version) {
      type.streamMatch = this.matches(type.raw);
      type.streamVersion = this.version;
    }
    if (!type.streamMatch) return;
    // XPUB never blocks (a slow subscriber loses messages at its high-water mark), so this resolves at once.
    this.sock.send([type.raw, ev.bodyBuf.subarray(ev.bodyStart, ev.bodyEnd)]).catch(() => this.sendErrors++);
    type.streamed++;
    this.stats.totals.streamed++;
    this.streamed++;
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  reopen(): void {
    // Nothing to reopen: subscribers reconnect by themselves.
  }

  async close(): Promise<void> {
    this.sock.close();
  }

  status(): { [key: string]: Packable } {
    return {
      port: this.bound?.port ?? null,
      subscriptions: this.prefixes.size,
      streamed: this.streamed,
      send_errors: this.sendErrors,
      ignored: this.ignored,
    };
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * `oxpoke load`'s own HTTP connections (load-connection.ts), kept open from
 * one run to the next per origin, as the http.Agent of probe-agents.ts keeps
 * them but without node:http's per-request machinery, which bounded the load
 * at a fraction of what the service answers.
 *
 * For each step it hands runCheck a probe (an HttpProber) that makes the
 * step's request on these connections when the request suits them
 * (load-request.ts) and otherwise calls the HTTP probe, so that every answer
 * reaches the assertions in the same form and is judged by the same code.
 * A request that never changes is serialized once; one filled with captured
 * values, once per run.
 *
 * Connections per origin: at most `maxPerOrigin` (a closed loop's
 * concurrency), reused last-in first-out as the agent's 'lifo' scheduling
 * does; a request finding them all busy waits for one.
 */
import type { HttpRequest } from './check';
import { probeHttp } from './http-probe';
import { LoadConnection, LoadExchange } from './load-connection';
import { wireRequest, WireRequest } from './load-request';
import { ProbeClock } from './probe-clock';
import type { ProbeOptions, ProbeResult } from './probe-result';

/** Makes an HTTP step's request and reports what came back, as probeHttp does. */
export type HttpProber = (request: HttpRequest, opts: ProbeOptions) => Promise<ProbeResult>;

class Origin {
  private readonly free: LoadConnection[] = [];
  private readonly all = new Set<LoadConnection>();
  private readonly waiting: Array<(connection: LoadConnection) => void> = [];
  private readonly closed = (connection: LoadConnection): void => this.drop(connection);

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly max: number,
  ) {}

  /** Calls `use` with a free connection, a new one, or the next one freed. */
  acquire(use: (connection: LoadConnection) => void): void {
    const free = this.free.pop();
    if (free !== undefined) return use(free);
    if (this.all.size < this.max) return use(this.connect());
    this.waiting.push(use);
  }

  release(connection: LoadConnection, reusable: boolean): void {
    if (!reusable || connection.closed) return;
    const next = this.waiting.shift();
    if (next !== undefined) next(connection);
    else this.free.push(connection);
  }

  /** Closes every connection, busy or free. */
  destroy(): void {
    for (const c of this.all) c.destroy();
    this.all.clear();
    this.free.length = 0;
  }

  private connect(): LoadConnection {
    const connection = new LoadConnection({ host: this.host, port: this.port }, this.closed);
    this.all.add(connection);
    return connection;
  }

  private drop(connection: LoadConnection): void {
    this.all.delete(connection);
    const i = this.free.indexOf(connection);
    if (i >= 0) this.free.splice(i, 1);
    // A request waiting for a connection gets a new one in place of the lost one.
    const next = this.waiting.shift();
    if (next !== undefined) next(this.connect());
  }
}

export class LoadPool {
  private readonly origins = new Map<string, Origin>();

  /** @param maxPerOrigin connections per host and port at most; undefined: as many as the runs in flight need. */
  constructor(private readonly maxPerOrigin = Infinity) {}

  /** The probe for a step's requests: on the pool's connections when they suit, else the HTTP probe. */
  prober(): HttpProber {
    let last: HttpRequest | null = null;
    let wire: WireRequest | null = null;
    let origin: Origin | null = null;
    return (request, opts) => {
      // A request that never changes is the same object run after run (run-check.ts).
      if (request !== last) {
        last = request;
        wire = wireRequest(request);
        origin = wire === null ? null : this.origin(wire);
      }
      return wire === null ? probeHttp(request, opts) : probe(wire, origin!, opts);
    };
  }

  /** Closes every connection. */
  destroy(): void {
    for (const o of this.origins.values()) o.destroy();
  }

  private origin(wire: WireRequest): Origin {
    const key = `${wire.peer.host} ${wire.peer.port}`;
    let origin = this.origins.get(key);
    if (origin === undefined) {
      origin = new Origin(wire.peer.host, wire.peer.port, this.maxPerOrigin);
      this.origins.set(key, origin);
    }
    return origin;
  }
}

/** One request on a connection of `origin`. */
function probe(wire: WireRequest, origin: Origin, opts: ProbeOptions): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const clock = new ProbeClock(wire.lookup, false);
    let on: LoadConnection | null = null;
    const exchange: LoadExchange = {
      bytes: wire.bytes,
      head: wire.head,
      href: wire.href,
      clock,
      deadline: clock.start + opts.timeoutMs,
      timeoutMs: opts.timeoutMs,
      maxBodyBytes: opts.maxBodyBytes,
      done: (result, reusable) => {
        origin.release(on!, reusable);
        resolve(result);
      },
    };
    origin.acquire((connection) => {
      on = connection;
      connection.send(exchange);
    });
  });
}

/**
 * A carbon plaintext listener (`name value timestamp\n`, what carbon-cache
 * takes on port 2003) that keeps every line a statsd-speaking sender writes
 * to it, for comparing two senders' flushes value by value.
 *
 * Two groupings, because the two senders we compare connect differently:
 * - per connection (`flushes`): etsy statsd's Graphite backend opens one
 *   connection per flush, writes everything and closes it; a flush is
 *   complete when its connection ends.
 * - per timestamp (`byTimestamp`): a sender that keeps one connection open
 *   (oxd) writes each interval's lines with that interval's timestamp.
 *   Note that statsd stamps its own `graphiteStats` lines when the connection
 *   opens, not at the flush, so its flush can straddle two timestamps here.
 *
 * Values are kept as the exact text written (`0.1`, `1e+21`, `Infinity`):
 * agreement with statsd is agreement of those texts.
 */
import * as net from 'node:net';

export interface CarbonPoint {
  /** The value as written, byte for byte. */
  value: string;
  ts: number;
}

/** One flush: every metric written on one connection, by name. */
export type Flush = Map<string, CarbonPoint>;

export interface CarbonLine {
  name: string;
  value: string;
  ts: number;
  /** Which connection wrote it, counting from 0 in the order they were accepted. */
  connection: number;
}

export interface Interval {
  ts: number;
  points: Map<string, string>;
}

interface Connection {
  id: number;
  partial: string;
  flush: Flush;
  ended: boolean;
}

export class CarbonCapture {
  /** Complete flushes, one per connection that has ended, in the order they ended. */
  readonly flushes: Flush[] = [];
  /** Every well-formed line in arrival order, from open connections too. */
  readonly lines: CarbonLine[] = [];
  /** Lines that are not `name value timestamp`: a conforming sender writes none. */
  readonly malformed: string[] = [];
  /** `name@ts` of names written twice within one connection at one timestamp (the later value is kept). */
  readonly duplicates: string[] = [];

  private readonly server = net.createServer((socket) => this.accept(socket));
  private readonly sockets = new Set<net.Socket>();
  private readonly connections: Connection[] = [];
  private readonly listeners = new Set<() => void>();
  private port = 0;

  /** Listens on 127.0.0.1, an ephemeral port; resolves with that port. */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /**
   * Resolves with the first complete flush, already received or still to come, for which
   * `pred` holds; rejects after `timeoutMs` with a summary of every flush seen.
   */
  waitForFlush(pred: (f: Flush) => boolean, timeoutMs: number): Promise<Flush> {
    return this.waitFor(
      () => this.flushes.find(pred),
      timeoutMs,
      () => `no flush of the ${this.flushes.length} received on port ${this.port} matched:\n${this.flushes.map(describeFlush).join('\n')}`,
    );
  }

  /**
   * Every line received so far grouped by timestamp (all connections together), in
   * timestamp order. A group can still grow while its sender is writing it.
   */
  byTimestamp(): Map<number, Map<string, string>> {
    const groups = new Map<number, Map<string, string>>();
    for (const l of [...this.lines].sort((a, b) => a.ts - b.ts)) {
      let g = groups.get(l.ts);
      if (!g) groups.set(l.ts, (g = new Map()));
      g.set(l.name, l.value);
    }
    return groups;
  }

  /**
   * Resolves with the first timestamp group for which `pred` holds. Only settled groups are
   * offered: the connections that wrote lines at that timestamp have since written a later
   * timestamp or ended, so a group is never judged half-written. Rejects after `timeoutMs`.
   */
  waitForInterval(pred: (i: Interval) => boolean, timeoutMs: number): Promise<Interval> {
    const find = (): Interval | undefined => {
      for (const [ts, points] of this.byTimestamp()) {
        if (this.settled(ts) && pred({ ts, points })) return { ts, points };
      }
      return undefined;
    };
    return this.waitFor(find, timeoutMs, () => {
      const groups = [...this.byTimestamp()].map(([ts, points]) => `ts ${ts}${this.settled(ts) ? '' : ' (unsettled)'}: ${describePoints(points)}`);
      return `no interval of the ${groups.length} received on port ${this.port} matched:\n${groups.join('\n')}`;
    });
  }

  /** Stops listening and drops every connection; resolves once the server is closed. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
  }

  private accept(socket: net.Socket): void {
    const conn: Connection = { id: this.connections.length, partial: '', flush: new Map(), ended: false };
    this.connections.push(conn);
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const text = conn.partial + chunk;
      const cut = text.lastIndexOf('\n');
      conn.partial = text.slice(cut + 1);
      if (cut >= 0) for (const line of text.slice(0, cut).split('\n')) this.take(conn, line);
      this.notify();
    });
    // A sender that resets the connection has still ended its flush: what arrived counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (conn.partial !== '') this.take(conn, conn.partial);
      conn.partial = '';
      conn.ended = true;
      this.flushes.push(conn.flush);
      this.notify();
    });
  }

  private take(conn: Connection, line: string): void {
    const m = /^(\S+) (\S+) (\d+)$/.exec(line);
    if (!m) {
      this.malformed.push(line);
      return;
    }
    const [, name, value, tsText] = m;
    const ts = Number(tsText);
    const before = conn.flush.get(name);
    if (before && before.ts === ts) this.duplicates.push(`${name}@${ts}`);
    conn.flush.set(name, { value, ts });
    this.lines.push({ name, value, ts, connection: conn.id });
  }

  private settled(ts: number): boolean {
    const writers = new Set(this.lines.filter((l) => l.ts === ts).map((l) => l.connection));
    for (const id of writers) {
      const conn = this.connections[id];
      if (!conn.ended && !this.lines.some((l) => l.connection === id && l.ts > ts)) return false;
    }
    return true;
  }

  private waitFor<T>(find: () => T | undefined, timeoutMs: number, seen: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = find();
        if (found === undefined) return false;
        done();
        resolve(found);
        return true;
      };
      // A timer that fires late (this process was busy) runs before pending reads: give them
      // one turn of the event loop before calling it a timeout.
      const timer = setTimeout(() => setImmediate(() => {
        if (!this.listeners.has(check) || check()) return;
        done();
        reject(new Error(`timed out after ${timeoutMs} ms: ${seen()}`));
      }), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

function describePoints(points: Map<string, string>): string {
  const names = [...points.keys()].sort();
  const shown = names.slice(0, 40).map((n) => `${n}=${points.get(n)}`);
  return `${names.length} metrics: ${shown.join(' ')}${names.length > shown.length ? ' …' : ''}`;
}

function describeFlush(f: Flush, i: number): string {
  const stamps = [...new Set([...f.values()].map((p) => p.ts))].join(',');
  return `flush ${i} (ts ${stamps}): ${describePoints(new Map([...f].map(([n, p]) => [n, p.value])))}`;
}

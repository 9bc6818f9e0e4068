/**
 * The collect source: a TCP server on the collect port that speaks ZMTP as a
 * PULL socket (see collect-connection.ts). Reading ZMTP directly instead of
 * through zeromq.js costs a fraction of the CPU per event, lets oxd pause
 * reading when a sink falls behind (TCP backpressure to the senders), and
 * adopts a socket passed by systemd with `listen({fd})`.
 */
import * as net from 'node:net';
import type { Endpoint } from '../../protocol/endpoint';
import type { Packable } from '../../protocol/compat-pack';
import type { RateLimitedLog } from '../rate-limit';
import type { Router } from '../router';
import type { FdStore } from '../fd-store';
import { CollectConnection, ConnectionCounters } from './collect-connection';
import { ConnectionHandover, encodeHandover } from './collect-handover';

export type ListenOn = { endpoint: Endpoint } | { fd: number };

export interface CollectOptions {
  maxEventSize: number;
  handshakeTimeoutMs: number;
  maxConnections: number;
}

export class CollectSource {
  /** Properties the handshake's READY adds: the link port, once the link socket is bound. */
  readonly ready: Record<string, string> = {};
  private readonly server: net.Server;
  private readonly connections = new Set<CollectConnection>();
  private readonly counters: ConnectionCounters & { accepted: number } = {
    accepted: 0,
    protocolErrors: 0,
    handshakeTimeouts: 0,
    pings: 0,
    pongsSkipped: 0,
    backpressurePauses: 0,
  };
  /** Connections still open when the drain timeout ran out at shutdown, closed with what they had in flight. */
  private drainCut = 0;
  /** Connections this oxd took from the previous one, and those it could not (no state for them). */
  private takenOver = 0;
  private takeoverClosed = 0;
  private handedOver = 0;
  private bound: Endpoint | null = null;

  constructor(
    private readonly listenOn: ListenOn,
    private readonly router: Router,
    private readonly options: CollectOptions,
    private readonly warn: RateLimitedLog,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
    this.server.maxConnections = options.maxConnections;
  }

  /** The address actually listened on (with the real port when 0 was asked for). */
  get endpoint(): Endpoint {
    if (!this.bound) throw new Error('collect source not started');
    return this.bound;
  }

  start(): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const target = 'fd' in this.listenOn ? { fd: this.listenOn.fd } : { host: this.listenOn.endpoint.host, port: this.listenOn.endpoint.port };
      this.server.listen(target, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.warn.log('error', 'collect-server', `collect port: ${err.message}`));
        const addr = this.server.address() as net.AddressInfo;
        this.bound = { host: addr.address, port: addr.port };
        resolve(this.bound);
      });
    });
  }

  /**
   * The connections the previous oxd handed over: each socket goes on from
   * the state saved for its sender. One without a state (another oxd
   * version's, or a sender's that connected as the old oxd stopped) cannot
   * be read safely from the middle of its stream: it is closed, and its
   * sender connects again.
   */
  adopt(fds: number[], handover: ConnectionHandover[]): void {
    const byPeer = new Map(handover.map((h) => [h.peer, h]));
    for (const fd of fds) {
      const socket = new net.Socket({ fd, readable: true, writable: true });
      const state = byPeer.get(`${socket.remoteAddress}:${socket.remotePort}`);
      if (state === undefined) {
        this.takeoverClosed++;
        socket.destroy();
        continue;
      }
      this.takenOver++;
      this.accept(socket, state);
    }
  }

  private accept(socket: net.Socket, resume?: ConnectionHandover): void {
    if (resume === undefined) this.counters.accepted++;
    socket.setKeepAlive(true, 60_000);
    const conn = new CollectConnection(socket, this.router, {
      maxEventSize: this.options.maxEventSize,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      counters: this.counters,
      ready: this.ready,
      onProtocolError: (peer, reason) =>
        this.warn.log('warning', 'collect-protocol', `closed collect connection from ${peer}: ${reason}`),
      resume,
    });
    this.connections.add(conn);
    socket.on('error', (err) => this.warn.log('info', 'collect-socket', `collect connection ${conn.peer}: ${err.message}`));
    socket.once('close', () => this.connections.delete(conn));
  }

  /**
   * Stops accepting and says goodbye to every sender: a TCP FIN on each
   * connection, then reading on until the sender closes its side. A ZeroMQ
   * peer (libzmq, the blueox client, a forwarding oxd) answers the FIN by
   * closing after the last byte it wrote, keeps what it had not written yet
   * and sends it after reconnecting, so nothing in flight is cut in half.
   * Closing with unread data instead would reset the connection and lose
   * every event still in the kernel's buffers. A sender that has not closed
   * within the drain timeout is cut off (counted as drain_cut).
   */
  async stop(drainTimeoutMs: number, store: FdStore | null = null): Promise<void> {
    // close() resolves only once every connection has ended, so it is awaited last.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (store !== null) this.handOver(store);
    const open = [...this.connections];
    const allClosed = Promise.all(open.map((c) => new Promise<void>((resolve) => (c.socket.destroyed ? resolve() : c.socket.once('close', () => resolve())))));
    for (const conn of open) conn.sayGoodbye();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allClosed, new Promise<void>((resolve) => (timer = setTimeout(resolve, drainTimeoutMs)))]);
    clearTimeout(timer);
    const left = [...this.connections];
    if (left.length > 0) {
      this.drainCut += left.length;
      this.warn.log(
        'warning',
        'collect-drain',
        `${left.length} sender(s) still connected after drain_timeout_ms=${drainTimeoutMs} (${left.slice(0, 5).map((c) => c.peer).join(', ')}): closing; what they had in flight is lost`,
      );
    }
    for (const conn of left) conn.socket.destroy();
    this.connections.clear();
    await closed;
  }

  /**
   * A restart with systemd's fd store (fd-store.ts): every connection past
   * its handshake stops being read and goes, with where it is in its stream,
   * to the next oxd; it never closes, so its sender loses nothing. The
   * others (still in their handshake, or beyond what the store holds) are
   * said goodbye to. If systemd cannot be told, goodbye to all.
   */
  private handOver(store: FdStore): void {
    const chosen = [...this.connections]
      .filter((c) => c.handshakeDone && socketFd(c.socket) !== null)
      // The store's last place is the state's.
      .slice(0, store.max - 1);
    const states = chosen.map((c) => c.freeze()!);
    try {
      store.store(chosen.map((c) => socketFd(c.socket)!), encodeHandover(states));
    } catch (err) {
      this.warn.log('error', 'collect-handover', `could not hand the senders' connections to the next oxd (${(err as Error).message}): closing them`);
      for (const c of chosen) c.thaw();
      return;
    }
    this.handedOver += chosen.length;
    // systemd holds a copy of each: closing ours does not close the connection.
    for (const c of chosen) {
      this.connections.delete(c);
      c.socket.destroy();
    }
  }

  status(): { [key: string]: Packable } {
    return {
      endpoint: this.bound ? `${this.bound.host}:${this.bound.port}` : null,
      connections: this.connections.size,
      accepted: this.counters.accepted,
      protocol_errors: this.counters.protocolErrors,
      handshake_timeouts: this.counters.handshakeTimeouts,
      pings: this.counters.pings,
      pongs_skipped: this.counters.pongsSkipped,
      backpressure_pauses: this.counters.backpressurePauses,
      drain_cut: this.drainCut,
      handed_over: this.handedOver,
      taken_over: this.takenOver,
      takeover_closed: this.takeoverClosed,
    };
  }
}

/** The descriptor of a TCP socket (Node keeps it in its handle); null when it has none (closed). */
function socketFd(socket: net.Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

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
import { CollectConnection, ConnectionCounters } from './collect-connection';

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

  private accept(socket: net.Socket): void {
    this.counters.accepted++;
    socket.setKeepAlive(true, 60_000);
    const conn = new CollectConnection(socket, this.router, {
      maxEventSize: this.options.maxEventSize,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      counters: this.counters,
      ready: this.ready,
      onProtocolError: (peer, reason) =>
        this.warn.log('warning', 'collect-protocol', `closed collect connection from ${peer}: ${reason}`),
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
  async stop(drainTimeoutMs: number): Promise<void> {
    // close() resolves only once every connection has ended, so it is awaited last.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
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
    };
  }
}

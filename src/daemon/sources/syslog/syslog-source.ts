/**
 * The syslog source: syslog over TCP (RFC 6587 framing) and UDP (a message
 * per datagram) on one address, or the sockets of oxd-syslog.socket. Every
 * message becomes one `syslog` event on the router, parsed as RFC 5424 or
 * RFC 3164, or kept whole and flagged: none is dropped. A message over
 * syslog_max_message is cut and flagged; connections over the cap are
 * refused and counted. Bad input is counted by reason (`problems` in
 * STATUS): a TLS handshake on this plain port closes its connection; what a
 * connection ends inside of is kept and flagged, as when oxd stops; TCP
 * keepalive closes connections whose peer vanished.
 *
 * The sockets are read here, on the main thread; what TCP connections (plain
 * and TLS) read is framed and encoded on a thread of its own (the syslog
 * thread, started with the first connection), whose batches of events come
 * back to be routed here in the order read, each with its connection's
 * name. Connections stop reading while a sink is behind and while the
 * thread is (syslog-worker.ts). Datagrams are made into events here: one
 * message each, they would cost more to hand over than to encode. Should
 * the thread fail, connections are framed here from then on.
 */
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import type { OxdSettings } from '../../../config/oxd-settings';
import { writeEventId } from '../../../client/event-id';
import type { Packable } from '../../../protocol/compat-pack';
import { Endpoint, unmappedAddress } from '../../../protocol/endpoint';
import { META_SIZE } from '../../../protocol/meta';
import { MetaFrames } from '../../../protocol/syslog/meta-frames';
import { BatchEvent, readEvent, SyslogBatch } from '../../../protocol/syslog/syslog-batch';
import { SyslogBodyEncoder } from '../../../protocol/syslog/syslog-body-encoder';
import { SYSLOG_EVENT_TYPE } from '../../../protocol/syslog/syslog-event';
import type { SyslogFormat } from '../../../protocol/syslog/syslog-message';
import { FRAME_BAD_OCTET_COUNT, FRAME_INCOMPLETE, FRAME_TRUNCATED } from '../../../protocol/syslog/tcp-framing';
import { describeError } from '../../../errors';
import type { PassedSockets } from '../../daemon';
import type { RateLimitedLog } from '../../rate-limit';
import type { Router } from '../../router';
import { Congestion, ReadTurns } from '../read-turns';
import { readUdpDrops } from '../udp-drops';
import { bindUdpTcp, closeUdpTcp, UdpTcpListen } from '../udp-tcp-listen';
import { SyslogConnection } from './syslog-connection';
import { readTlsFiles, SyslogTlsListen, SyslogTlsServer } from './syslog-tls';
import { SyslogWorker } from './syslog-worker';

export interface SyslogSourceOptions {
  maxMessage: number;
  maxConnections: number;
  receiveBuffer: number;
  /** Bytes read and not yet made into events by the syslog thread above which connections stop reading (syslog-worker.ts). */
  threadBacklog?: number;
}

const RECEIVE_BUFFER = 4 * 1024 * 1024;
/** Idle time before keepalive probes; Node then probes every second, ten times, before closing. */
const KEEPALIVE_MS = 60_000;

export class SyslogSource {
  /** The TLS port (syslog_tls), whose connections come to accept() once their handshake is done. */
  tls: SyslogTlsServer | null = null;
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private readonly connections = new Set<net.Socket>();
  private bound: Endpoint | null = null;
  private receiveBufferGot = 0;
  private readonly counts = { messages: 0, udp_messages: 0, tcp_messages: 0, truncated: 0, tcp_accepted: 0, tcp_refused: 0 };
  /** Messages by format, and the formats in the order first seen (as STATUS lists them). */
  private readonly formats: Record<SyslogFormat, number> = { rfc5424: 0, rfc3164: 0, unparsed: 0 };
  private readonly formatsSeen: SyslogFormat[] = [];
  /** Writes each message's event frames, which go to the router as the collect port's do. */
  private readonly encoder = new SyslogBodyEncoder(writeEventId, process.pid);
  /** Counted by reason beside truncated, unparsed and refused, which have counters of their own. */
  private readonly problems = { incomplete: 0, bad_octet_count: 0, tls_on_plain: 0, reset: 0 };
  /** Times a connection stopped reading because a sink was behind, and because the syslog thread was. */
  private backpressurePauses = 0;
  private threadPauses = 0;
  /** Open connections, and closed ones whose last events the thread has not yet sent back, by id. */
  private readonly open = new Map<number, SyslogConnection>();
  private nextId = 0;
  /** Started with the first TCP connection; it stays after it failed, to say so in STATUS. */
  private thread: SyslogWorker | null = null;
  private stopping = false;
  private noThread = false;
  /** The meta frames of events from the thread, one per host (as the encoder keeps them). */
  private readonly metaFrames = new MetaFrames(SYSLOG_EVENT_TYPE);
  private readonly batchEvent: BatchEvent = { connection: 0, flags: 0, format: 'unparsed', hostStart: 0, hostEnd: 0, bodyStart: 0, bodyEnd: 0, arrival: 0, endTime: 0 };
  /** Connections stop reading while a sink is behind, and while the thread is. */
  private readonly gate: Congestion;
  private allClosed: (() => void) | null = null;

  constructor(
    private readonly listenOn: UdpTcpListen | null,
    private readonly router: Router,
    private readonly options: SyslogSourceOptions,
    private readonly warn: RateLimitedLog,
  ) {
    const source = this;
    this.gate = {
      get congested(): boolean {
        return source.router.congested || (source.thread?.congested ?? false);
      },
      whenDrained: (resume) => this.waitToRead(resume),
    };
  }

  /** The plain address (TCP and UDP), or null when only TLS was asked for (the daemon starts `tls` itself, to name its port in errors). */
  get endpoint(): Endpoint | null {
    return this.bound;
  }

  async start(): Promise<Endpoint | null> {
    if (this.listenOn) await this.startPlain(this.listenOn);
    return this.bound;
  }

  private async startPlain(listenOn: UdpTcpListen): Promise<void> {
    const bound = await bindUdpTcp(listenOn, this.options.receiveBuffer, (socket) => this.accept(socket));
    this.udp = bound.udp;
    this.tcp = bound.tcp;
    this.receiveBufferGot = bound.receiveBuffer;
    if (this.tcp) {
      this.tcp.maxConnections = this.options.maxConnections;
      this.tcp.on('drop', () => {
        this.counts.tcp_refused++;
        this.warn.log('warning', 'syslog-refused', `syslog: refused a TCP connection: ${this.options.maxConnections} are open (syslog_max_connections)`);
      });
      this.tcp.on('error', (err) => this.warn.log('error', 'syslog-tcp', `syslog TCP port: ${err.message}`));
    }
    if (this.udp) {
      // Datagrams come from a few senders, each many: the last sender's names are kept.
      let address = '';
      let peer = '';
      let label = '';
      this.udp.on('message', (msg, rinfo) => {
        this.counts.udp_messages++;
        const cut = msg.length > this.options.maxMessage;
        if (rinfo.address !== address) {
          address = rinfo.address;
          peer = unmappedAddress(address);
          label = `syslog ${peer}`;
        }
        this.message(msg, 0, cut ? this.options.maxMessage : msg.length, peer, label, Date.now(), cut, false, false);
      });
      this.udp.on('error', (err) => this.warn.log('error', 'syslog-udp', `syslog UDP socket: ${err.message}`));
    }
    this.bound = bound.endpoint;
  }

  /** A connection on the plain TCP port, or on the TLS port after its handshake. */
  accept(socket: net.Socket): void {
    this.counts.tcp_accepted++;
    this.connections.add(socket);
    const peer = unmappedAddress(socket.remoteAddress ?? 'unknown');
    const c = new SyslogConnection(this.nextId++, peer, 'encrypted' in socket, this.options.maxMessage, this.startThread(), (...m) => this.tcpMessage(...m));
    this.open.set(c.id, c);
    // A peer gone without a FIN or a reset (a crashed host, a lost NAT entry) is found and closed.
    socket.setKeepAlive(true, KEEPALIVE_MS);
    // The gate counts the pauses, by what they wait for.
    const turns = new ReadTurns(socket, this.gate, () => undefined);
    socket.on('data', (data: Buffer) => {
      // Taken once per chunk read, not per message.
      const arrival = Date.now();
      turns.read(data.length);
      if (!c.read(data, arrival)) this.tlsOnPlain(socket, peer);
    });
    socket.on('end', () => {
      c.end(Date.now(), true, false);
      socket.end();
    });
    socket.on('error', (err) => {
      this.problems.reset++;
      this.warn.log('info', 'syslog-tcp-conn', `syslog TCP connection from ${peer}: ${err.message}`);
    });
    socket.once('close', () => {
      // Reset, or closed by oxd: what is held of a message is kept, flagged incomplete (nothing after a clean end).
      c.end(Date.now(), false, true);
      if (!this.thread?.running) this.open.delete(c.id);
      this.connections.delete(socket);
      if (this.connections.size === 0) this.allClosed?.();
    });
  }

  /** The syslog thread, started for the first connection; null when it could not be, or oxd stops first. */
  private startThread(): SyslogWorker | null {
    if (this.thread === null && !this.stopping && !this.noThread) {
      try {
        this.thread = new SyslogWorker(
          this.options.maxMessage,
          (batch) => this.routeBatch(batch),
          (err, lost) => this.threadFailed(err, lost),
          this.options.threadBacklog,
        );
      } catch (err) {
        this.noThread = true;
        this.warn.log('error', 'syslog-thread', `syslog: cannot start the syslog thread (${describeError(err)}); TCP is framed on the main thread`);
      }
    }
    return this.thread;
  }

  private threadFailed(err: Error, lost: number): void {
    this.warn.log(
      'error',
      'syslog-thread',
      `syslog: the syslog thread failed (${err.message}): ${lost} bytes read from TCP senders and not yet stored are lost; syslog goes on, framed on the main thread`,
    );
    // The thread will not say which closed connections it was done with.
    for (const c of this.open.values()) if (c.closed) this.open.delete(c.id);
  }

  /**
   * A connection stopped reading: it reads again once neither the thread nor
   * the sinks are behind. Counted once for each it waits for (it may wait
   * for the thread first, and find a sink behind once the thread caught up).
   */
  private waitToRead(resume: () => void, sinkCounted = false, threadCounted = false): void {
    const thread = this.thread;
    if (!sinkCounted && this.router.congested) {
      this.backpressurePauses++;
      sinkCounted = true;
    }
    if (thread?.congested) {
      if (!threadCounted) this.threadPauses++;
      thread.whenDrained(() => this.waitToRead(resume, sinkCounted, true));
    } else this.router.whenDrained(resume);
  }

  /** A batch of events from the thread, routed in order, each with its connection's name. */
  private routeBatch(b: SyslogBatch): void {
    const bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    const e = this.batchEvent;
    const counts = this.counts;
    let id = -1;
    let label = '';
    for (let i = 0; i < b.events; i++) {
      readEvent(b, i, e);
      if (e.connection !== id) {
        id = e.connection;
        label = this.open.get(id)?.label ?? 'syslog';
      }
      counts.tcp_messages++;
      counts.messages++;
      if ((e.flags & FRAME_TRUNCATED) !== 0) counts.truncated++;
      if ((e.flags & FRAME_INCOMPLETE) !== 0) this.problems.incomplete++;
      if ((e.flags & FRAME_BAD_OCTET_COUNT) !== 0) this.problems.bad_octet_count++;
      if (this.formats[e.format]++ === 0) this.formatsSeen.push(e.format);
      const meta = this.metaFrames.frame(bytes, e.hostStart, e.hostEnd, e.endTime);
      this.router.route(meta, 0, META_SIZE, bytes, e.bodyStart, e.bodyEnd, e.arrival, label, true);
    }
    for (const forgotten of b.forgotten) this.open.delete(forgotten);
  }

  /** A message framed here (the thread failed): as the thread would have made it. */
  private tcpMessage(c: SyslogConnection, buf: Buffer, start: number, end: number, arrival: number, flags: number, knownUtf8: boolean): void {
    this.counts.tcp_messages++;
    if ((flags & FRAME_BAD_OCTET_COUNT) !== 0) this.problems.bad_octet_count++;
    this.message(buf, start, end, c.peer, c.label, arrival, (flags & FRAME_TRUNCATED) !== 0, (flags & FRAME_INCOMPLETE) !== 0, knownUtf8);
  }

  /** A TLS client on the plain port: its handshake is no syslog, and it would wait for an answer forever. */
  private tlsOnPlain(socket: net.Socket, peer: string): void {
    this.problems.tls_on_plain++;
    const port = this.bound ? this.bound.port : '?';
    this.warn.log(
      'warning',
      'syslog-tls-on-plain',
      `syslog: ${peer} began a TLS handshake on the plain TCP port ${port}; closed. This port takes syslog as plain text: TLS senders go to the port of the syslog_tls setting`,
    );
    socket.destroy();
  }

  /**
   * One message, `buf[start, end)`, whatever came with it: stored as an
   * event, parsed or not. Its frames are routed as the collect port routes
   * a sender's, but for the body check: the encoder's bodies are held to it
   * by its tests (syslog-body-encoder.test.ts, on real senders and mutated messages).
   */
  private message(buf: Buffer, start: number, end: number, peer: string, label: string, arrival: number, truncated: boolean, incomplete: boolean, ascii: boolean): void {
    const enc = this.encoder;
    enc.encode(buf, start, end, peer, arrival, truncated, incomplete, ascii);
    this.counts.messages++;
    if (truncated) this.counts.truncated++;
    if (incomplete) this.problems.incomplete++;
    if (this.formats[enc.format]++ === 0) this.formatsSeen.push(enc.format);
    this.router.route(enc.meta, 0, META_SIZE, enc.out, enc.bodyStart, enc.bodyEnd, arrival, label, true);
  }

  status(): { [key: string]: Packable } {
    const drops = this.bound && this.udp ? readUdpDrops(this.bound.port) : { socket: null, rcvbufErrors: null };
    return {
      endpoint: this.bound ? `${this.bound.host}:${this.bound.port}` : null,
      ...this.counts,
      formats: Object.fromEntries(this.formatsSeen.map((f) => [f, this.formats[f]])),
      tcp_connections: this.connections.size,
      tcp_held_bytes: [...this.open.values()].reduce((n, c) => n + c.held, this.thread?.held ?? 0),
      backpressure_pauses: this.backpressurePauses,
      thread: this.thread ? { ...this.thread.status(), pauses: this.threadPauses } : null,
      receive_buffer: this.receiveBufferGot,
      udp_drops: drops.socket,
      problems: {
        truncated: this.counts.truncated,
        unparsed: this.formats.unparsed,
        refused: this.counts.tcp_refused,
        ...this.problems,
      },
      tls: this.tls?.status() ?? null,
    };
  }

  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = null;
    this.tcp = null;
    this.stopping = true;
    // Partial messages go to the router now, while the sinks still take events.
    for (const c of this.open.values()) if (!c.closed) c.end(Date.now(), false, false);
    const tlsClosed = this.tls?.stop();
    await closeUdpTcp(udp, tcp, this.connections);
    for (const socket of this.connections) socket.destroy();
    await tlsClosed;
    // Every connection has said its last to the thread; its batches are routed before the sinks close.
    if (this.connections.size > 0) await new Promise<void>((resolve) => (this.allClosed = resolve));
    await this.thread?.stop();
  }
}

/**
 * The syslog source the settings ask for (addresses, or sockets from
 * systemd), or null. Throws ESYSLOG_TLS when the TLS files cannot be used.
 */
export function syslogSource(settings: OxdSettings, passed: PassedSockets, router: Router, warn: RateLimitedLog): SyslogSource | null {
  const listen: UdpTcpListen | null =
    passed.syslog !== undefined && passed.syslog.length > 0 ? { fds: passed.syslog } : settings.syslog ? { endpoint: settings.syslog } : null;
  const tlsListen: SyslogTlsListen | null =
    passed.syslogTls !== undefined ? { fd: passed.syslogTls } : settings.syslogTls ? { endpoint: settings.syslogTls } : null;
  if (listen === null && tlsListen === null) return null;
  const source = new SyslogSource(listen, router, { maxMessage: settings.syslogMaxMessage, maxConnections: settings.syslogMaxConnections, receiveBuffer: RECEIVE_BUFFER }, warn);
  if (tlsListen) {
    const options = { handshakeTimeoutMs: settings.handshakeTimeoutMs, maxConnections: settings.syslogMaxConnections };
    source.tls = new SyslogTlsServer(tlsListen, readTlsFiles(settings), options, (socket) => source.accept(socket), warn);
  }
  return source;
}

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
 */
import * as buffer from 'node:buffer';
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import type { OxdSettings } from '../../../config/oxd-settings';
import { writeEventId } from '../../../client/event-id';
import type { Packable } from '../../../protocol/compat-pack';
import { Endpoint, unmappedAddress } from '../../../protocol/endpoint';
import { META_SIZE } from '../../../protocol/meta';
import { SyslogBodyEncoder } from '../../../protocol/syslog/syslog-body-encoder';
import type { SyslogFormat } from '../../../protocol/syslog/syslog-message';
import { FRAME_BAD_OCTET_COUNT, FRAME_INCOMPLETE, FRAME_TRUNCATED, SyslogFramer } from '../../../protocol/syslog/tcp-framing';
import { tlsStart, TLS_SNIFF_BYTES } from '../../../protocol/syslog/tls-hello';
import type { PassedSockets } from '../../daemon';
import type { RateLimitedLog } from '../../rate-limit';
import type { Router } from '../../router';
import { ReadTurns } from '../read-turns';
import { readUdpDrops } from '../udp-drops';
import { bindUdpTcp, closeUdpTcp, UdpTcpListen } from '../udp-tcp-listen';
import { readTlsFiles, SyslogTlsListen, SyslogTlsServer } from './syslog-tls';

export interface SyslogSourceOptions {
  maxMessage: number;
  maxConnections: number;
  receiveBuffer: number;
}

const RECEIVE_BUFFER = 4 * 1024 * 1024;
/** Node 18.15 and later; before, every message is checked for UTF-8 on its own. */
const isAscii: (b: Buffer) => boolean = (buffer as { isAscii?: (b: Buffer) => boolean }).isAscii ?? (() => false);
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
  /** Times a connection stopped reading because a sink was behind. */
  private backpressurePauses = 0;
  /**
   * Per open connection: the bytes it holds of an unfinished message, and how
   * it ends without a clean close (what it holds is kept, flagged incomplete).
   */
  private readonly unfinished = new Map<net.Socket, { held: () => number; cutShort: () => void }>();

  constructor(
    private readonly listenOn: UdpTcpListen | null,
    private readonly router: Router,
    private readonly options: SyslogSourceOptions,
    private readonly warn: RateLimitedLog,
  ) {}

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
    const label = `syslog ${peer}`;
    // Taken once per chunk read, not per message: the time, and whether the chunk is all ASCII
    // (then so is every message in it, and none needs checking for UTF-8 on its own).
    let arrival = 0;
    let chunk: Buffer | null = null;
    let chunkAscii = false;
    const framer = new SyslogFramer(
      this.options.maxMessage,
      (buf, start, end, flags) => {
        this.counts.tcp_messages++;
        if ((flags & FRAME_BAD_OCTET_COUNT) !== 0) this.problems.bad_octet_count++;
        this.message(buf, start, end, peer, label, arrival, (flags & FRAME_TRUNCATED) !== 0, (flags & FRAME_INCOMPLETE) !== 0, chunkAscii && buf === chunk);
      },
      true,
    );
    // A peer gone without a FIN or a reset (a crashed host, a lost NAT entry) is found and closed.
    socket.setKeepAlive(true, KEEPALIVE_MS);
    // The first bytes of a plain connection are looked at before any is framed (a TLS socket is already decrypted).
    let head: Buffer | null = 'encrypted' in socket ? null : Buffer.alloc(0);
    const turns = new ReadTurns(socket, this.router, () => this.backpressurePauses++);
    socket.on('data', (data: Buffer) => {
      arrival = Date.now();
      turns.read(data.length);
      if (head !== null) {
        const start = Buffer.concat([head, data.subarray(0, TLS_SNIFF_BYTES)]);
        const kind = tlsStart(start);
        if (kind === 'more') {
          head = start;
          return;
        }
        if (kind === 'tls') {
          head = null;
          this.tlsOnPlain(socket, peer);
          return;
        }
        if (head.length > 0) framer.push(head);
        head = null;
      }
      chunk = data;
      chunkAscii = isAscii(data);
      framer.push(data);
      chunk = null;
    });
    // One or two bytes that could still have begun a TLS handshake are a message like any other.
    const pushHead = (): void => {
      if (head !== null && head.length > 0) framer.push(head);
      head = null;
    };
    const ended = (clean: boolean): void => {
      arrival = Date.now();
      pushHead();
      framer.end(clean);
    };
    this.unfinished.set(socket, { held: () => framer.buffered + (head?.length ?? 0), cutShort: () => ended(false) });
    socket.on('end', () => {
      ended(true);
      socket.end();
    });
    socket.on('error', (err) => {
      this.problems.reset++;
      this.warn.log('info', 'syslog-tcp-conn', `syslog TCP connection from ${peer}: ${err.message}`);
    });
    socket.once('close', () => {
      // Reset, or closed by oxd: what the framer holds is kept, flagged incomplete (nothing after a clean end).
      ended(false);
      this.unfinished.delete(socket);
      this.connections.delete(socket);
    });
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
      tcp_held_bytes: [...this.unfinished.values()].reduce((n, u) => n + u.held(), 0),
      backpressure_pauses: this.backpressurePauses,
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
    // Partial messages go to the router now, while the sinks still take events.
    for (const u of this.unfinished.values()) u.cutShort();
    const tlsClosed = this.tls?.stop();
    await closeUdpTcp(udp, tcp, this.connections);
    for (const socket of this.connections) socket.destroy();
    await tlsClosed;
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

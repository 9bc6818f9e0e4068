/**
 * The statsd source: statsd lines over UDP and TCP on one address (or the
 * sockets of oxd-statsd.socket), aggregated into intervals that close at
 * wall-clock multiples of statsd_flush_ms. At each window's end the
 * interval's figures go to `onInterval` (the Graphite writer, the hierarchy);
 * DogStatsD events and service checks become BlueOx events on the router.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Packable } from '../../../protocol/compat-pack';
import type { OxdSettings } from '../../../config/oxd-settings';
import type { PassedSockets } from '../../daemon';
import type { Endpoint } from '../../../protocol/endpoint';
import { AggregatorOptions, IntervalData, StatsdAggregator } from '../../../protocol/statsd/aggregator';
import type { DogCheck, DogEvent } from '../../../protocol/statsd/dogstatsd';
import { fitHost, routeLocalEvent } from '../../local-event';
import type { RateLimitedLog } from '../../rate-limit';
import type { Router } from '../../router';
import { FlushClock } from './flush-clock';
import { bindUdpTcp, closeUdpTcp, UdpTcpListen } from '../udp-tcp-listen';
import { TcpLines } from './tcp-lines';
import { readUdpDrops } from '../udp-drops';

export interface StatsdSourceOptions extends AggregatorOptions {
  flushMs: number;
  receiveBuffer: number;
  maxConnections: number;
}

const MAX_STATSD_CONNECTIONS = 1024;


/** What a flush hands on: the window [end - interval, end) and its figures. */
export interface ClosedInterval {
  data: IntervalData;
  windowEnd: number;
  intervalMs: number;
  /** How long closing the interval took, ms (statsd's processing_time). */
  processingMs: number;
  /** statsd's timestamp_lag: seconds this flush came later than one interval after the previous. */
  timestampLag: number;
}

export class StatsdSource {
  readonly aggregator: StatsdAggregator;
  onInterval: (interval: ClosedInterval) => void = () => undefined;
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private readonly connections = new Set<net.Socket>();
  private readonly clock: FlushClock;
  private bound: Endpoint | null = null;
  private receiveBufferGot = 0;
  private lastFlushAt = 0;
  private intervals = 0;
  private eventsRouted = 0;
  /** The sender of the packet being parsed, for the events it holds. */
  private peer = '';

  constructor(
    private readonly listenOn: UdpTcpListen,
    private readonly router: Router,
    private readonly options: StatsdSourceOptions,
    private readonly warn: RateLimitedLog,
  ) {
    this.aggregator = new StatsdAggregator(options);
    this.aggregator.onEvent = (e) => this.routeEvent('statsd.event', e.hostname, dogEventBody(e), e.timestamp);
    this.aggregator.onCheck = (c) => this.routeEvent('statsd.check', c.hostname, dogCheckBody(c), c.timestamp);
    this.clock = new FlushClock(options.flushMs, (end) => this.closeInterval(end));
  }

  get endpoint(): Endpoint {
    if (!this.bound) throw new Error('statsd source not started');
    return this.bound;
  }

  async start(): Promise<Endpoint> {
    const bound = await bindUdpTcp(this.listenOn, this.options.receiveBuffer, (socket) => this.accept(socket));
    this.udp = bound.udp;
    this.tcp = bound.tcp;
    this.receiveBufferGot = bound.receiveBuffer;
    if (this.tcp) {
      this.tcp.maxConnections = this.options.maxConnections;
      this.tcp.on('error', (err) => this.warn.log('error', 'statsd-tcp', `statsd TCP port: ${err.message}`));
    }
    if (this.udp) {
      this.udp.on('message', (msg, rinfo) => this.datagram(msg, rinfo.address));
      this.udp.on('error', (err) => this.warn.log('error', 'statsd-udp', `statsd UDP socket: ${err.message}`));
    }
    this.bound = bound.endpoint;
    this.clock.start();
    return this.bound;
  }

  private datagram(msg: Buffer, peer: string): void {
    this.peer = peer;
    this.aggregator.packet(msg.toString('utf8'));
  }

  private accept(socket: net.Socket): void {
    this.connections.add(socket);
    const peer = socket.remoteAddress ?? 'unknown';
    const lines = new TcpLines(
      (text) => {
        this.peer = peer;
        this.aggregator.packet(text);
      },
      (start) => this.aggregator.bad('too-long', start),
    );
    socket.on('data', (chunk: Buffer) => lines.push(chunk));
    socket.on('end', () => {
      lines.end();
      socket.end();
    });
    socket.on('error', (err) => this.warn.log('info', 'statsd-tcp-conn', `statsd TCP connection from ${peer}: ${err.message}`));
    socket.once('close', () => this.connections.delete(socket));
  }

  private closeInterval(windowEnd: number): void {
    const started = Date.now();
    const lag = this.lastFlushAt > 0 ? Math.round(started / 1000) - Math.round(this.lastFlushAt / 1000) - this.options.flushMs / 1000 : 0;
    this.lastFlushAt = started;
    const data = this.aggregator.flush();
    this.intervals++;
    this.onInterval({ data, windowEnd, intervalMs: this.options.flushMs, processingMs: Date.now() - started, timestampLag: lag });
  }

  /** The event's host is the one it names, else the address it came from. */
  private routeEvent(type: string, hostname: string | undefined, body: { [key: string]: Packable }, timestamp: number | undefined): void {
    const host = hostname !== undefined && hostname.length > 0 ? fitHost(hostname) : this.peer;
    const time = timestamp ?? Date.now() / 1000;
    body.peer = this.peer;
    this.eventsRouted++;
    routeLocalEvent(this.router, { type, host, start: time, end: time, body }, `statsd ${this.peer}`);
  }

  status(): { [key: string]: Packable } {
    const a = this.aggregator;
    const drops = this.bound ? readUdpDrops(this.bound.port) : { socket: null, rcvbufErrors: null };
    return {
      endpoint: this.bound ? `${this.bound.host}:${this.bound.port}` : null,
      flush_ms: this.options.flushMs,
      intervals: this.intervals,
      packets_received: a.totalPackets,
      metrics_received: a.totalMetrics,
      bad_lines_seen: a.totalBadLines,
      bad_lines: Object.fromEntries(a.badReasons),
      recent_bad_lines: [...a.recentBad],
      names: a.nameCount,
      names_dropped: a.namesDropped,
      timers_sketched: a.timersSketched,
      events: this.eventsRouted,
      tcp_connections: this.connections.size,
      receive_buffer: this.receiveBufferGot,
      udp_drops: drops.socket,
      udp_rcvbuf_errors: drops.rcvbufErrors,
    };
  }

  /** Stops receiving; the interval being filled is closed and handed on, so nothing counted is lost. */
  async stop(): Promise<void> {
    this.clock.stop();
    const { udp, tcp } = this;
    this.udp = null;
    this.tcp = null;
    await closeUdpTcp(udp, tcp, this.connections);
    if (this.bound) this.closeInterval(this.clock.windowEnd);
  }
}

function dogEventBody(e: DogEvent): { [key: string]: Packable } {
  return { ...e } as unknown as { [key: string]: Packable };
}

function dogCheckBody(c: DogCheck): { [key: string]: Packable } {
  return { ...c } as unknown as { [key: string]: Packable };
}

/** The statsd source the settings ask for (an address, or sockets from systemd), or null. */
export function statsdSource(settings: OxdSettings, passed: PassedSockets, router: Router, warn: RateLimitedLog): StatsdSource | null {
  const listen: UdpTcpListen | null =
    passed.statsd !== undefined && passed.statsd.length > 0 ? { fds: passed.statsd } : settings.statsd ? { endpoint: settings.statsd } : null;
  if (listen === null) return null;
  return new StatsdSource(listen, router, {
    flushMs: settings.statsdFlushMs,
    receiveBuffer: settings.statsdReceiveBuffer,
    maxConnections: MAX_STATSD_CONNECTIONS,
    maxNames: settings.statsdMaxNames,
    maxTimerSamples: settings.statsdMaxTimerSamples,
    deleteIdle: new Set(settings.statsdDeleteIdle),
    prefixStats: settings.statsdPrefixStats,
  }, warn);
}

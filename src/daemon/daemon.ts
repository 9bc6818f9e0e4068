/**
 * oxd assembled: the collect source, the router and its sinks (file store,
 * stream publisher, forwarder), and the control port. Start, stop, reopen.
 */
import * as fs from 'node:fs';
import { BlueOxError, describeError } from '../errors';
import { UNKNOWN_COMMAND, ControlRequest } from '../protocol/control';
import type { Packable } from '../protocol/compat-pack';
import { DEFAULT_COLLECT_PORT, Endpoint, formatEndpoint, parseEndpoint } from '../protocol/endpoint';
import { DEFAULTS, OxdSettings } from '../config/oxd-settings';
import { prepareAdminSocket } from './admin';
import { ControlServer } from './control';
import type { Logger } from './log';
import { RateLimitedLog } from './rate-limit';
import { Router } from './router';
import type { Sink } from './sink';
import { FileStore } from './sinks/file-store';
import { Forwarder } from './sinks/forward';
import { formatUpstreams } from './sinks/upstreams';
import { openForwardQueue } from './spool/disk-forward-queue';
import { LinkServer } from './link/link-server';
import { LinkMemory } from './link/link-memory';
import { LINK_CODECS_PROPERTY, LINK_CURVE_PROPERTY, LINK_PROPERTY } from '../protocol/link/link-header';
import { decodableCodecs, zstdMissing } from './link/link-codec';
import { LinkCurve, linkCurve } from './link/link-curve';
import { readLinkClients } from './link/link-keys';
import { StreamPublisher } from './sinks/stream';
import { MetricsOutput } from './metrics-output';
import { IntervalMergeSink } from './sinks/interval-merge';
import { CollectSource } from './sources/collect';
import { decodeHandover } from './sources/collect-handover';
import { FdStore, forgetHandover, readHandover, restartJobRunning } from './fd-store';
import { statsdSource, StatsdSource } from './sources/statsd/statsd-source';
import { syslogSource, SyslogSource } from './sources/syslog/syslog-source';
import { readTlsFiles } from './sources/syslog/syslog-tls';
import { Stats } from './stats';
import { buildStatus } from './status-report';

/** Listening sockets handed over by systemd, by FileDescriptorName. */
export interface PassedSockets {
  collect?: number;
  control?: number;
  /** oxd-statsd.socket: its datagram and stream sockets share the name. */
  statsd?: number[];
  /** oxd-syslog.socket, likewise. */
  syslog?: number[];
  /** oxd-syslog-tls.socket. */
  syslogTls?: number;
  /** What the previous oxd handed over through systemd's fd store: its connections and their state. */
  handover?: number[];
}

export interface Endpoints {
  collect: Endpoint;
  control: Endpoint;
  stream: Endpoint;
  /** The admin socket's path, or null when there is none. */
  admin: string | null;
  /** The statsd address (UDP and TCP), or null when there is no statsd source. */
  statsd: Endpoint | null;
  /** The syslog address (TCP and UDP), or null when there is none. */
  syslog: Endpoint | null;
  /** The syslog address over TLS, or null when there is none. */
  syslogTls: Endpoint | null;
}

const MAX_COLLECT_CONNECTIONS = 4096;
const TLS_FILE_KEYS: (keyof OxdSettings)[] = ['syslogTlsCert', 'syslogTlsKey', 'syslogTlsCa', 'syslogTlsClientCert'];

export class Daemon {
  readonly stats = new Stats();
  /** Called when a control client asks for SHUTDOWN. */
  onShutdownRequest: () => void = () => undefined;
  private readonly warn: RateLimitedLog;
  private readonly stream: StreamPublisher;
  private readonly fileStore: FileStore | null;
  private forwarder: Forwarder | null;
  private readonly router: Router;
  private readonly collect: CollectSource;
  /** systemd's fd store, where a restart leaves the senders' connections for the next oxd; null when the unit has none. */
  private readonly fdStore: FdStore | null;
  private readonly control: ControlServer;
  private admin: ControlServer | null;
  private readonly statsd: StatsdSource | null;
  private readonly syslog: SyslogSource | null;
  private readonly linkServer: LinkServer | null;
  private readonly curve: LinkCurve;
  private readonly metrics: MetricsOutput;
  private stopping: Promise<void> | null = null;
  private zstdWarned = false;

  constructor(
    private settings: OxdSettings,
    private readonly log: Logger,
    private readonly passed: PassedSockets = {},
  ) {
    this.warn = new RateLimitedLog(log);
    this.curve = linkCurve(settings);
    this.fdStore = FdStore.open(log);
    for (const note of this.curve.notes) log.notice(note);
    const sinks: Sink[] = [];
    this.fileStore = settings.logPath
      ? new FileStore(
          {
            root: settings.logPath,
            rotateHours: settings.rotateHours,
            flushIntervalMs: settings.flushIntervalMs,
            idleCloseMs: settings.idleCloseMs,
          },
          this.stats,
          log,
          this.warn,
        )
      : null;
    if (this.fileStore) sinks.push(this.fileStore);
    this.stream = new StreamPublisher(this.stats, log);
    sinks.push(this.stream);
    this.forwarder = settings.forward
      ? new Forwarder(settings.forward, openForwardQueue(settings, this.stats), this.stats, log, this.warn, settings, this.curve.client)
      : null;
    if (this.forwarder) sinks.push(this.forwarder);
    if (this.forwarder) this.warnZstdMissing();
    this.metrics = new MetricsOutput(settings, log, this.warn);
    if (this.metrics.writesGraphite) sinks.push(new IntervalMergeSink(this.metrics, this.warn));
    this.router = new Router(this.stats, sinks, this.warn);
    this.metrics.attach(this.router, () => this.fileStore !== null || this.forwarder !== null);
    const listenOn = passed.collect !== undefined ? { fd: passed.collect } : { endpoint: settings.collect };
    this.collect = new CollectSource(
      listenOn,
      this.router,
      {
        maxEventSize: settings.maxEventSize,
        handshakeTimeoutMs: settings.handshakeTimeoutMs,
        maxConnections: MAX_COLLECT_CONNECTIONS,
      },
      this.warn,
    );
    this.statsd = statsdSource(settings, passed, this.router, this.warn);
    if (this.statsd) this.statsd.onInterval = (interval) => this.metrics.local(interval);
    this.syslog = syslogSource(settings, passed, this.router, this.warn);
    this.linkServer =
      settings.link === null
        ? null
        : new LinkServer(
            settings.link === 'auto' ? { host: settings.collect.host, port: 0 } : settings.link,
            this.router,
            () => this.makeDurable(),
            new LinkMemory(settings.spoolPath),
            this.warn,
            this.curve.server,
          );
    this.control = new ControlServer((req) => this.command(req), log, this.warn);
    this.admin = settings.adminSocket ? new ControlServer((req) => this.adminCommand(req), log, this.warn) : null;
  }

  async start(): Promise<Endpoints> {
    if (this.settings.logPath) checkLogPath(this.settings.logPath);
    try {
      // Bound before the collect port takes connections, whose handshake announces it.
      const link = this.linkServer
        ? await this.linkServer.start().catch((err) => {
            throw portError('link', this.settings.link === 'auto' ? `${this.settings.collect.host}:0` : formatEndpoint(this.settings.link!), err);
          })
        : null;
      if (link) this.collect.ready[LINK_PROPERTY] = String(link.port);
      // Forwarding oxds learn before connecting that the link requires CURVE, and with which key.
      if (link && this.curve.server) this.collect.ready[LINK_CURVE_PROPERTY] = this.curve.server.publicKey;
      // Forwarding oxds send zstd only to an upstream that says it decodes it (an older oxd would refuse the batches).
      if (link) this.collect.ready[LINK_CODECS_PROPERTY] = decodableCodecs().join(' ');
      const collect = await this.collect.start().catch((err) => {
        throw portError('collect', formatEndpoint(this.settings.collect), err);
      });
      if (this.passed.handover) this.takeOver(this.passed.handover);
      const control = await this.control.start(this.settings.control, this.passed.control).catch((err) => {
        throw portError('control', formatEndpoint(this.settings.control), err);
      });
      const stream = await this.stream.start(control.host, this.settings.streamRange);
      const admin = await this.startAdmin();
      const statsd = this.statsd
        ? await this.statsd.start().catch((err) => {
            throw portError('statsd', this.settings.statsd ? formatEndpoint(this.settings.statsd) : 'passed by systemd', err);
          })
        : null;
      const syslog = this.syslog
        ? await this.syslog.start().catch((err) => {
            throw portError('syslog', this.settings.syslog ? formatEndpoint(this.settings.syslog) : 'passed by systemd', err);
          })
        : null;
      const syslogTls = this.syslog?.tls
        ? await this.syslog.tls.start().catch((err) => {
            throw portError('syslog-tls', this.settings.syslogTls ? formatEndpoint(this.settings.syslogTls) : 'passed by systemd', err);
          })
        : null;
      this.metrics.start();
      return { collect, control, stream, admin, statsd, syslog, syslogTls };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The senders' connections the previous oxd handed over: read on from where it stopped. */
  private takeOver(fds: number[]): void {
    const { sockets, state } = readHandover(fds);
    const handover = state === null ? 'no state was stored with them' : decodeHandover(state);
    if (typeof handover === 'string') {
      this.log.warning(`the previous oxd's collect connections cannot be taken over (${handover}): closing them; their senders connect again`);
    }
    this.collect.adopt(sockets, typeof handover === 'string' ? [] : handover);
    forgetHandover(this.fdStore);
    this.log.notice(`took over ${this.collect.status().taken_over} collect connections from the previous oxd`);
  }

  /**
   * The admin socket. Failing to create it at the default place (a
   * developer's machine without /run/blueox) only disables the admin verbs;
   * a path the administrator chose must work.
   */
  private async startAdmin(): Promise<string | null> {
    const file = this.settings.adminSocket;
    if (this.admin === null || file === null) return null;
    try {
      await prepareAdminSocket(file);
      await this.admin.startIpc(file);
      return file;
    } catch (err) {
      if (file !== DEFAULTS.adminSocket) throw err;
      this.log.notice(`no admin socket (${describeError(err)}): oxctl shutdown/forward/reopen are unavailable; set --admin-socket`);
      await this.admin.close();
      this.admin = null;
      return null;
    }
  }

  private adminCommand(request: ControlRequest): { [key: string]: Packable } {
    switch (request.cmd) {
      case 'SHUTDOWN':
        this.admin?.runAfterReply(() => this.onShutdownRequest());
        return { ok: true };
      case 'REOPEN':
        this.reopen();
        return { ok: true };
      case 'FORWARD':
        return this.forwardTo(request.target);
      case 'STATUS':
        return this.status();
      default:
        return { error: UNKNOWN_COMMAND };
    }
  }

  /** Re-points (or starts) forwarding without a restart; nothing spooled is lost. */
  private forwardTo(target: unknown): { [key: string]: Packable } {
    if (typeof target !== 'string' || target.trim() === '') return { error: 'Invalid Request: FORWARD needs a "target" host[:port]' };
    let endpoints: Endpoint[];
    try {
      endpoints = target.split(/[\s,]+/).filter((p) => p !== '').map((p) => parseEndpoint(p, DEFAULT_COLLECT_PORT));
    } catch (err) {
      return { error: `Invalid Request: ${(err as Error).message}` };
    }
    const to = formatUpstreams(endpoints);
    if (this.forwarder) {
      const from = formatUpstreams(this.forwarder.endpoints);
      this.forwarder.retarget(endpoints, this.settings.drainTimeoutMs);
      this.log.notice(`forwarding moved from ${from} to ${to}`);
    } else {
      let queue;
      try {
        queue = openForwardQueue(this.settings, this.stats);
      } catch (err) {
        return { error: describeError(err) };
      }
      this.forwarder = new Forwarder(endpoints, queue, this.stats, this.log, this.warn, this.settings, this.curve.client);
      this.router.addSink(this.forwarder);
      this.log.notice(`forwarding started to ${to}`);
      this.warnZstdMissing();
    }
    // A later reload compares with what runs now, not with what started.
    this.settings = { ...this.settings, forward: endpoints };
    return { ok: true, forward: to };
  }

  /**
   * link_compression = zstd on a Node without zstd: said once, when this oxd
   * forwards. Not an error: one configuration serves hosts with other Nodes.
   */
  private warnZstdMissing(): void {
    const why = zstdMissing(this.settings.linkCompression);
    if (why === null || this.zstdWarned) return;
    this.zstdWarned = true;
    this.log.warning(why);
  }

  private command(request: ControlRequest): { [key: string]: Packable } {
    switch (request.cmd) {
      case 'SOCK_STREAM':
        return { port: this.stream.endpoint.port };
      case 'SOCK_COLLECT':
        return { port: this.collect.endpoint.port };
      case 'STATUS':
        return this.status();
      case 'SHUTDOWN':
        this.control.runAfterReply(() => this.onShutdownRequest());
        return { ok: true };
      default:
        return { error: UNKNOWN_COMMAND };
    }
  }

  /** What a link acknowledgement promises: the files written, and this oxd's own disk spool (when it forwards further) committed. */
  private async makeDurable(): Promise<void> {
    await this.fileStore?.flush();
    this.forwarder?.commitSpool();
  }

  status(): { [key: string]: Packable } {
    const sinks: Record<string, { [key: string]: Packable }> = {};
    for (const sink of this.router.sinkList) sinks[sink.name] = sink.status();
    return buildStatus({
      stats: this.stats,
      collect: this.collect.status(),
      control: { requests: this.control.requests, invalid: this.control.invalidRequests },
      sinks: { ...sinks, ...this.metrics.graphiteStatus() },
      syslog: this.syslog?.status() ?? null,
      link: this.linkServer?.status() ?? null,
      statsd: this.statsd || this.metrics.writesGraphite ? { ...(this.statsd?.status() ?? {}), events_made: this.stats.fromStatsd, output: this.metrics.status() } : null,
    });
  }

  /**
   * SIGHUP with a changed configuration: what can change while running
   * (verbosity, forward target) is applied; the rest is named, to apply
   * with a restart.
   */
  applySettings(next: OxdSettings): string[] {
    const changed = (Object.keys(next) as (keyof OxdSettings)[]).filter(
      (k) => JSON.stringify(next[k]) !== JSON.stringify(this.settings[k]),
    );
    const needRestart: string[] = [];
    if (this.syslog?.tls) this.reloadTls(next);
    const clientsReloaded = this.reloadLinkClients(next);
    for (const key of changed) {
      if (TLS_FILE_KEYS.includes(key) && this.syslog?.tls) continue;
      if (key === 'linkClients' && clientsReloaded) continue;
      if (key === 'verbosity') this.log.setVerbosity(next.verbosity);
      else if (key === 'forward' && next.forward) this.forwardTo(formatUpstreams(next.forward));
      else needRestart.push(key);
    }
    this.settings = { ...this.settings, verbosity: next.verbosity, forward: next.forward ?? this.settings.forward };
    return needRestart;
  }

  /**
   * Every reload reads link_clients again (a forwarding oxd added or taken
   * away): later connections are judged by it; the connected ones stay.
   */
  private reloadLinkClients(next: OxdSettings): boolean {
    const server = this.curve.server;
    if (server === null || this.linkServer === null || next.linkClients === null) return false;
    try {
      const clients = readLinkClients(next.linkClients);
      this.linkServer.allowClients(clients);
      this.settings = { ...this.settings, linkClients: next.linkClients };
      this.log.notice(`link_clients ${next.linkClients}: ${clients.size} forwarding oxds allowed on the link`);
      return true;
    } catch (err) {
      this.log.error(`link_clients not reloaded, the running list stays: ${describeError(err)}`);
      return false;
    }
  }

  /** Every reload reads the TLS files again: a renewed certificate keeps its path. */
  private reloadTls(next: OxdSettings): void {
    try {
      this.syslog!.tls!.reload(readTlsFiles(next));
      this.settings = { ...this.settings, syslogTlsCert: next.syslogTlsCert, syslogTlsKey: next.syslogTlsKey, syslogTlsCa: next.syslogTlsCa, syslogTlsClientCert: next.syslogTlsClientCert };
    } catch (err) {
      this.log.error(`syslog TLS files not reloaded, the running ones stay: ${describeError(err)}`);
    }
  }

  /** SIGHUP: reopen every log file (after logrotate) and flush. */
  reopen(): void {
    this.log.notice('reopening log files');
    for (const sink of this.router.sinkList) sink.reopen();
  }

  /**
   * Stops taking connections, routes what senders already wrote (up to the
   * drain timeout), writes and forwards what is held, then closes. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Only a restart has a next oxd to take the senders' connections.
      const store = this.fdStore !== null && (await restartJobRunning()) ? this.fdStore : null;
      await this.collect.stop(this.settings.drainTimeoutMs, store).catch(() => undefined);
      // Batches routed so far are acknowledged once written; later ones are sent again to the next oxd here.
      if (this.linkServer) await this.linkServer.stop();
      if (this.syslog) await this.syslog.stop();
      // The interval being filled is written before the writers close.
      if (this.statsd) await this.statsd.stop();
      await this.metrics.close();
      if (this.fileStore) await this.fileStore.close();
      if (this.forwarder) await this.forwarder.closeWithin(this.settings.drainTimeoutMs);
      await this.stream.close();
      await this.control.close();
      if (this.admin) {
        await this.admin.close();
        if (this.settings.adminSocket) fs.rmSync(this.settings.adminSocket, { force: true });
      }
    })();
    return this.stopping;
  }
}

function checkLogPath(logPath: string): void {
  try {
    fs.mkdirSync(logPath, { recursive: true });
    fs.accessSync(logPath, fs.constants.W_OK);
  } catch (err) {
    throw new BlueOxError(
      'ELOGPATH',
      `cannot write to the log path ${logPath} (${describeError(err)}): create it and give oxd's user write access, or pass another --log-path`,
    );
  }
}

function portError(kind: string, where: string, err: unknown): BlueOxError {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new BlueOxError('EADDRINUSE', `the ${kind} port ${where} is in use: stop the other oxd or choose another with --${kind}`);
  }
  return new BlueOxError('EBIND', `cannot listen on the ${kind} port ${where}: ${describeError(err)}`);
}

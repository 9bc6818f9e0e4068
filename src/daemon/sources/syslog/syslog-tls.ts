/**
 * Syslog over TLS (RFC 5425): a TLS server on its own address, or the socket
 * of oxd-syslog-tls.socket. Once a handshake is done, the connection carries
 * the same frames as the plain TCP port and is handed to the syslog source.
 * The certificate, key and CA are read again on SIGHUP, so a renewed
 * certificate applies without a restart; failed handshakes are counted by
 * reason.
 */
import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import type { ClientCertMode, SyslogSettings } from '../../../config/syslog-settings';
import type { Packable } from '../../../protocol/compat-pack';
import type { Endpoint } from '../../../protocol/endpoint';
import { BlueOxError, describeError } from '../../../errors';
import type { RateLimitedLog } from '../../rate-limit';

export type SyslogTlsListen = { endpoint: Endpoint } | { fd: number };

export type TlsFileSettings = Pick<SyslogSettings, 'syslogTlsCert' | 'syslogTlsKey' | 'syslogTlsCa' | 'syslogTlsClientCert'>;

export interface TlsServerFiles {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | undefined;
  clientCert: ClientCertMode;
}

/**
 * Reads and checks the files the settings name (the key must match the
 * certificate), so `oxd --check-config` and a reload refuse what the TLS
 * server could not use.
 */
export function readTlsFiles(s: TlsFileSettings): TlsServerFiles {
  if (!s.syslogTlsCert || !s.syslogTlsKey) {
    throw new BlueOxError('ESYSLOG_TLS', 'syslog_tls is set but syslog_tls_cert or syslog_tls_key is empty: give the paths of the server certificate and its key (PEM)');
  }
  if (s.syslogTlsClientCert !== 'none' && !s.syslogTlsCa) {
    throw new BlueOxError('ESYSLOG_TLS', `syslog_tls_client_cert = "${s.syslogTlsClientCert}" needs syslog_tls_ca: the CA certificates that clients' certificates are signed by`);
  }
  const files: TlsServerFiles = {
    cert: readPem('syslog_tls_cert', s.syslogTlsCert),
    key: readPem('syslog_tls_key', s.syslogTlsKey),
    ca: s.syslogTlsCa ? readPem('syslog_tls_ca', s.syslogTlsCa) : undefined,
    clientCert: s.syslogTlsClientCert,
  };
  try {
    tls.createSecureContext({ cert: files.cert, key: files.key, ca: files.ca });
  } catch (err) {
    throw new BlueOxError(
      'ESYSLOG_TLS',
      `syslog_tls_cert ${s.syslogTlsCert}, syslog_tls_key ${s.syslogTlsKey}${s.syslogTlsCa ? `, syslog_tls_ca ${s.syslogTlsCa}` : ''}: ${describeError(err)} (is the key the certificate's, and are both PEM?)`,
    );
  }
  return files;
}

function readPem(key: string, path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (err) {
    throw new BlueOxError('ESYSLOG_TLS', `${key} ${path}: ${describeError(err)} (the file must be readable by oxd's user)`);
  }
}

/** Why a handshake failed, in a few stable words for STATUS. */
export function handshakeFailure(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (/PEER_DID_NOT_RETURN_A_CERTIFICATE/.test(code)) return 'no_client_cert';
  if (/CERTIFICATE|UNKNOWN_CA|VERIFY/.test(code)) return 'bad_client_cert';
  if (/WRONG_VERSION_NUMBER|HTTP_REQUEST|UNKNOWN_PROTOCOL|RECORD_LAYER|PACKET_LENGTH/.test(code)) return 'not_tls';
  if (/VERSION|NO_SHARED_CIPHER|NO_PROTOCOLS/.test(code)) return 'no_common_version';
  return 'other';
}

export class SyslogTlsServer {
  private server: tls.Server | null = null;
  private bound: Endpoint | null = null;
  private readonly failures = new Map<string, number>();
  private accepted = 0;
  private verified = 0;
  private reloads = 0;

  constructor(
    private readonly listenOn: SyslogTlsListen,
    private files: TlsServerFiles,
    private readonly options: { handshakeTimeoutMs: number; maxConnections: number },
    private readonly onConnection: (socket: net.Socket) => void,
    private readonly warn: RateLimitedLog,
  ) {}

  get endpoint(): Endpoint | null {
    return this.bound;
  }

  async start(): Promise<Endpoint> {
    const server = tls.createServer({ ...this.contextOptions(), handshakeTimeout: this.options.handshakeTimeoutMs }, (socket) => this.secured(socket));
    server.maxConnections = this.options.maxConnections;
    server.on('tlsClientError', (err, socket) => this.failed(handshakeFailure(err), socket.remoteAddress, err.message));
    server.on('drop', () => {
      this.failures.set('refused', (this.failures.get('refused') ?? 0) + 1);
      this.warn.log('warning', 'syslog-tls-refused', `syslog TLS: refused a connection: ${this.options.maxConnections} are open (syslog_max_connections)`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const target = 'fd' in this.listenOn ? { fd: this.listenOn.fd } : { host: this.listenOn.endpoint.host, port: this.listenOn.endpoint.port };
      server.listen(target, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.warn.log('error', 'syslog-tls', `syslog TLS port: ${err.message}`));
    this.server = server;
    const addr = server.address() as net.AddressInfo;
    this.bound = { host: addr.address, port: addr.port };
    return this.bound;
  }

  /**
   * Node would reset a client whose certificate does not verify without
   * saying why; oxd checks it here instead, to count the reason.
   */
  private secured(socket: tls.TLSSocket): void {
    if (this.files.clientCert === 'require' && !socket.authorized) {
      const sent = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
      this.failed(sent ? 'bad_client_cert' : 'no_client_cert', socket.remoteAddress, String(socket.authorizationError ?? 'no certificate'));
      socket.destroy();
      return;
    }
    this.accepted++;
    if (socket.authorized) this.verified++;
    this.onConnection(socket);
  }

  private failed(reason: string, peer: string | undefined, why: string): void {
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
    this.warn.log('info', `syslog-tls-${reason}`, `syslog TLS handshake from ${peer ?? 'unknown'} failed (${reason}): ${why}`);
  }

  /** New handshakes use the files as they are now; open connections keep theirs. */
  reload(files: TlsServerFiles): void {
    this.files = files;
    this.server?.setSecureContext(this.contextOptions());
    this.reloads++;
  }

  private contextOptions(): tls.TlsOptions {
    const f = this.files;
    return { cert: f.cert, key: f.key, ca: f.ca, requestCert: f.clientCert !== 'none', rejectUnauthorized: false };
  }

  status(): { [key: string]: Packable } {
    return {
      endpoint: this.bound ? `${this.bound.host}:${this.bound.port}` : null,
      accepted: this.accepted,
      client_cert_verified: this.verified,
      client_cert: this.files.clientCert,
      handshake_failed: Object.fromEntries(this.failures),
      reloads: this.reloads,
    };
  }

  /** Stops taking connections; the syslog source closes the ones it holds. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The settings of the syslog source: rows of the one settings table
 * (oxd-settings.ts), kept together here.
 */
import type { Endpoint } from '../protocol/endpoint';
import { integer, optionalEndpoint, optionalPath } from './setting-values';

export const DEFAULT_SYSLOG_PORT = 514;
/** RFC 5425's port for syslog over TLS. */
export const DEFAULT_SYSLOG_TLS_PORT = 6514;

/** What oxd asks of a TLS client's certificate. */
export const CLIENT_CERT_MODES = ['none', 'request', 'require'] as const;
export type ClientCertMode = (typeof CLIENT_CERT_MODES)[number];

export interface SyslogSettings {
  syslog: Endpoint | null;
  syslogMaxMessage: number;
  syslogMaxConnections: number;
  syslogTls: Endpoint | null;
  syslogTlsCert: string | null;
  syslogTlsKey: string | null;
  syslogTlsCa: string | null;
  syslogTlsClientCert: ClientCertMode;
}

export const SYSLOG_DEFAULTS: SyslogSettings = {
  syslog: null,
  syslogMaxMessage: 64 * 1024,
  syslogMaxConnections: 1024,
  syslogTls: null,
  syslogTlsCert: null,
  syslogTlsKey: null,
  syslogTlsCa: null,
  syslogTlsClientCert: 'none',
};

interface Row<K extends keyof SyslogSettings> {
  key: string;
  field: K;
  allowed: string;
  parse(value: unknown): SyslogSettings[K] | undefined;
}

export const SYSLOG_ROWS: { [K in keyof SyslogSettings]: Row<K> } = {
  syslog: {
    key: 'syslog',
    field: 'syslog',
    allowed: `empty (no syslog source) or host[:port] (default port ${DEFAULT_SYSLOG_PORT}) to receive syslog on, TCP and UDP`,
    parse: optionalEndpoint(DEFAULT_SYSLOG_PORT),
  },
  syslogMaxMessage: {
    key: 'syslog_max_message',
    field: 'syslogMaxMessage',
    allowed: 'bytes from 480 to 16777216: a longer message is cut there and flagged truncated',
    parse: integer(480, 16 * 1024 * 1024),
  },
  syslogMaxConnections: {
    key: 'syslog_max_connections',
    field: 'syslogMaxConnections',
    allowed: 'a number of TCP connections from 1 to 100000; more are refused and counted',
    parse: integer(1, 100_000),
  },
  syslogTls: {
    key: 'syslog_tls',
    field: 'syslogTls',
    allowed: `empty (no TLS) or host[:port] (default port ${DEFAULT_SYSLOG_TLS_PORT}) to receive syslog over TLS (RFC 5425); needs syslog_tls_cert and syslog_tls_key`,
    parse: optionalEndpoint(DEFAULT_SYSLOG_TLS_PORT),
  },
  syslogTlsCert: {
    key: 'syslog_tls_cert',
    field: 'syslogTlsCert',
    allowed: "empty or the path of the TLS server's certificate (PEM, the chain after it)",
    parse: optionalPath,
  },
  syslogTlsKey: {
    key: 'syslog_tls_key',
    field: 'syslogTlsKey',
    allowed: "empty or the path of the TLS server's private key (PEM, readable by oxd's user only)",
    parse: optionalPath,
  },
  syslogTlsCa: {
    key: 'syslog_tls_ca',
    field: 'syslogTlsCa',
    allowed: "empty (the system's CAs) or the path of the CA certificates (PEM) that clients' certificates are checked against",
    parse: optionalPath,
  },
  syslogTlsClientCert: {
    key: 'syslog_tls_client_cert',
    field: 'syslogTlsClientCert',
    allowed: `${CLIENT_CERT_MODES.join(', ')}: ask no certificate of TLS clients, check one if sent, or refuse clients without a valid one`,
    parse: (v) => (CLIENT_CERT_MODES as readonly unknown[]).includes(v) ? (v as ClientCertMode) : undefined,
  },
};

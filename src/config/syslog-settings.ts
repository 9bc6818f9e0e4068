/**
 * The settings of the syslog source: rows of the one settings table
 * (oxd-settings.ts), kept together here.
 */
import type { Endpoint } from '../protocol/endpoint';
import { integer, optionalEndpoint } from './setting-values';

export const DEFAULT_SYSLOG_PORT = 514;

export interface SyslogSettings {
  syslog: Endpoint | null;
  syslogMaxMessage: number;
  syslogMaxConnections: number;
}

export const SYSLOG_DEFAULTS: SyslogSettings = {
  syslog: null,
  syslogMaxMessage: 64 * 1024,
  syslogMaxConnections: 1024,
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
};

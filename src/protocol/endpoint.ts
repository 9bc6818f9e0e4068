/**
 * Host strings as BlueOx users write them: `host`, `host:port`, `:port`,
 * `*` (every interface), `[v6addr]:port`, or a ZeroMQ `tcp://host:port`.
 * A missing port takes the default of that port kind.
 */
import { BlueOxError } from '../errors';

export const DEFAULT_COLLECT_PORT = 3514;
export const DEFAULT_CONTROL_PORT = 3513;
export const DEFAULT_HOST = '127.0.0.1';

export interface Endpoint {
  host: string;
  /** 0 asks the system for a free port (tests). */
  port: number;
}

function parsePort(text: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new BlueOxError('EENDPOINT', `"${spec}": the port must be a number from 0 to 65535`);
  }
  return Number(text);
}

export function parseEndpoint(spec: string, defaultPort: number, defaultHost = DEFAULT_HOST): Endpoint {
  let s = spec.trim();
  if (s.startsWith('tcp://')) s = s.slice('tcp://'.length);
  if (s === '') return { host: defaultHost, port: defaultPort };
  let host: string;
  let port = defaultPort;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) throw new BlueOxError('EENDPOINT', `"${spec}": an IPv6 address needs a closing "]"`);
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw new BlueOxError('EENDPOINT', `"${spec}": expected ":port" after "]"`);
      port = parsePort(rest.slice(1), spec);
    }
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0 && s.indexOf(':') !== colon) {
      throw new BlueOxError('EENDPOINT', `"${spec}": write IPv6 addresses in brackets, e.g. [::1]:${defaultPort}`);
    }
    host = colon >= 0 ? s.slice(0, colon) : s;
    if (colon >= 0) port = parsePort(s.slice(colon + 1), spec);
  }
  if (host === '') host = defaultHost;
  if (host === '*') host = '0.0.0.0';
  if (/[\s/]/.test(host)) throw new BlueOxError('EENDPOINT', `"${spec}": "${host}" is not a host name or address`);
  return { host, port };
}

export function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** `host:port`, bracketing IPv6 addresses. */
export function formatEndpoint(ep: Endpoint): string {
  return `${formatHost(ep.host)}:${ep.port}`;
}

/** The ZeroMQ endpoint string for a TCP address. */
export function zmqEndpoint(ep: Endpoint): string {
  return `tcp://${formatEndpoint(ep)}`;
}

/**
 * A dual-stack socket (systemd's `ListenStream=514` listens on [::]) reports
 * IPv4 peers as ::ffff:192.0.2.1; they are shown as the IPv4 address they are.
 */
export function unmappedAddress(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

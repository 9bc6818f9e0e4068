/**
 * Which requests `oxpoke load` makes on its own connections (load-pool.ts),
 * and their bytes: the request line and headers Node's http client would
 * send for the same step (http-exchange.ts), serialized once per step when
 * the request never changes, once per run when captured values fill it.
 *
 * Only what is sure to get the same answer goes this way: plain http, no
 * redirects to follow, no credentials in the URL, headers Node would send.
 * Anything else (https, redirects, a URL or header Node refuses) is left to
 * the HTTP probe, which reports it as `oxpoke run` does.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { HttpRequest } from './check';
import type { Peer } from './probe-failure';

/** Methods Node sends without a body, and so without `Content-Length: 0`, when none is given. */
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);

export interface WireRequest {
  peer: Peer;
  /** The request's bytes: line, headers, body. */
  bytes: Buffer;
  /** A HEAD request: its answer has no body whatever its headers say. */
  head: boolean;
  /** The URL as the probe reports it (url.href). */
  href: string;
  /** The host is a name to look up when connecting (not an address). */
  lookup: boolean;
}

/** Why a request is left to the HTTP probe, or null when it can go on a load connection. */
export function unsuitable(request: HttpRequest): string | null {
  if (request.redirects > 0) return 'redirects are followed';
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:') return `${url.protocol} is not plain http`;
  if (url.username !== '' || url.password !== '') return 'credentials in the URL';
  for (const [name, value] of request.headers) {
    try {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    } catch {
      return `a header Node refuses (${name})`;
    }
  }
  return null;
}

/** The bytes of `request`, as Node's http client sends them on a kept-alive connection; null when unsuitable(). */
export function wireRequest(request: HttpRequest): WireRequest | null {
  if (unsuitable(request) !== null) return null;
  const url = new URL(request.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port) || 80;
  // Node sends the header names in lower case as the probe hands them over, the ones it adds itself as written here.
  const lines = [`${request.method} ${url.pathname}${url.search} HTTP/1.1`];
  const given = new Set<string>();
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    given.add(lower);
    lines.push(`${lower}: ${value}`);
  }
  if (!given.has('user-agent')) lines.push('user-agent: oxpoke');
  const body = request.body === null ? null : Buffer.from(request.body);
  if (body !== null) lines.push(`content-length: ${body.length}`);
  if (!given.has('host')) lines.push(`Host: ${net.isIPv6(host) ? `[${host}]` : host}${url.port === '' ? '' : `:${port}`}`);
  if (!given.has('connection')) lines.push('Connection: keep-alive');
  if (body === null && !NO_BODY_METHODS.has(request.method)) lines.push('Content-Length: 0');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return {
    peer: { host, port },
    bytes: body === null ? head : Buffer.concat([head, body]),
    head: request.method === 'HEAD',
    href: url.href,
    lookup: net.isIP(host) === 0,
  };
}

/**
 * One HTTP request and its answer, by default on a connection of its own (no
 * agent, no keep-alive: every probe resolves, connects and shakes hands
 * afresh, so its timings say what a new client meets). Under load an agent
 * that keeps connections open may be given (probe-agents.ts): a connection
 * whose answer was read to the end goes back to it for the next request, one
 * that failed is destroyed. http-probe.ts follows redirects by calling it
 * once per hop.
 *
 * The milestones come from the socket's events: 'lookup', 'connect',
 * 'secureConnect', then the answer's head ('response') and its end. The body
 * is read up to a limit: a declared content-length over it fails at once,
 * and a body growing past it fails when it does; either way the connection
 * is destroyed rather than drained.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { ProbeClock } from './probe-clock';
import { emptyHeaders } from './response-headers';
import { connectionFailure, endpoint, Failure, Peer, timeoutFailure } from './probe-failure';
import { readPeerCertificate, withDaysLeft } from './peer-certificate';
import type { FailureReason, PartialTimings, PeerCertificate, Timings } from './probe-result';

export interface ExchangeRequest {
  url: URL;
  method: string;
  headers: Array<[string, string]>;
  body: string | null;
  /** For https: the TLS options (verification, CA, client certificate) already read. */
  tls: tls.ConnectionOptions;
}

export interface ExchangeLimits {
  /** performance.now() after which the exchange gives up. */
  deadline: number;
  /** The probe's whole timeout, as the message names it. */
  timeoutMs: number;
  maxBodyBytes: number;
  /** false: a connection of its own, closed at the end; an agent: one of its connections, kept open when the answer is complete. */
  agent: http.Agent | false;
  /** Whether to read the body of this answer; false ends the exchange at the head (a redirect to follow). */
  wantsBody(status: number, headers: Record<string, string>): boolean;
}

/** The certificate each kept-alive TLS connection was shown, for the requests that reuse it. */
const peerCertificates = new WeakMap<net.Socket, Omit<PeerCertificate, 'daysLeft'> | null>();

export type ExchangeOutcome =
  | { ok: true; status: number; headers: Record<string, string>; body: Buffer; timings: Timings; cert: PeerCertificate | null }
  | { ok: false; reason: FailureReason; message: string; timings: PartialTimings };

/**
 * Node's headers with string values: a repeated header is already joined by Node, except set-cookie, which is joined
 * the same way here. Nothing inherited: a header called `constructor` is only a header.
 */
export function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat = emptyHeaders();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** The request's headers for node:http: a name given twice is sent twice. */
function outgoingHeaders(pairs: Array<[string, string]>): http.OutgoingHttpHeaders {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const had = out[key];
    out[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

export function exchange(request: ExchangeRequest, limits: ExchangeLimits): Promise<ExchangeOutcome> {
  const { url } = request;
  const secure = url.protocol === 'https:';
  // URL keeps the brackets of an IPv6 address; sockets want it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const peer: Peer = { host, port: Number(url.port) || (secure ? 443 : 80) };
  const clock = ProbeClock.forHost(host, secure);

  return new Promise<ExchangeOutcome>((resolve) => {
    let settled = false;
    let bodyBytes = 0;
    let cert: Omit<PeerCertificate, 'daysLeft'> | null = null;
    let req: http.ClientRequest | undefined;

    const settle = (outcome: ExchangeOutcome, reusable = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Destroyed, not closed politely: an answer cut short must not be read on, and a finished one has nothing left
      // (unless its connection goes back to the agent for the next request, which Node does once the answer has ended).
      if (!(reusable && limits.agent !== false)) req?.destroy();
      resolve(outcome);
    };
    const fail = (failure: Failure): void => settle({ ok: false, ...failure, timings: clock.partial() });
    const onError = (err: unknown): void => fail(connectionFailure(err, peer, clock.phase, bodyBytes));

    const timer = setTimeout(
      () => fail(timeoutFailure(limits.timeoutMs, peer, clock.phase, bodyBytes)),
      Math.max(0, limits.deadline - performance.now()),
    );

    const headers = outgoingHeaders(request.headers);
    if (headers['user-agent'] === undefined) headers['user-agent'] = 'oxpoke';
    if (request.body !== null) headers['content-length'] = String(Buffer.byteLength(request.body));
    const options: https.RequestOptions = {
      method: request.method,
      host,
      port: peer.port,
      path: `${url.pathname}${url.search}`,
      headers,
      agent: limits.agent,
      ...(secure ? request.tls : {}),
    };
    if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;

    try {
      req = (secure ? https : http).request(options);
    } catch (err) {
      // Node refuses a method or header it cannot send before anything goes out.
      fail({ reason: 'protocol', message: `cannot send ${request.method} ${url.href}: ${(err as Error).message}` });
      return;
    }
    req.on('error', onError);
    req.on('socket', (socket: net.Socket) => {
      if (req?.reusedSocket) {
        // A kept-alive connection: no lookup, connect or handshake this time, and the certificate it was shown then.
        clock.reuse();
        if (secure) cert = peerCertificates.get(socket) ?? null;
        return;
      }
      clock.watch(socket);
      if (secure) {
        socket.once('secureConnect', () => {
          cert = readPeerCertificate(socket as tls.TLSSocket);
          if (limits.agent !== false) peerCertificates.set(socket, cert);
        });
      }
    });
    req.on('response', (res: http.IncomingMessage) => {
      clock.markFirstByte();
      const status = res.statusCode ?? 0;
      const answerHeaders = flattenHeaders(res.headers);
      const answer = (body: Buffer, complete: boolean) =>
        settle({ ok: true, status, headers: answerHeaders, body, timings: clock.complete(), cert: cert && withDaysLeft(cert) }, complete);
      // The body of a redirect is not read: its connection cannot be used again.
      if (!limits.wantsBody(status, answerHeaders)) return answer(Buffer.alloc(0), false);

      const tooLarge = (what: string) =>
        fail({ reason: 'body_too_large', message: `the body from ${endpoint(peer.host, peer.port)} is larger than the limit of ${limits.maxBodyBytes} bytes (${what})` });
      const declared = Number(res.headers['content-length']);
      if (declared > limits.maxBodyBytes) return tooLarge(`content-length ${declared}`);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
        if (bodyBytes > limits.maxBodyBytes) tooLarge(`${bodyBytes} bytes read before giving up`);
        else chunks.push(chunk);
      });
      res.on('end', () => answer(Buffer.concat(chunks, bodyBytes), true));
      res.on('error', onError);
      // A body cut short ends with 'close' and no 'end' (with an 'aborted' error first on some Node versions).
      res.on('close', () => {
        if (!res.complete) onError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      });
    });
    req.end(request.body ?? undefined);
  });
}

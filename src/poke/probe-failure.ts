/**
 * Turns what went wrong on a connection (a Node system, TLS or HTTP parser
 * error, or the probe's own deadline) into a failure reason and one sentence
 * naming the peer, for both probes. The error's code decides when it is
 * telling; otherwise the phase the connection was in does (a reset during
 * the handshake is the TLS failing, a reset before the answer is the peer
 * closing on us).
 */
import * as net from 'node:net';
import type { Phase } from './probe-clock';
import type { FailureReason } from './probe-result';

export interface Peer {
  host: string;
  port: number;
}

/** `host:port`, with brackets around an IPv6 address. */
export function endpoint(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The peer as the message names it: the address tried as well when the host is a name. */
function peerText(peer: Peer, err?: NodeJS.ErrnoException & { address?: string }): string {
  const named = endpoint(peer.host, peer.port);
  const address = err?.address;
  return address && address !== peer.host ? `${named} (${endpoint(address, peer.port)})` : named;
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'EAI_ADDRFAMILY']);
const UNREACHABLE: Record<string, string> = {
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  EADDRNOTAVAIL: 'address not available',
};
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);
/** The results of verifying a certificate (OpenSSL's X.509 codes, and Node's check of the name): it was read, and not trusted. */
const VERIFY_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** Verification results that trusting the issuer (a CA file) would cure. */
const ISSUER_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);
/** OpenSSL's and Node's other TLS codes. */
const TLS_CODE = /^ERR_(SSL|TLS)_/;

/** The code of an error, or of the first of several (a connection tried on each address of a name fails with them all). */
function codeOf(err: unknown): string {
  const e = err as { code?: unknown; errors?: unknown[] };
  if (typeof e?.code === 'string') return e.code;
  if (Array.isArray(e?.errors) && e.errors.length > 0) return codeOf(e.errors[0]);
  return '';
}

function firstError(err: unknown): NodeJS.ErrnoException & { address?: string } {
  const e = err as { errors?: unknown[] };
  if (!(err as { code?: unknown })?.code && Array.isArray(e?.errors) && e.errors.length > 0) return firstError(e.errors[0]);
  return err as NodeJS.ErrnoException;
}

/** Node's message without the code it may start with, which the sentence gives in parentheses. */
function detail(err: NodeJS.ErrnoException, code: string): string {
  const message = (err?.message ?? String(err)).replace(/^[A-Z_]+: /, '');
  return code ? `${message} (${code})` : message;
}

export interface Failure {
  reason: FailureReason;
  message: string;
}

/**
 * A failure for an error on the connection to `peer` while it was in `phase`.
 * `bodyBytes`: how much of the answer (HTTP: of its body) had been read, for a reset in the middle of it.
 */
export function connectionFailure(error: unknown, peer: Peer, phase: Phase, bodyBytes = 0): Failure {
  const code = codeOf(error);
  const err = firstError(error);
  const who = peerText(peer, err);
  if (DNS_CODES.has(code) || (phase === 'dns' && code !== 'ECONNREFUSED')) {
    const why = code === 'ENOTFOUND' ? 'no such name' : code === 'EAI_AGAIN' ? 'the name servers did not answer' : 'the lookup failed';
    return { reason: 'dns', message: `cannot resolve ${peer.host}: ${why} (${code || detail(err, '')})` };
  }
  if (code === 'ECONNREFUSED') return { reason: 'refused', message: `connection refused by ${who}` };
  if (Object.hasOwn(UNREACHABLE, code)) return { reason: 'refused', message: `cannot connect to ${who}: ${UNREACHABLE[code]} (${code})` };
  if (VERIFY_CODES.has(code) || TLS_CODE.test(code) || phase === 'tls') {
    if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') {
      return { reason: 'tls', message: `${who} requires a client certificate: give the check a certificate and its key` };
    }
    if (VERIFY_CODES.has(code)) {
      const cure = ISSUER_CODES.has(code) ? "; name its CA in the check's TLS settings, or turn verification off" : '';
      return { reason: 'tls', message: `the certificate of ${who} is not trusted: ${detail(err, code)}${cure}` };
    }
    return { reason: 'tls', message: `the TLS handshake with ${who} failed: ${detail(err, code)}` };
  }
  if (code.startsWith('HPE_')) return { reason: 'protocol', message: `${who} did not answer in HTTP: ${detail(err, code)}` };
  if (RESET_CODES.has(code) || phase === 'answer' || phase === 'body') {
    const how = code === 'ECONNRESET' && /hang up|aborted/.test(err.message) ? 'closed the connection' : 'reset the connection';
    if (phase === 'body') return { reason: 'reset', message: `${who} ${how} in the middle of the answer, after ${bodyBytes} bytes` };
    return { reason: 'reset', message: `${who} ${how} before answering (${code || detail(err, '')})` };
  }
  return { reason: 'refused', message: `cannot connect to ${who}: ${detail(err, code)}` };
}

/** The failure of a probe that ran out of time in `phase`. */
export function timeoutFailure(timeoutMs: number, peer: Peer, phase: Phase, bodyBytes = 0): Failure {
  const who = endpoint(peer.host, peer.port);
  const where: Record<Phase, string> = {
    dns: `${peer.host} was still being resolved`,
    connect: `the connection to ${who} was not yet made`,
    tls: `the TLS handshake with ${who} had not finished`,
    answer: `${who} had not answered`,
    body: `the answer from ${who} was still coming (${bodyBytes} bytes so far)`,
  };
  return { reason: 'timeout', message: `no complete answer within ${timeoutMs} ms: ${where[phase]}` };
}

/**
 * What one probe (http-probe.ts, tcp-probe.ts) found: the answer, or why
 * there was none. Probes only report; whether the answer is good (its status,
 * body, times, certificate) is for the assertions to judge, so a status of
 * 500 is an answer, not a failure.
 *
 * Timings are milestones in milliseconds from the start of the probe, as
 * curl's `-w time_*` are: dnsMs when the name was resolved, connectMs when
 * the connection was made, tlsMs when the TLS handshake finished, firstByteMs
 * when the answer's head had arrived, totalMs when all of it had. So they
 * never decrease in that order, and the time a phase took is the difference
 * between its milestone and the one before. A phase that did not happen (no
 * lookup for an address, no handshake for plain HTTP or TCP) took no time:
 * its milestone equals the one before it.
 */
import type * as tls from 'node:tls';
import type { ProbeAgents } from './probe-agents';

export interface Timings {
  dnsMs: number;
  connectMs: number;
  tlsMs: number;
  firstByteMs: number;
  totalMs: number;
}

/** The milestones reached before a failure; null for those never reached. totalMs is when the probe gave up. */
export interface PartialTimings {
  dnsMs: number | null;
  connectMs: number | null;
  tlsMs: number | null;
  firstByteMs: number | null;
  totalMs: number;
}

/** The certificate the server presented (HTTPS only), whether or not it was verified. */
export interface PeerCertificate {
  /** The end of its validity (notAfter), epoch milliseconds. */
  validTo: number;
  /** Days from the probe to validTo, with fractions; negative once expired. */
  daysLeft: number;
  /** Its subject, e.g. `CN=www.example.org, O=Example`. */
  subject: string;
}

export interface ProbeAnswer {
  ok: true;
  /** The HTTP status; 0 for a TCP probe. */
  status: number;
  /** Lower-case names; a repeated header's values joined with `, ` as Node joins them (set-cookie too, as fetch's Headers.get does). */
  headers: Record<string, string>;
  /** The body (HTTP), or what was read from the connection (TCP). */
  body: Buffer;
  timings: Timings;
  cert: PeerCertificate | null;
  /** The URL that answered, after redirects; `tcp://host:port` for a TCP probe. */
  url: string;
}

/**
 * Why a probe got no answer:
 * - refused: nothing accepted the connection (or the network could not reach it);
 * - dns: the name does not resolve;
 * - tls: the handshake failed, the certificate was refused, or the TLS files could not be read;
 * - timeout: no complete answer within the step's timeout;
 * - reset: the peer broke the connection before the answer was complete;
 * - body_too_large: the answer was longer than the step's maxBodyBytes;
 * - redirects: more redirects than allowed, or a loop;
 * - protocol: what came back was not HTTP, or the URL or a redirect cannot be followed.
 */
export type FailureReason = 'refused' | 'dns' | 'tls' | 'timeout' | 'reset' | 'body_too_large' | 'redirects' | 'protocol';

export interface ProbeFailure {
  ok: false;
  reason: FailureReason;
  /** One sentence for a person, naming the peer, e.g. `connection refused by 127.0.0.1:8081`. */
  message: string;
  timings: PartialTimings;
}

export type ProbeResult = ProbeAnswer | ProbeFailure;

export interface ProbeOptions {
  /** The whole probe, redirects included, gives up after this long (reason timeout). */
  timeoutMs: number;
  /** Bytes of body (HTTP) or of what is read (TCP) allowed; more is a failure (reason body_too_large). */
  maxBodyBytes: number;
  /**
   * HTTP(S) only: connections kept open for the next probes (`oxpoke load`,
   * probe-agents.ts). Absent: the probe makes a connection of its own and
   * closes it, so its timings say what a new client meets.
   */
  agents?: ProbeAgents;
  /** HTTPS only: the step's TLS options already read (tls-context.ts), or why they cannot be. Absent: the probe reads them. */
  tls?: tls.ConnectionOptions | string;
}

/**
 * The server's certificate as a probe reports it: when it stops being valid
 * and how many days that leaves, and whom it names. Read from the TLS socket
 * right after the handshake, so it is there whether or not the chain was
 * verified (a check may skip verification and still watch expiry).
 */
import type * as tls from 'node:tls';
import type { PeerCertificate } from './probe-result';

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** OpenSSL's printed time, as Node gives valid_to: `Dec  9 22:23:31 2026 GMT`. */
const OPENSSL_TIME = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4}) GMT$/;

/** Epoch milliseconds of an OpenSSL time; NaN when it is not one. Parsed by hand: Date.parse of this form is not in any standard. */
export function parseCertificateTime(text: string): number {
  const m = OPENSSL_TIME.exec(text);
  if (!m) return NaN;
  const month = MONTHS.indexOf(m[1]);
  if (month < 0) return NaN;
  return Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

/** `CN=www.example.org, O=Example`: the subject's fields in the order the certificate gives them (a repeated one joined with `+`). */
function subjectText(subject: tls.Certificate | undefined): string {
  if (!subject) return '';
  return Object.entries(subject)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

/** The certificate `socket` was shown, or null when there was none (or its end of validity cannot be read). */
export function readPeerCertificate(socket: tls.TLSSocket): Omit<PeerCertificate, 'daysLeft'> | null {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return null;
  const validTo = parseCertificateTime(cert.valid_to);
  if (Number.isNaN(validTo)) return null;
  return { validTo, subject: subjectText(cert.subject) };
}

/** With the days left as of `now` (epoch ms), fractional, negative once expired. */
export function withDaysLeft(cert: Omit<PeerCertificate, 'daysLeft'>, now = Date.now()): PeerCertificate {
  return { validTo: cert.validTo, daysLeft: (cert.validTo - now) / DAY_MS, subject: cert.subject };
}

/**
 * A TLS client's first bytes on a port that takes syslog as plain text: a
 * handshake record (content type 22) of TLS 1.0 to 1.3 or SSL 3.0, which
 * every ClientHello begins with (RFC 8446 section 5.1). No syslog sender
 * starts a stream with byte 0x16, so the first three bytes decide; stored as
 * messages they would only be binary garbage.
 */

const HANDSHAKE = 0x16;
const MAJOR = 0x03;
/** SSL 3.0 (0x0300) to TLS 1.3's record version (0x0303, or 0x0304 from some stacks). */
const MINOR_MAX = 0x04;

/** How many bytes `tlsStart` needs at most. */
export const TLS_SNIFF_BYTES = 3;

/**
 * 'tls' when `head` (the first bytes of a connection) is the start of a TLS
 * handshake, 'plain' when it cannot be, 'more' when too few bytes arrived to
 * tell.
 */
export function tlsStart(head: Uint8Array): 'tls' | 'plain' | 'more' {
  if (head.length === 0) return 'more';
  if (head[0] !== HANDSHAKE) return 'plain';
  if (head.length === 1) return 'more';
  if (head[1] !== MAJOR) return 'plain';
  if (head.length === 2) return 'more';
  return head[2] <= MINOR_MAX ? 'tls' : 'plain';
}

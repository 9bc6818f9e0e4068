/**
 * What oxd's control port (a REP service on a ROUTER socket) answers to a
 * message from a DEALER peer, frames as sent. The reply goes back with the
 * envelope: everything up to and including the first empty frame (the REQ
 * delimiter), or nothing when there is none. What follows the envelope must be
 * exactly one frame holding one msgpack map with a string `cmd` (decoded with
 * the limits oxd puts on requests: strings and byte strings up to 64 KiB,
 * arrays and maps up to 1024 entries); anything else is an invalid request. A
 * known command is answered, an unknown one gets "Unknown Command".
 */
import { decode } from '@msgpack/msgpack';

export type ReplyKind = 'invalid' | 'unknown' | 'SOCK_STREAM' | 'SOCK_COLLECT' | 'STATUS' | 'SHUTDOWN';

export interface ExpectedReply {
  /** The frames the DEALER gets back before the reply itself. */
  envelope: Buffer[];
  kind: ReplyKind;
}

const KNOWN = new Set<ReplyKind>(['SOCK_STREAM', 'SOCK_COLLECT', 'STATUS', 'SHUTDOWN']);

/** The kind of reply one request frame gets. */
export function requestKind(frame: Buffer): ReplyKind {
  let value: unknown;
  try {
    value = decode(frame, { maxStrLength: 65536, maxBinLength: 65536, maxArrayLength: 1024, maxMapLength: 1024 });
  } catch {
    return 'invalid';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return 'invalid';
  const cmd = (value as Record<string, unknown>).cmd;
  if (typeof cmd !== 'string') return 'invalid';
  return KNOWN.has(cmd as ReplyKind) ? (cmd as ReplyKind) : 'unknown';
}

export function expectedReply(frames: Buffer[]): ExpectedReply {
  const delimiter = frames.findIndex((f) => f.length === 0);
  const envelope = delimiter < 0 ? [] : frames.slice(0, delimiter + 1);
  const request = delimiter < 0 ? frames : frames.slice(delimiter + 1);
  return { envelope, kind: request.length === 1 ? requestKind(request[0]) : 'invalid' };
}

/**
 * Why a decoded reply does not fit `kind` (null when it does). `ports` are
 * oxd's stream and collect ports.
 */
export function replyMismatch(kind: ReplyKind, reply: any, ports: { stream: number; collect: number }): string | null {
  const ok =
    kind === 'invalid'
      ? typeof reply?.error === 'string' && reply.error.startsWith('Invalid Request')
      : kind === 'unknown'
        ? reply?.error === 'Unknown Command'
        : kind === 'SOCK_STREAM'
          ? reply?.port === ports.stream
          : kind === 'SOCK_COLLECT'
            ? reply?.port === ports.collect
            : kind === 'STATUS'
              ? typeof reply?.totals?.received === 'number'
              : reply?.ok === true;
  return ok ? null : `expected ${kind}, got ${JSON.stringify(reply)}`;
}

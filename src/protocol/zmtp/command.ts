/**
 * Decoding the body of a ZMTP command frame: its name and, for READY, the
 * metadata properties. Works on a view of a larger buffer.
 */

export interface Command {
  name: string;
  /** The bytes after the name. */
  data: Buffer;
}

export class ZmtpProtocolError extends Error {
  readonly code = 'EZMTP_PROTOCOL';
  constructor(readonly reason: string) {
    super(`ZMTP protocol error: ${reason}`);
  }
}

export function decodeCommand(body: Buffer): Command {
  if (body.length < 1) throw new ZmtpProtocolError('empty command frame');
  const n = body[0];
  if (body.length < 1 + n) throw new ZmtpProtocolError('command name runs past the frame');
  return { name: body.toString('latin1', 1, 1 + n), data: body.subarray(1 + n) };
}

/** Properties of a READY command; names are case-insensitive, so they are lower-cased here. */
export function decodeProperties(data: Buffer): Map<string, Buffer> {
  const props = new Map<string, Buffer>();
  let at = 0;
  while (at < data.length) {
    const nameLength = data[at];
    if (nameLength === 0 || at + 1 + nameLength + 4 > data.length) {
      throw new ZmtpProtocolError('malformed metadata property in READY');
    }
    const name = data.toString('latin1', at + 1, at + 1 + nameLength).toLowerCase();
    at += 1 + nameLength;
    const valueLength = data.readUInt32BE(at);
    at += 4;
    if (at + valueLength > data.length) throw new ZmtpProtocolError('metadata value runs past the frame');
    props.set(name, data.subarray(at, at + valueLength));
    at += valueLength;
  }
  return props;
}

/** PING data: a 2-octet TTL then up to 16 octets of context that PONG echoes. */
export function pingContext(data: Buffer): Buffer {
  if (data.length < 2) throw new ZmtpProtocolError('PING shorter than its TTL field');
  return data.subarray(2, 18);
}

/** The reason carried by an ERROR command, for the log. */
export function errorReason(data: Buffer): string {
  if (data.length < 1) return '';
  return data.toString('latin1', 1, 1 + Math.min(data[0], data.length - 1));
}

/**
 * ZMTP frame and command encoding (ZMTP 3.1, RFC 37; frames are the same in
 * ZMTP 2.0 except that 2.0 has no command flag).
 *
 *   frame   = flags size body
 *   flags   = bit 0 MORE, bit 1 LONG (8-byte size), bit 2 COMMAND; bits 3..7 zero
 *   size    = 1 octet, or 8 octets big-endian when LONG
 */
import { BlueOxError } from '../../errors';

export const FLAG_MORE = 0x01;
export const FLAG_LONG = 0x02;
export const FLAG_COMMAND = 0x04;
export const FLAG_RESERVED = 0xf8;
export const SHORT_MAX = 255;

export function frameHeaderLength(size: number): number {
  return size > SHORT_MAX ? 9 : 2;
}

/** Writes a frame header at `offset`; returns the offset after it. */
export function writeFrameHeader(target: Buffer, offset: number, size: number, flags: number): number {
  if (size > SHORT_MAX) {
    target[offset] = flags | FLAG_LONG;
    target.writeUInt32BE(Math.floor(size / 0x100000000), offset + 1);
    target.writeUInt32BE(size >>> 0, offset + 5);
    return offset + 9;
  }
  target[offset] = flags;
  target[offset + 1] = size;
  return offset + 2;
}

/** One frame, header and body, as a new buffer. */
export function encodeFrame(body: Uint8Array, more: boolean, command = false): Buffer {
  const flags = (more ? FLAG_MORE : 0) | (command ? FLAG_COMMAND : 0);
  const out = Buffer.allocUnsafe(frameHeaderLength(body.length) + body.length);
  const at = writeFrameHeader(out, 0, body.length, flags);
  out.set(body, at);
  return out;
}

/** All frames of one message, as the bytes a peer writes to the socket. */
export function encodeMessage(frames: Uint8Array[]): Buffer {
  let total = 0;
  for (const f of frames) total += frameHeaderLength(f.length) + f.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  frames.forEach((f, i) => {
    at = writeFrameHeader(out, at, f.length, i < frames.length - 1 ? FLAG_MORE : 0);
    out.set(f, at);
    at += f.length;
  });
  return out;
}

function shortString(name: string, what: string): Buffer {
  const bytes = Buffer.from(name, 'latin1');
  if (bytes.length > 255) throw new BlueOxError('EZMTP_ENCODE', `ZMTP ${what} "${name}" is over 255 bytes`);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

/** A command frame: name, then the command's data. */
export function encodeCommand(name: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
  return encodeFrame(Buffer.concat([shortString(name, 'command name'), data]), false, true);
}

/** READY (and the handshake commands of other mechanisms) carry name/value properties. */
export function encodeProperties(props: Record<string, string | Uint8Array>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(props)) {
    const v = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(v.length, 0);
    parts.push(shortString(name, 'property name'), len, v);
  }
  return Buffer.concat(parts);
}

export function encodeReady(socketType: string, extra: Record<string, string | Uint8Array> = {}): Buffer {
  return encodeCommand('READY', encodeProperties({ 'Socket-Type': socketType, ...extra }));
}

export function encodeError(reason: string): Buffer {
  return encodeCommand('ERROR', shortString(reason.slice(0, 255), 'error reason'));
}

export function encodePing(ttlDeciseconds: number, context: Uint8Array = Buffer.alloc(0)): Buffer {
  const ttl = Buffer.allocUnsafe(2);
  ttl.writeUInt16BE(ttlDeciseconds, 0);
  return encodeCommand('PING', Buffer.concat([ttl, context.subarray(0, 16)]));
}

export function encodePong(context: Uint8Array): Buffer {
  return encodeCommand('PONG', context.subarray(0, 16));
}

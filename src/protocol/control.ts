/**
 * Control port messages: a msgpack map `{cmd: NAME, ...}` in, a msgpack map
 * out. Replies are packed in the raw string family so that the original's
 * Python 2 tools can read them (see compat-pack.ts).
 */
import { decode } from '@msgpack/msgpack';
import { compatPack } from './compat-pack';

export const COMMANDS = ['SOCK_STREAM', 'SOCK_COLLECT', 'STATUS', 'SHUTDOWN'] as const;
export type CommandName = (typeof COMMANDS)[number];

/** The original's reply to a command it does not know, byte for byte. */
export const UNKNOWN_COMMAND = 'Unknown Command';

export interface ControlRequest {
  cmd: string;
  [key: string]: unknown;
}

/** The decoded request, or a short description of what is wrong with it. */
export function decodeRequest(frames: Buffer[]): ControlRequest | { invalid: string } {
  if (frames.length !== 1) return { invalid: `a request is one frame, got ${frames.length}` };
  let value: unknown;
  try {
    value = decode(frames[0], { maxStrLength: 65536, maxBinLength: 65536, maxArrayLength: 1024, maxMapLength: 1024 });
  } catch {
    return { invalid: 'the request is not msgpack' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    return { invalid: 'the request is not a msgpack map' };
  }
  const cmd = (value as Record<string, unknown>).cmd;
  if (typeof cmd !== 'string') return { invalid: 'the request has no "cmd" string' };
  return value as ControlRequest;
}

export function errorReply(message: string): Buffer {
  return compatPack({ error: message });
}

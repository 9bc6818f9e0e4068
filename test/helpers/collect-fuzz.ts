/**
 * Fuzzed traffic for the collect port, after the handshake: random frames,
 * valid events with their meta frame, body or framing mutated, fuzzed bodies,
 * oversized frames and ZMTP commands between frames. Deterministic for a given
 * random source; `feed` tells the collect model what was sent.
 */
import { encodeCommand, encodePing } from '../../src/protocol/zmtp/frame';
import { fuzzBody } from './body-fuzz';
import type { CollectModel } from './collect-oracle';
import { eventFrames } from './events';
import type { ZmtpPeer } from './zmtp-peer';

/** A message frame; `long` uses the 8-byte size even for a small frame (legal). */
export interface MessageFrame {
  kind: 'frame';
  more: boolean;
  long: boolean;
  body: Buffer;
}

/** A ZMTP command between frames, already encoded; only PINGs are counted by oxd. */
export interface CommandFrame {
  kind: 'command';
  bytes: Buffer;
  ping: boolean;
}

export type WireFrame = MessageFrame | CommandFrame;

export interface FuzzOptions {
  /** oxd's --max-event-size: some frames are made just over it. 0: none. */
  oversizeAbove?: number;
  /** Put PINGs and other commands between frames (ZMTP 3 peers only). */
  commands?: boolean;
}

export function frame(body: Buffer, more = false, long = false): MessageFrame {
  return { kind: 'frame', more, long, body };
}

/** The frames as bytes on the wire. */
export function encodeFrames(frames: WireFrame[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of frames) {
    if (f.kind === 'command') {
      parts.push(f.bytes);
      continue;
    }
    const long = f.long || f.body.length > 255;
    const head = Buffer.alloc(long ? 9 : 2);
    head[0] = (f.more ? 0x01 : 0) | (long ? 0x02 : 0);
    if (long) head.writeBigUInt64BE(BigInt(f.body.length), 1);
    else head[1] = f.body.length;
    parts.push(head, f.body);
  }
  return Buffer.concat(parts);
}

/**
 * Tells the model about one connection's frames, in order. A message still
 * open after the last frame is never counted by oxd, and neither by the model.
 */
export function feed(model: CollectModel, frames: WireFrame[], conn: number, open: Buffer[] = []): Buffer[] {
  for (const f of frames) {
    if (f.kind === 'command') {
      if (f.ping) model.pings++;
      continue;
    }
    open.push(f.body);
    if (!f.more) {
      model.message(open, conn);
      open = [];
    }
  }
  return open;
}

const NAME_CHARS = ['a', 'b', '.', '-', '/', '\\', '\0', '\x01', '\x1f', '\x7f', '\u0085', '\u00a0', 'é', '日', '\u202e', ' ', '~', ':'];
const TYPES = ['fz.request', 'fz.request.db', 'fz-log', 'ünï'];
const HOSTS = ['h1', 'host-2', 'ħ'];
const COMMANDS = ['SUBSCRIBE', 'CANCEL', 'PONG', 'XYZZY'];

export function generate(rand: () => number, conn: number, count: number, options: FuzzOptions = {}): WireFrame[] {
  const int = (n: number): number => Math.floor(rand() * n);
  const bytes = (n: number): Buffer => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = int(256);
    return b;
  };
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  const frames: WireFrame[] = [];
  for (let i = 0; i < count; i++) {
    if (options.commands && rand() < 0.004) {
      const ping = rand() < 0.75;
      const bytesOut = ping ? encodePing(int(600), bytes(int(17))) : encodeCommand(pick(COMMANDS), bytes(int(20)));
      frames.push({ kind: 'command', bytes: bytesOut, ping });
    }
    if (options.oversizeAbove && rand() < 0.01) {
      frames.push(frame(Buffer.alloc(options.oversizeAbove + 1 + int(options.oversizeAbove * 2), int(256)), rand() < 0.5, rand() < 0.5));
      continue;
    }
    if (rand() < 0.5) {
      // A random frame; sometimes a random meta-sized frame with version 3 to get further in.
      const body = rand() < 0.2 ? Buffer.concat([Buffer.from([3]), bytes(136)]) : bytes(int(301));
      if (body.length === 137 && rand() < 0.8) {
        body[9] = int(72);
        body[73] = int(72);
      }
      frames.push(frame(body, rand() < 0.5, rand() < 0.2));
      continue;
    }
    const [meta, body] = eventFrames({
      type: pick(TYPES),
      host: pick(HOSTS),
      body: { conn, i, s: bytes(int(40)).toString('latin1') },
    });
    let msg: Buffer[] = [meta, body];
    const mutations = rand() < 0.15 ? 0 : 1 + int(3);
    for (let m = 0; m < mutations; m++) {
      const which = int(14);
      const target = msg[int(msg.length)] ?? meta;
      if (which === 0 && target.length) target[int(target.length)] ^= 1 + int(255);
      else if (which === 1) target[73] = int(256) & 0xff; // type length
      else if (which === 2) target[0] = int(256); // version
      else if (which === 3) bytes(1 + int(20)).copy(target, 74 + int(40)); // type bytes
      else if (which === 4) msg = msg.map((f) => (f === target ? f.subarray(0, int(f.length + 1)) : f)); // truncate
      else if (which === 5 && msg.length) msg.push(pick(msg)); // duplicate a frame
      else if (which === 6) msg.splice(int(msg.length), 1); // drop a frame
      else if (which === 7) msg = [Buffer.concat(msg)]; // frames glued together
      else if (which === 8 && msg.length) msg = [msg[0], Buffer.alloc(0)]; // empty body
      else if (which === 9) target[9] = int(256); // host length
      else if (which === 10) target.fill(int(256), int(target.length)); // overwrite a tail
      else if (which === 11 && target.length === 137) {
        // A name built from the characters the rules are about, with its length byte right.
        const name = Buffer.from(Array.from({ length: int(12) }, () => pick(NAME_CHARS)).join(''), 'utf8').subarray(0, 63);
        target.fill(0, 73);
        target[73] = name.length;
        name.copy(target, 74);
      } else if (which >= 12 && msg.length > 1) msg = [msg[0], fuzzBody(rand), ...msg.slice(2)]; // a fuzzed body
    }
    msg = msg.map((f) => Buffer.from(f));
    if (msg.length === 0) msg = [Buffer.alloc(0)];
    msg.forEach((body, k) => frames.push(frame(body, k < msg.length - 1, rand() < 0.1)));
  }
  return frames;
}

/**
 * Writes `bytes` in random pieces (mostly up to 8 KiB, sometimes a few bytes),
 * each awaited. A write the kernel takes at once completes without a turn of
 * the event loop, so the loop is let through after each piece: otherwise a fast
 * writer starves this process's other sockets.
 */
export async function writeInPieces(peer: ZmtpPeer, bytes: Buffer, rand: () => number): Promise<void> {
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(rand() * (rand() < 0.1 ? 16 : 8192));
    await peer.writeRaw(bytes.subarray(at, at + n));
    at += n;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

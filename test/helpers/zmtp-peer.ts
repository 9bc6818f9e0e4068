/**
 * A raw ZMTP peer over `net`, built on the project's own handshake codec:
 * lets tests (and the benchmark senders) write exact bytes to the collect
 * port: well-formed events fast, or any malformed frame they like.
 */
import * as net from 'node:net';
import { ZmtpHandshake, HandshakeResult, SocketType } from '../../src/protocol/zmtp/handshake';
import { encodeMessage } from '../../src/protocol/zmtp/frame';

export class ZmtpPeer {
  /** Bytes received after the handshake (PONGs, ERRORs). */
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: net.Socket,
    readonly handshake: HandshakeResult | null,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
  }

  /** Connects to `host:port` and completes the handshake as `socketType` (PUSH by default). */
  static async connect(address: string, socketType: SocketType = 'PUSH'): Promise<ZmtpPeer> {
    const socket = await ZmtpPeer.open(address);
    const hs = new ZmtpHandshake(socketType, (b) => socket.write(b));
    const result = await new Promise<HandshakeResult>((resolve, reject) => {
      const onData = (d: Buffer): void => {
        try {
          const r = hs.push(d);
          if (r) {
            socket.off('data', onData);
            socket.off('close', onClose);
            resolve(r);
          }
        } catch (err) {
          reject(err);
        }
      };
      const onClose = (): void => reject(new Error('closed during handshake'));
      socket.on('data', onData);
      socket.once('close', onClose);
      hs.begin();
    });
    socket.pause();
    const peer = new ZmtpPeer(socket, result);
    if (result.leftover.length) peer.received = Buffer.from(result.leftover);
    socket.resume();
    return peer;
  }

  /** A TCP connection with no handshake at all, for garbage and half-open tests. */
  static async raw(address: string): Promise<ZmtpPeer> {
    return new ZmtpPeer(await ZmtpPeer.open(address), null);
  }

  private static open(address: string): Promise<net.Socket> {
    const i = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
      s.once('connect', () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        resolve(s);
      });
      s.once('error', reject);
    });
  }

  /** Writes one message; resolves when the bytes are handed to the kernel. */
  send(frames: Uint8Array[]): Promise<void> {
    return this.writeRaw(encodeMessage(frames));
  }

  writeRaw(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes our side after everything written has been sent. */
  async end(): Promise<void> {
    this.socket.end();
    await this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

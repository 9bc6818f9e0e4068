/**
 * A control-port client for tests: a zeromq.js REQ socket that sends a
 * request (Python 2 style, raw strings) and decodes the reply, with a timeout.
 * A REQ socket that timed out cannot be reused, so each timeout replaces it.
 */
import * as zmq from 'zeromq';
import { decode } from '@msgpack/msgpack';
import { compatPack, Packable } from '../../src/protocol/compat-pack';

export class ControlClient {
  private sock: zmq.Request | null = null;
  private closed = false;

  constructor(readonly address: string) {}

  private socket(): zmq.Request {
    if (this.sock === null) {
      this.sock = new zmq.Request({ linger: 0, receiveTimeout: 10_000, sendTimeout: 10_000 });
      this.sock.connect(`tcp://${this.address}`);
    }
    return this.sock;
  }

  /** Sends raw bytes and returns the raw reply. */
  async requestRaw(frames: Buffer | Buffer[], timeoutMs = 10_000): Promise<Buffer[]> {
    if (this.closed) throw new Error('control client closed');
    const sock = this.socket();
    sock.receiveTimeout = timeoutMs;
    try {
      await sock.send(frames);
      return await sock.receive();
    } catch (err) {
      sock.close();
      this.sock = null;
      throw err;
    }
  }

  async request(req: { [key: string]: Packable }, timeoutMs?: number): Promise<any> {
    const [reply] = await this.requestRaw(compatPack(req), timeoutMs);
    return decode(reply);
  }

  close(): void {
    this.closed = true;
    this.sock?.close();
    this.sock = null;
  }
}

/**
 * The control port. Clients are REQ sockets (the original's tools), so this
 * is a REP service; it is built on a ROUTER socket with the envelope handled
 * here, because libzmq's REP drops a message that lacks the envelope and
 * zeromq.js then ends the receive loop: one stray DEALER or a few garbage
 * bytes would silence the port for good. Every request gets exactly one
 * reply, even garbage. The collect source yields to the event loop every
 * 256 KiB per connection, so requests are answered promptly even while the
 * collect port is saturated.
 */
import * as fs from 'node:fs';
import * as zmq from 'zeromq';
import { compatPack, Packable } from '../protocol/compat-pack';
import { decodeRequest, errorReply, ControlRequest } from '../protocol/control';
import { Endpoint, formatHost, zmqEndpoint } from '../protocol/endpoint';
import type { Logger } from './log';
import type { RateLimitedLog } from './rate-limit';

/** Control requests are small; anything bigger is refused by libzmq before it costs memory. */
const MAX_REQUEST_BYTES = 64 * 1024;

export type ControlHandler = (request: ControlRequest) => { [key: string]: Packable };

export class ControlServer {
  private readonly sock = new zmq.Router({ linger: 0, maxMessageSize: MAX_REQUEST_BYTES });
  private bound: Endpoint | null = null;
  private serving: Promise<void> | null = null;
  requests = 0;
  invalidRequests = 0;
  /** Run after a reply has been sent (SHUTDOWN replies first, then stops). */
  private afterReply: (() => void) | null = null;

  constructor(
    private readonly handler: ControlHandler,
    private readonly log: Logger,
    private readonly warn: RateLimitedLog,
  ) {}

  get endpoint(): Endpoint {
    if (!this.bound) throw new Error('control port not bound');
    return this.bound;
  }

  /** Binds to `endpoint`, or adopts the listening socket `fd` passed by systemd. */
  async start(endpoint: Endpoint, fd?: number): Promise<Endpoint> {
    if (fd !== undefined) {
      // libzmq's ZMQ_USE_FD (89): bind() then uses the already-listening descriptor.
      (this.sock as unknown as { setInt32Option(o: number, v: number): void }).setInt32Option(89, fd);
    }
    // Port 0 means "any free port", which libzmq spells "*".
    const spec = endpoint.port === 0 ? `tcp://${formatHost(endpoint.host)}:*` : zmqEndpoint(endpoint);
    await this.sock.bind(spec);
    const last = this.sock.lastEndpoint ?? spec;
    const port = Number(last.slice(last.lastIndexOf(':') + 1));
    this.bound = { host: endpoint.host, port };
    this.serving = this.serve();
    return this.bound;
  }

  /**
   * Binds to a local socket at `path` that only oxd's own user (and root)
   * may use: the folder is created 0750, the socket file set to 0600.
   */
  async startIpc(path: string): Promise<void> {
    await this.sock.bind(`ipc://${path}`);
    fs.chmodSync(path, 0o600);
    this.serving = this.serve();
  }

  /** Runs `fn` once the reply to the current request has gone out. */
  runAfterReply(fn: () => void): void {
    this.afterReply = fn;
  }

  private async serve(): Promise<void> {
    while (!this.sock.closed) {
      let message: Buffer[];
      try {
        message = await this.sock.receive();
      } catch (err) {
        if (this.sock.closed) return;
        // A message libzmq gave up on must not end the service.
        this.log.debug(`control receive: ${(err as Error).message}`);
        continue;
      }
      const { envelope, frames } = splitEnvelope(message);
      const reply = this.answer(frames);
      try {
        await this.sock.send([...envelope, reply]);
      } catch (err) {
        if (this.sock.closed) return;
        this.log.debug(`control reply: ${(err as Error).message}`);
      }
      const after = this.afterReply;
      this.afterReply = null;
      after?.();
    }
  }

  private answer(frames: Buffer[]): Buffer {
    this.requests++;
    const request = decodeRequest(frames);
    if ('invalid' in request) {
      this.invalidRequests++;
      this.warn.log('warning', 'control-invalid', `control: invalid request: ${request.invalid}`);
      return errorReply(`Invalid Request: ${request.invalid}`);
    }
    this.log.debug(`control request ${request.cmd}`);
    try {
      return compatPack(this.handler(request));
    } catch (err) {
      this.log.error(`control: ${request.cmd} failed: ${(err as Error).stack ?? err}`);
      return errorReply(`Internal Error: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.sock.close();
    await this.serving;
  }
}

/**
 * ROUTER hands over [peer identity, ...routing frames, empty delimiter,
 * request frames]. The reply goes back with everything up to the delimiter;
 * a peer that sent no delimiter (a DEALER) is answered the same way it asked.
 */
export function splitEnvelope(message: Buffer[]): { envelope: Buffer[]; frames: Buffer[] } {
  const delimiter = message.findIndex((frame, i) => i > 0 && frame.length === 0);
  if (delimiter < 0) return { envelope: message.slice(0, 1), frames: message.slice(1) };
  return { envelope: message.slice(0, delimiter + 1), frames: message.slice(delimiter + 1) };
}

/**
 * The control port: a zeromq.js REP socket answering one request at a time.
 * Every request gets exactly one reply, even garbage, so a REQ client never
 * hangs and the REP state machine never wedges. The collect source yields to
 * the event loop after every received chunk, so requests are answered within
 * a chunk's worth of work even while the collect port is saturated.
 */
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
  private readonly sock = new zmq.Reply({ linger: 0, maxMessageSize: MAX_REQUEST_BYTES });
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

  /** Runs `fn` once the reply to the current request has gone out. */
  runAfterReply(fn: () => void): void {
    this.afterReply = fn;
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.sock) {
        this.requests++;
        let reply: Buffer;
        const request = decodeRequest(frames);
        if ('invalid' in request) {
          this.invalidRequests++;
          this.warn.log('warning', 'control-invalid', `control: invalid request: ${request.invalid}`);
          reply = errorReply(`Invalid Request: ${request.invalid}`);
        } else {
          this.log.debug(`control request ${request.cmd}`);
          try {
            reply = compatPack(this.handler(request));
          } catch (err) {
            this.log.error(`control: ${request.cmd} failed: ${(err as Error).stack ?? err}`);
            reply = errorReply(`Internal Error: ${(err as Error).message}`);
          }
        }
        await this.sock.send(reply);
        const after = this.afterReply;
        this.afterReply = null;
        after?.();
      }
    } catch (err) {
      if (!this.sock.closed) this.log.error(`control port stopped: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.sock.close();
    await this.serving;
  }
}

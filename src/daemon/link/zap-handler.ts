/**
 * The ZAP handler (ZeroMQ RFC 27) of a link socket that requires CURVE:
 * libzmq asks it, over inproc in this process's default context, about
 * every connection that completed the CURVE handshake; it admits a client
 * whose public key is among link_clients' .pub files, and refuses (and
 * counts, with the address) any other. Without a handler libzmq would
 * admit every CURVE client, so the link socket binds only after this one.
 */
import * as zmq from 'zeromq';
import type { Packable } from '../../protocol/compat-pack';
import { z85Encode } from '../../protocol/z85';
import type { RateLimitedLog } from '../rate-limit';

/** Where libzmq sends ZAP requests (RFC 27). */
const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';
const ZAP_VERSION = '1.0';
/** The domain the link socket names, so that ZAP requests say which socket they are for. */
export const LINK_ZAP_DOMAIN = 'blueox-link';

export class ZapHandler {
  private readonly counts = { accepted: 0, refused: 0 };
  private lastRefused: string | null = null;
  private lastRefusedKey: string | null = null;
  private sock: zmq.Router | null = null;
  private serving: Promise<void> | null = null;

  constructor(
    /** Allowed public keys (Z85) -> the .pub file that allowed each. */
    private allowed: Map<string, string>,
    private readonly clientsDir: string,
    private readonly warn: RateLimitedLog,
  ) {}

  /** link_clients read again (SIGHUP): later connections are judged by these keys. */
  allow(clients: Map<string, string>): void {
    this.allowed = clients;
  }

  async start(): Promise<void> {
    const sock = new zmq.Router({ linger: 0 });
    await sock.bind(ZAP_ENDPOINT);
    this.sock = sock;
    this.serving = this.serve(sock);
  }

  private async serve(sock: zmq.Router): Promise<void> {
    try {
      for await (const frames of sock) {
        const reply = this.answer(frames);
        if (reply !== null) await sock.send(reply);
      }
    } catch (err) {
      if (this.sock !== null) this.warn.log('error', 'link-zap', `link CURVE (ZAP) handler: ${(err as Error).message}`);
    }
  }

  /** Request [routing id, "", version, request id, domain, address, identity, mechanism, credentials...] -> reply frames. */
  private answer(frames: Buffer[]): Buffer[] | null {
    if (frames.length < 8) return null; // not ZAP: libzmq never sends this
    const [peer, , version, requestId, , addressFrame, , mechanismFrame, key] = frames;
    const reply = (status: string, text: string): Buffer[] => [peer, Buffer.alloc(0), Buffer.from(ZAP_VERSION), requestId, Buffer.from(status), Buffer.from(text), Buffer.alloc(0), Buffer.alloc(0)];
    if (version.toString() !== ZAP_VERSION) return reply('500', `ZAP version ${ZAP_VERSION} only`);
    const address = addressFrame.toString();
    const mechanism = mechanismFrame.toString();
    const clientKey = mechanism === 'CURVE' && key?.length === 32 ? z85Encode(key) : null;
    if (clientKey !== null && this.allowed.has(clientKey)) {
      this.counts.accepted++;
      return reply('200', 'OK');
    }
    this.counts.refused++;
    this.lastRefused = address;
    this.lastRefusedKey = clientKey;
    this.warn.log(
      'warning',
      'link-curve-refused',
      clientKey === null
        ? `link: refused a connection from ${address} without CURVE (${mechanism}): this link requires CURVE`
        : `link: refused a forwarding oxd at ${address}: its public key ${clientKey} is not in a .pub file of link_clients (${this.clientsDir}); put its .pub file there and reload oxd to allow it`,
    );
    return reply('400', 'not an allowed link client');
  }

  status(): { [key: string]: Packable } {
    return { ...this.counts, last_refused: this.lastRefused, last_refused_key: this.lastRefusedKey, clients: this.allowed.size };
  }

  async stop(): Promise<void> {
    const sock = this.sock;
    this.sock = null;
    sock?.close();
    await this.serving;
  }
}

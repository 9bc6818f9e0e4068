/**
 * Live events from oxd's stream port, found through the control port
 * (SOCK_STREAM) as the original tools did. The subscription survives oxd
 * restarts: when no event arrives for a while, or the connection drops, the
 * control port is asked again and, if the stream port moved, the
 * subscription follows it.
 */
import * as zmq from 'zeromq';
import { Endpoint, formatHost } from '../protocol/endpoint';
import { controlRequest } from './control-request';

export interface StreamEvent {
  type: string;
  body: Buffer;
}

export interface SubscribeOptions {
  /** `name*` is a prefix, a bare name exact, empty or undefined everything. */
  filter?: string | null;
  /** Ask the control port again after this long without events. */
  idleCheckMs?: number;
  /** Told about connections and waits, for a -v flag or a status line. */
  onStatus?: (message: string) => void;
  /** Stop when this signal aborts. */
  signal?: AbortSignal;
}

async function streamPort(control: Endpoint, signal?: AbortSignal, onStatus?: (m: string) => void): Promise<number | null> {
  let delay = 250;
  let told = false;
  while (!signal?.aborted) {
    try {
      const reply = await controlRequest(control, { cmd: 'SOCK_STREAM' }, 2000);
      if (typeof reply?.port === 'number') return reply.port;
    } catch (err) {
      if (!told) onStatus?.(`waiting for oxd: ${(err as Error).message}`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 5000);
  }
  return null;
}

export async function* subscribeStream(control: Endpoint, options: SubscribeOptions = {}): AsyncGenerator<StreamEvent> {
  const filter = options.filter ?? '';
  const exact = filter !== '' && !filter.endsWith('*');
  const prefix = filter.endsWith('*') ? filter.slice(0, -1) : filter;
  const idleMs = options.idleCheckMs ?? 5000;
  while (!options.signal?.aborted) {
    const port = await streamPort(control, options.signal, options.onStatus);
    if (port === null) return;
    const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: idleMs });
    const address = `tcp://${formatHost(control.host)}:${port}`;
    let dropped = false;
    sub.events.on('disconnect', () => (dropped = true));
    const abort = (): void => sub.close();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      sub.connect(address);
      sub.subscribe(prefix);
      options.onStatus?.(`subscribed to ${address}${filter ? ` (${filter})` : ''}`);
      while (!options.signal?.aborted) {
        let frames: Buffer[];
        try {
          frames = await sub.receive();
        } catch (err) {
          if ((err as { code?: string }).code !== 'EAGAIN' || options.signal?.aborted) break;
          // Quiet for a while: is oxd still there, on the same port?
          const now = await controlRequest(control, { cmd: 'SOCK_STREAM' }, 2000).catch(() => null);
          if (dropped || now?.port !== port) break;
          continue;
        }
        if (frames.length !== 2) continue;
        const type = frames[0].toString('utf8');
        if (exact && type !== filter) continue;
        yield { type, body: frames[1] };
      }
    } finally {
      options.signal?.removeEventListener('abort', abort);
      if (!sub.closed) sub.close();
    }
    if (!options.signal?.aborted) options.onStatus?.('lost the stream; reconnecting');
  }
}

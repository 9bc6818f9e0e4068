/**
 * One request to oxd's control port, as the original tools made it: a REQ
 * socket, a msgpack map with `cmd`, one reply, and a timeout after which the
 * user is told oxd is not answering.
 */
import * as zmq from 'zeromq';
import { decode } from '@msgpack/msgpack';
import { BlueOxError } from '../errors';
import { compatPack } from '../protocol/compat-pack';
import { DEFAULT_CONTROL_PORT, Endpoint, formatEndpoint, parseEndpoint, zmqEndpoint } from '../protocol/endpoint';

export const DEFAULT_TIMEOUT_MS = 5000;

/** The control host a tool talks to: the flag, else BLUEOX_CLIENT_HOST, else 127.0.0.1:3513. */
export function controlEndpoint(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Endpoint {
  return parseEndpoint(flag ?? env.BLUEOX_CLIENT_HOST ?? '', DEFAULT_CONTROL_PORT);
}

export async function controlRequest(
  target: Endpoint | string,
  request: Record<string, unknown>,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<any> {
  const address = typeof target === 'string' ? target : zmqEndpoint(target);
  const shown = typeof target === 'string' ? target : formatEndpoint(target);
  const sock = new zmq.Request({ linger: 0, sendTimeout: timeoutMs, receiveTimeout: timeoutMs });
  try {
    sock.connect(address);
    await sock.send(compatPack(request));
    const [reply] = await sock.receive();
    return decode(reply);
  } catch (err) {
    if ((err as { code?: string }).code === 'EAGAIN') {
      throw new BlueOxError(
        'ECONTROL_TIMEOUT',
        `oxd at ${shown} did not answer within ${timeoutMs} ms: is it running, and is that its control port? (-H host:port)`,
      );
    }
    throw err;
  } finally {
    sock.close();
  }
}

/**
 * Whether the upstream named by `forward` speaks the link (doc/link.md): a
 * ZMTP 3 handshake as a PUSH socket on its collect port, and a look at the
 * READY it answers with. Ours announces its link port there; libzmq (an
 * original oxd) does not. The connection is closed before any message.
 * A link that requires CURVE also announces the public key to use, and
 * an oxd that knows zstd the compressions its link decodes.
 */
import * as net from 'node:net';
import { Endpoint } from '../../protocol/endpoint';
import { LINK_CODECS_PROPERTY, LINK_CURVE_PROPERTY, LINK_PROPERTY } from '../../protocol/link/link-header';
import { ZmtpHandshake } from '../../protocol/zmtp/handshake';
import { parseAnnouncedCodecs } from './link-codec';

export interface LinkAnnouncement {
  /** The link port, on the collect port's host. */
  port: number;
  /** The public key (Z85) of a link that requires CURVE; null for a link in clear. */
  curveKey: string | null;
  /** The compressions its link decodes; null when it does not say (an oxd from before zstd: zlib). */
  codecs: string[] | null;
}

/** What the upstream announces of its link, or null when it does not speak the link. Rejects when it cannot be reached. */
export function probeLink(target: Endpoint, timeoutMs: number): Promise<LinkAnnouncement | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    const done = (err: Error | null, found: LinkAnnouncement | null = null): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(found);
    };
    const timer = setTimeout(() => done(new Error(`no ZMTP handshake from ${target.host}:${target.port} within ${timeoutMs} ms`)), timeoutMs);
    const handshake = new ZmtpHandshake('PUSH', (bytes) => socket.write(bytes));
    socket.once('connect', () => handshake.begin());
    socket.on('data', (chunk: Buffer) => {
      try {
        const result = handshake.push(chunk);
        if (result === null) return;
        const announced = result.properties.get(LINK_PROPERTY.toLowerCase());
        const port = announced === undefined ? NaN : Number(announced.toString('latin1'));
        const curve = result.properties.get(LINK_CURVE_PROPERTY.toLowerCase());
        const codecs = parseAnnouncedCodecs(result.properties.get(LINK_CODECS_PROPERTY.toLowerCase())?.toString('latin1'));
        done(null, Number.isInteger(port) && port > 0 && port < 65536 ? { port, curveKey: curve === undefined ? null : curve.toString('latin1'), codecs } : null);
      } catch (err) {
        done(err as Error);
      }
    });
    socket.once('error', (err) => done(err));
    socket.once('close', () => done(new Error(`${target.host}:${target.port} closed the connection during the handshake`)));
  });
}

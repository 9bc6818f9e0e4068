/**
 * Sending statsd datagrams from a test: one UDP socket, each datagram sent
 * and its send confirmed before the next, so they leave in order.
 */
import * as dgram from 'node:dgram';

export async function sendDatagrams(port: number, datagrams: ReadonlyArray<string | Buffer>, host = '127.0.0.1'): Promise<void> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    for (const d of datagrams) {
      await new Promise<void>((resolve, reject) => socket.send(typeof d === 'string' ? Buffer.from(d) : d, port, host, (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    socket.close();
  }
}

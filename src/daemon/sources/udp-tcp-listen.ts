/**
 * A source's two sockets on one address (statsd, syslog): UDP, and TCP on the
 * same port; or the two sockets of its systemd socket unit, which share one
 * FileDescriptorName=, told apart by kind. Asked for port 0 (tests), UDP
 * picks a free port and TCP takes the same number; should that TCP port be
 * taken, both are tried again on a new port.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Endpoint } from '../../protocol/endpoint';
import { socketKind } from './socket-kind';

export type UdpTcpListen = { endpoint: Endpoint } | { fds: number[] };

export interface UdpTcpSockets {
  /** Null when systemd passed only a stream socket. */
  udp: dgram.Socket | null;
  /** Null when systemd passed only a datagram socket. */
  tcp: net.Server | null;
  endpoint: Endpoint;
  /** What the kernel granted for the UDP receive buffer (Linux reports twice what it keeps for data). */
  receiveBuffer: number;
}

const PORT_ATTEMPTS = 10;

export async function bindUdpTcp(listen: UdpTcpListen, receiveBuffer: number, onTcp: (socket: net.Socket) => void): Promise<UdpTcpSockets> {
  if ('fds' in listen) {
    const udpFd = listen.fds.find((fd) => socketKind(fd) === 'datagram');
    const tcpFd = listen.fds.find((fd) => fd !== udpFd);
    const udp = udpFd !== undefined ? await bindUdp({ fd: udpFd } as dgram.BindOptions, 'udp4', receiveBuffer) : null;
    const tcp = tcpFd !== undefined ? await listenTcp({ fd: tcpFd }, onTcp) : null;
    const addr = udp !== null ? udp.address() : (tcp!.address() as net.AddressInfo);
    return { udp, tcp, endpoint: { host: addr.address, port: addr.port }, receiveBuffer: udp ? grant(udp, receiveBuffer) : 0 };
  }
  const ep = listen.endpoint;
  const family = ep.host.includes(':') ? 'udp6' : 'udp4';
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp({ address: ep.host, port: ep.port }, family, receiveBuffer);
    const port = udp.address().port;
    try {
      const tcp = await listenTcp({ host: ep.host, port }, onTcp);
      return { udp, tcp, endpoint: { host: udp.address().address, port }, receiveBuffer: grant(udp, receiveBuffer) };
    } catch (err) {
      udp.close();
      if (ep.port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= PORT_ATTEMPTS) throw err;
    }
  }
}

function bindUdp(options: dgram.BindOptions, family: 'udp4' | 'udp6', receiveBuffer: number): Promise<dgram.Socket> {
  const udp = dgram.createSocket({ type: family, recvBufferSize: receiveBuffer });
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(options, () => {
      udp.off('error', reject);
      resolve(udp);
    });
  });
}

function listenTcp(target: net.ListenOptions | { fd: number }, onTcp: (socket: net.Socket) => void): Promise<net.Server> {
  const tcp = net.createServer(onTcp);
  return new Promise((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(target, () => {
      tcp.off('error', reject);
      resolve(tcp);
    });
  });
}

/** Asks again after binding (a passed socket keeps the unit's ReceiveBuffer=); net.core.rmem_max caps it. */
function grant(udp: dgram.Socket, wanted: number): number {
  if (udp.getRecvBufferSize() < wanted) {
    try {
      udp.setRecvBufferSize(wanted);
    } catch {
      // Capped by net.core.rmem_max: what was granted shows in STATUS.
    }
  }
  return udp.getRecvBufferSize();
}

/** Closes both sockets and drops the TCP connections still open; resolves once all are closed. */
export async function closeUdpTcp(udp: dgram.Socket | null, tcp: net.Server | null, connections: Iterable<net.Socket>): Promise<void> {
  if (udp) {
    await new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
  }
  if (tcp) {
    const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
    for (const socket of connections) socket.destroy();
    await closed;
  }
}

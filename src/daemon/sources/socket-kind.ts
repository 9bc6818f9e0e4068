/**
 * Which of the sockets systemd passed is the datagram one. oxd-statsd.socket
 * gives its ListenDatagram= and ListenStream= sockets the same
 * FileDescriptorName=, and sd_listen_fds(3) says nothing about their kind;
 * Linux lists every UDP socket with its inode, and /proc/self/fd/N names the
 * inode of descriptor N.
 */
import * as fs from 'node:fs';
import { udpSocketRows } from './proc-net-udp';

export type SocketKind = 'datagram' | 'stream';

function inodeOf(fd: number): string | null {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

export function socketKind(fd: number): SocketKind {
  const inode = inodeOf(fd);
  return inode !== null && udpSocketRows().some((r) => r.inode === inode) ? 'datagram' : 'stream';
}

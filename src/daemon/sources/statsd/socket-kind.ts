/**
 * Which of the sockets systemd passed is the datagram one. oxd-statsd.socket
 * gives its ListenDatagram= and ListenStream= sockets the same
 * FileDescriptorName=, and sd_listen_fds(3) says nothing about their kind;
 * Linux lists every UDP socket with its inode in /proc/self/net/udp{,6}, and
 * /proc/self/fd/N names the inode of descriptor N. (/proc/self/net, not
 * /proc/net: oxd.service's ProcSubset=pid hides the latter.)
 */
import * as fs from 'node:fs';

export type SocketKind = 'datagram' | 'stream';

function inodeOf(fd: number): string | null {
  try {
    const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
    return m ? m[1] : null;
  } catch {
    return null;
  }
}

/** The inodes of every UDP socket on the machine (column 10 of /proc/self/net/udp). */
function udpInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/self/net/udp', '/proc/self/net/udp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 9) inodes.add(cols[9]);
    }
  }
  return inodes;
}

export function socketKind(fd: number): SocketKind {
  const inode = inodeOf(fd);
  return inode !== null && udpInodes().has(inode) ? 'datagram' : 'stream';
}

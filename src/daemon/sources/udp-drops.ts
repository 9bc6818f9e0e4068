/**
 * Datagrams the kernel dropped before oxd could read them: the drops column
 * of our own socket's line in /proc/self/net/udp{,6} (by local port), and
 * RcvbufErrors from /proc/self/net/snmp (every UDP socket of the network
 * namespace together). /proc/net is hidden under oxd.service's ProcSubset=pid.
 * Both are what an administrator checks when statsd numbers look low.
 */
import * as fs from 'node:fs';
import { udpSocketRows } from './proc-net-udp';

export interface UdpDrops {
  /** Drops of the socket bound to `port`; null when it is not found. */
  socket: number | null;
  /** The machine's UDP receive-buffer errors since boot; null when unreadable. */
  rcvbufErrors: number | null;
}

export function readUdpDrops(port: number): UdpDrops {
  return { socket: socketDrops(port), rcvbufErrors: rcvbufErrors() };
}

function socketDrops(port: number): number | null {
  const rows = udpSocketRows().filter((r) => r.port === port);
  return rows.length === 0 ? null : rows.reduce((n, r) => n + r.drops, 0);
}

function rcvbufErrors(): number | null {
  try {
    const lines = fs.readFileSync('/proc/self/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
    if (lines.length < 2) return null;
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/);
    const at = names.indexOf('RcvbufErrors');
    return at > 0 ? Number(values[at]) : null;
  } catch {
    return null;
  }
}

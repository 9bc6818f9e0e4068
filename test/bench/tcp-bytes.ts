/**
 * Bytes on the wire between two processes on this machine, from the
 * kernel's own count (`ss -ti`: tcp_info's bytes_sent): the same measure for
 * every way of sending, whatever the sender's own counters say.
 */
import { execFileSync } from 'node:child_process';

/**
 * Bytes sent so far (TCP payload, every header above TCP included) on the
 * established connections to `port` on this machine: the connecting side of
 * each, so what travelled towards the listener. Connections closed before
 * the call no longer count, so take it before and after a window and
 * subtract, on a connection that stays up.
 */
export function bytesSentTo(port: number): { bytes: number; connections: number } {
  const text = execFileSync('ss', ['-tinH', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8' });
  let bytes = 0;
  let connections = 0;
  for (const m of text.matchAll(/\bbytes_sent:(\d+)/g)) {
    bytes += Number(m[1]);
    connections++;
  }
  // A connection that has sent nothing yet prints no bytes_sent: count it from its address line.
  const lines = text.split('\n').filter((l) => /^\S/.test(l)).length;
  return { bytes, connections: Math.max(connections, lines) };
}

/**
 * What the kernel says about a benchmark receiver's UDP socket: the
 * datagrams it dropped (the drops column of the socket's line in
 * /proc/net/udp) and the receive buffer it granted (`ss`'s rb).
 */
import { execFileSync } from 'node:child_process';
import { readUdpDrops } from '../../src/daemon/sources/udp-drops';

export function kernelDrops(port: number): number {
  const d = readUdpDrops(port).socket;
  if (d === null) throw new Error(`no UDP socket on port ${port} in /proc/net/udp`);
  return d;
}

/** Bytes, as the kernel reports them (twice what setsockopt asked for), or null when ss cannot tell. */
export function socketReceiveBuffer(port: number): number | null {
  try {
    const out = execFileSync('ss', ['-uamnH', 'sport', '=', `:${port}`], { encoding: 'utf8' });
    const m = /\brb(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * The UDP sockets of oxd's network namespace as Linux lists them in
 * /proc/self/net/udp and udp6: local port, inode and the datagrams dropped
 * because the receive buffer was full. /proc/self/net, not /proc/net:
 * oxd.service's ProcSubset=pid hides the latter.
 */
import * as fs from 'node:fs';

export interface UdpSocketRow {
  port: number;
  inode: string;
  drops: number;
}

export function udpSocketRows(): UdpSocketRow[] {
  const rows: UdpSocketRow[] = [];
  for (const file of ['/proc/self/net/udp', '/proc/self/net/udp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address(ADDR:PORT, hex) rem_address st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13) continue;
      rows.push({ port: parseInt(cols[1].slice(cols[1].lastIndexOf(':') + 1), 16), inode: cols[9], drops: Number(cols[cols.length - 1]) });
    }
  }
  return rows;
}

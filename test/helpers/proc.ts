/**
 * What a process has open, from /proc: lets tests see that oxd let go of a
 * rotated file, or closed an idle one, without guessing at timing.
 */
import * as fs from 'node:fs';

export function openFiles(pid: number): string[] {
  const dir = `/proc/${pid}/fd`;
  const out: string[] = [];
  for (const fd of fs.readdirSync(dir)) {
    try {
      out.push(fs.readlinkSync(`${dir}/${fd}`));
    } catch {
      // the descriptor closed between readdir and readlink
    }
  }
  return out;
}

/** Polls `pred` every 20 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function waitUntil(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) {
      // Past the deadline because this process was busy, pipes may hold what `pred` waits for:
      // one turn of the event loop reads them before the last look.
      await new Promise((r) => setImmediate(r));
      if (pred()) return;
      throw new Error(`timed out waiting until ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The TCP ports `pid` listens on (IPv4 and IPv6), from its sockets and /proc/<pid>/net/tcp*. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set(openFiles(pid).map((f) => /^socket:\[(\d+)\]$/.exec(f)?.[1]).filter((i): i is string => i !== undefined));
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const file = `/proc/${pid}/net/${table}`;
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      // sl local_address rem_address st ... inode: state 0A is LISTEN
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

/** The UDP ports `pid` has bound (IPv4 and IPv6), from its sockets and /proc/<pid>/net/udp*. */
export function boundUdpPorts(pid: number): number[] {
  const inodes = new Set(openFiles(pid).map((f) => /^socket:\[(\d+)\]$/.exec(f)?.[1]).filter((i): i is string => i !== undefined));
  const ports: number[] = [];
  for (const table of ['udp', 'udp6']) {
    const file = `/proc/${pid}/net/${table}`;
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

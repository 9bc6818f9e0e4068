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
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

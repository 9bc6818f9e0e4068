/**
 * Per-process figures from /proc: CPU time (utime + stime, every thread of
 * the process, in clock ticks) and memory (VmHWM = peak RSS, VmRSS).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

let clockTicks: number | null = null;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of /proc/<pid>/stat times. */
export function clkTck(): number {
  if (clockTicks === null) {
    const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    clockTicks = Number(text);
    if (!(clockTicks > 0)) throw new Error(`getconf CLK_TCK said ${JSON.stringify(text)}`);
  }
  return clockTicks;
}

/**
 * utime + stime of `pid` (every thread), or of one thread with `tid` (the main
 * thread's tid is the pid), in clock ticks; null once the process is gone.
 */
export function cpuTicks(pid: number, tid?: number): number | null {
  let text: string;
  try {
    text = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at 11 and 12 counting from field 3.
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU seconds used by `pid` so far (or by its thread `tid`). */
export function cpuSeconds(pid: number, tid?: number): number | null {
  const t = cpuTicks(pid, tid);
  return t === null ? null : t / clkTck();
}

/** A field of /proc/<pid>/status in bytes (VmHWM, VmRSS), or null. */
export function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds of several processes together (missing ones count 0). */
export function totalCpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
}

/**
 * Processes (other than this one and `exclude`) that used more than
 * `threshold` of a core over `sampleMs`: on a shared 2-core machine they
 * change every figure, so the benchmark names them.
 */
export async function busyProcesses(
  sampleMs = 1000,
  threshold = 0.1,
  exclude: number[] = [],
): Promise<Array<{ pid: number; share: number; command: string }>> {
  const pids = (): number[] => fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  const before = new Map(pids().map((pid) => [pid, cpuTicks(pid)]));
  await new Promise((r) => setTimeout(r, sampleMs));
  const busy: Array<{ pid: number; share: number; command: string }> = [];
  for (const [pid, t0] of before) {
    if (pid === process.pid || exclude.includes(pid) || t0 === null) continue;
    const t1 = cpuTicks(pid);
    if (t1 === null) continue;
    const share = (t1 - t0) / clkTck() / (sampleMs / 1000);
    if (share < threshold) continue;
    let command = '';
    try {
      command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 110);
    } catch {
      continue;
    }
    busy.push({ pid, share, command });
  }
  return busy.sort((a, b) => b.share - a.share);
}

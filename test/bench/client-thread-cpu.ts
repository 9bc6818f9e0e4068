/**
 * CPU time of this process's main thread (the event loop's, whose tid is the
 * pid) as the client benchmark reads it: utime + stime in clock ticks from
 * /proc/self/task/<pid>/stat (proc-stats.ts), and the scheduler's own
 * nanosecond count from .../schedstat where the kernel has one. libuv's pool
 * and libzmq's I/O thread are not in either; process.cpuUsage() has them.
 */
import * as fs from 'node:fs';
import { clkTck, cpuTicks } from './proc-stats';

export interface ThreadCpu {
  ticks: number;
  /** Nanoseconds on a CPU (first field of schedstat), or null without CONFIG_SCHED_INFO. */
  schedNs: number | null;
}

export function mainThreadCpu(): ThreadCpu {
  const pid = process.pid;
  const ticks = cpuTicks(pid, pid);
  if (ticks === null) throw new Error(`cannot read /proc/${pid}/task/${pid}/stat`);
  let schedNs: number | null = null;
  try {
    schedNs = Number(fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);
    if (!Number.isFinite(schedNs)) schedNs = null;
  } catch {
    schedNs = null;
  }
  return { ticks, schedNs };
}

/** Seconds of main-thread CPU between two readings: [from ticks, from schedstat or null]. */
export function threadSeconds(a: ThreadCpu, b: ThreadCpu): { ticks: number; sched: number | null } {
  return {
    ticks: (b.ticks - a.ticks) / clkTck(),
    sched: a.schedNs !== null && b.schedNs !== null ? (b.schedNs - a.schedNs) / 1e9 : null,
  };
}

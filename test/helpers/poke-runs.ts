/**
 * Running `oxpoke run` and Debian's monitoring-plugins `check_http` as the
 * oxpoke tests do: a check file written in a folder of the test's, the real
 * oxpoke bundle run on it, check_http on the same endpoint, an oxd with a
 * statsd port that takes the runs' events and metrics, and the metrics
 * summed from oxd's `statsd.interval` events.
 */
import type { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandResult, runCommand } from './command';
import { eventsOfType } from './oxd-events';
import { Oxd, startOxd } from './oxd-process';
import { runTool, ToolResult } from './tool';

export const CHECK_HTTP = '/usr/lib/nagios/plugins/check_http';

/** A folder for check files, removed at the test's end. */
export function pokeFolder(t: ExecutionContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxpoke-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `text` as checks.toml in a folder of its own. */
export function checkFile(t: ExecutionContext, text: string): string {
  const file = path.join(pokeFolder(t), 'checks.toml');
  fs.writeFileSync(file, text);
  return file;
}

/**
 * `oxpoke run` on one check named `name` (its keys in `toml`), written to `dir`/`name`.toml;
 * `args` say where its events and metrics go (by default nowhere). Its status line goes to the test's log.
 */
export async function runCheck(t: ExecutionContext, dir: string, name: string, toml: string, args = ['--no-events', '--no-metrics']): Promise<ToolResult> {
  const file = path.join(dir, `${name}.toml`);
  fs.writeFileSync(file, `[[check]]\nname = "${name}"\n${toml}`);
  const r = await runTool('oxpoke', ['run', file, ...args]);
  t.log(`oxpoke: ${r.stdout.trim()}`);
  return r;
}

/** check_http with `args`; its status line goes to the test's log. */
export async function runCheckHttp(t: ExecutionContext, args: string[]): Promise<CommandResult> {
  const r = await runCommand(CHECK_HTTP, args, { timeoutMs: 30_000 });
  t.log(`check_http: ${r.stdout.trim()}`);
  return r;
}

/** An oxd with a statsd port flushing every `intervalMs`, stopped at the test's end. */
export async function oxdWithStatsd(t: ExecutionContext, intervalMs = 1000): Promise<{ oxd: Oxd; statsd: number }> {
  const oxd = await startOxd({ args: ['--statsd', '127.0.0.1:0', '--statsd-flush', String(intervalMs)] });
  t.teardown(() => oxd.stop());
  const statsd = Number((await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1]);
  return { oxd, statsd };
}

/** What `find` returns once it returns something, polled; rejects after `timeoutMs`. */
export async function waitFor<T>(find: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every counter's total, and every timer's count of values, over the intervals oxd wrote so far. */
export function statsdTotals(oxd: Oxd): { counters: Record<string, number>; timerCounts: Record<string, number> } {
  const counters: Record<string, number> = {};
  const timerCounts: Record<string, number> = {};
  for (const { body } of eventsOfType(oxd, 'statsd.interval')) {
    for (const [key, value] of Object.entries(body.counters ?? {})) counters[key] = (counters[key] ?? 0) + (value as number);
    for (const [key, timer] of Object.entries(body.timers ?? {})) timerCounts[key] = (timerCounts[key] ?? 0) + (timer as { count: number }).count;
  }
  return { counters, timerCounts };
}

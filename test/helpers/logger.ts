/**
 * util-linux `logger` (2.38), the sender the syslog interop tests inject
 * messages with, into a forwarder's socket or straight to oxd.
 */
import { runCommand } from './command';

export const LOGGER = '/usr/bin/logger';

/** Runs logger with `args` (its environment on top of the test's, e.g. TZ); rejects with its stderr when it fails. */
export async function logger(args: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const r = await runCommand(LOGGER, args, { env: { ...process.env, ...env }, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`logger ${args.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr}`);
}

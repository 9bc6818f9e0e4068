/**
 * oxctl: oxd's status, as the original printed it plus the counters, and
 * the administrative verbs (shutdown, forward, reopen) through oxd's local
 * admin socket, which only root and oxd's own user may use.
 */
import * as fs from 'node:fs';
import { Command } from 'commander';
import { EXIT_FAILURE, EXIT_OK, parseCommandLine, UsageExit } from '../config/command-line';
import { BlueOxError, describeError } from '../errors';
import { formatEndpoint } from '../protocol/endpoint';
import { controlEndpoint, controlRequest, DEFAULT_TIMEOUT_MS } from '../remote/control-request';
import { formatStatus } from '../view/status-text';
import { VERSION } from '../version';
import { guardInspectorSignal } from '../config/process-guards';

const DEFAULT_ADMIN_SOCKET = '/run/blueox/oxd-admin.sock';

interface Flags {
  host?: string;
  raw?: boolean;
  timeout: string;
  adminSocket?: string;
}

function adminPath(flags: Flags): string {
  return flags.adminSocket ?? process.env.BLUEOX_ADMIN_SOCKET ?? DEFAULT_ADMIN_SOCKET;
}

function timeoutOf(flags: Flags): number {
  const ms = Number(flags.timeout);
  if (!Number.isInteger(ms) || ms < 1) throw new BlueOxError('EUSAGE', `--timeout must be a number of milliseconds, not "${flags.timeout}"`);
  return ms;
}

/** Sends an admin request, after checking the socket is there and ours to use. */
async function admin(flags: Flags, request: Record<string, unknown>): Promise<any> {
  if (flags.host !== undefined) {
    throw new BlueOxError('EUSAGE', `${String(request.cmd).toLowerCase()} acts on the local oxd through its admin socket; -H does not apply (use --admin-socket)`);
  }
  const file = adminPath(flags);
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new BlueOxError('EADMIN_PERMISSION', `permission denied on ${file}: only root and oxd's user may change oxd (try sudo)`);
    }
    throw new BlueOxError('EADMIN_SOCKET', `no admin socket at ${file}: is oxd running, with --admin-socket ${file}?`);
  }
  const reply = await controlRequest(`ipc://${file}`, request, timeoutOf(flags));
  if (reply && typeof reply === 'object' && 'error' in reply) throw new BlueOxError('EADMIN_REFUSED', `oxd refused: ${reply.error}`);
  return reply;
}

function program(run: (action: () => Promise<void>) => void): Command {
  const cmd = new Command('oxctl')
    .description("Show oxd's status, or change a running oxd (shutdown, forward, reopen).")
    .version(VERSION, '-V, --version')
    .option('-H, --host <host[:port]>', "oxd's control port (default $BLUEOX_CLIENT_HOST or 127.0.0.1:3513)")
    .option('-r, --raw', 'print the status as JSON')
    .option('--timeout <ms>', 'give up when oxd does not answer within this time', String(DEFAULT_TIMEOUT_MS))
    .option('--admin-socket <path>', `oxd's admin socket, for the verbs that change oxd (default $BLUEOX_ADMIN_SOCKET or ${DEFAULT_ADMIN_SOCKET})`)
    .addHelpText(
      'after',
      `
The status is open to anyone who can reach the control port, as in the original. shutdown, forward
and reopen go through oxd's admin socket instead, which only root and oxd's own user may use.

Exit status: 0 ok, 1 oxd did not answer or refused, 2 usage error.`,
    );
  const flags = (): Flags => cmd.opts<Flags>();
  cmd
    .command('status', { isDefault: true })
    .description('last event, lag, hosts, event types and their counters (the default)')
    .action(() =>
      run(async () => {
        const f = flags();
        const target = controlEndpoint(f.host);
        const status = await controlRequest(target, { cmd: 'STATUS' }, timeoutOf(f));
        process.stdout.write(f.raw ? JSON.stringify(status, null, 2) + '\n' : formatStatus(formatEndpoint(target), status, Date.now() / 1000));
      }),
    );
  cmd
    .command('shutdown')
    .description('stop oxd: it writes what it holds and exits')
    .action(() =>
      run(async () => {
        await admin(flags(), { cmd: 'SHUTDOWN' });
        process.stdout.write('oxd is shutting down\n');
      }),
    );
  cmd
    .command('forward')
    .argument('<host[:port][,...]>', "another oxd's collect port, or several separated by commas (the first used while it answers)")
    .description('forward from now on to another oxd (a backup collector), or a list to fail over along, without a restart and without losing events')
    .action((target: string) =>
      run(async () => {
        const reply = await admin(flags(), { cmd: 'FORWARD', target });
        process.stdout.write(`oxd now forwards to ${reply.forward}\n`);
      }),
    );
  cmd
    .command('reopen')
    .description('close every log file so the next events open them again (as SIGHUP)')
    .action(() =>
      run(async () => {
        await admin(flags(), { cmd: 'REOPEN' });
        process.stdout.write('oxd reopened its log files\n');
      }),
    );
  return cmd;
}

async function main(argv: string[]): Promise<number> {
  guardInspectorSignal();
  let action: (() => Promise<void>) | null = null;
  const cmd = program((a) => (action = a));
  try {
    parseCommandLine(cmd, argv);
  } catch (err) {
    if (err instanceof UsageExit) return err.exitCode;
    throw err;
  }
  try {
    await (action as unknown as () => Promise<void>)();
    return EXIT_OK;
  } catch (err) {
    if (err instanceof BlueOxError && err.code === 'EUSAGE') {
      process.stderr.write(`oxctl: ${err.message}\n(run with --help for usage)\n`);
      return 2;
    }
    process.stderr.write(`oxctl: ${describeError(err)}\n`);
    return EXIT_FAILURE;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`oxctl: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);

/**
 * oxd's entry point: command line, start, signals, exit status.
 *
 *   SIGTERM / SIGINT  drain, flush, close, exit 0
 *   SIGHUP            reopen log files
 * Exit 1 when oxd cannot start (the message says why), 2 for usage errors.
 */
import { ConfigError } from '../config/errors';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageExit } from '../config/command-line';
import { describeError } from '../errors';
import { formatEndpoint } from '../protocol/endpoint';
import { parseOxdArgs } from './args';
import { Daemon } from './daemon';
import { Logger } from './log';
import { forgetPassedSockets, passedSockets } from './socket-activation';

async function main(argv: string[]): Promise<number> {
  let settings;
  try {
    settings = parseOxdArgs(argv);
  } catch (err) {
    if (err instanceof UsageExit) return err.exitCode;
    if (err instanceof ConfigError) {
      process.stderr.write(`oxd: ${err.message}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const log = new Logger(settings.verbosity);
  let daemon: Daemon;
  try {
    const passed = passedSockets();
    forgetPassedSockets();
    daemon = new Daemon(settings, log, passed);
    const ep = await daemon.start();
    log.notice(
      `ready collect=${formatEndpoint(ep.collect)} control=${formatEndpoint(ep.control)} stream=${formatEndpoint(ep.stream)}` +
        ` log-path=${settings.logPath ?? '-'} forward=${settings.forward ? formatEndpoint(settings.forward) : '-'}` +
        ` admin=${ep.admin ?? '-'} pid=${process.pid}`,
    );
  } catch (err) {
    log.error(`cannot start: ${describeError(err)}`);
    return EXIT_FAILURE;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      log.notice(`stopping (${why}): draining senders, writing what was received`);
      daemon.stop().then(
        () => {
          const t = daemon.stats.totals;
          log.notice(
            `stopped received=${t.received} written=${t.written} forwarded=${t.forwarded} ` +
              `dropped=${t.dropped} invalid=${t.invalid}`,
          );
          resolve(EXIT_OK);
        },
        (err) => {
          log.error(`failed while stopping: ${describeError(err)}`);
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => daemon.reopen());
    daemon.onShutdownRequest = () => stop('SHUTDOWN request');
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`oxd: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(70);
  },
);

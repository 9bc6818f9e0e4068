/**
 * oxd's command line: the original's flags (`-c`, `-t`, `-r`, `-l`,
 * `--rotate-hours`, `--stream-range`, `-v`) plus the limits this oxd adds.
 * Values are resolved (defaults < environment < flags) and checked through
 * the settings table, so a bad value names the flag and what is allowed.
 */
import { Command, Option } from 'commander';
import { increase, parseCommandLine } from '../config/command-line';
import { DEFAULTS, OxdSettings, parseSetting } from '../config/oxd-settings';
import { formatEndpoint } from '../protocol/endpoint';
import { VERSION } from '../version';

interface RawFlags {
  collect?: string;
  control?: string;
  forward?: string;
  logPath?: string;
  rotateHours?: string;
  streamRange?: string[];
  maxEventSize?: string;
  flushInterval?: string;
  idleClose?: string;
  handshakeTimeout?: string;
  drainTimeout?: string;
  forwardSpool?: string;
  adminSocket?: string;
  verbose: number;
}

function program(): Command {
  const d = DEFAULTS;
  return new Command('oxd')
    .description('BlueOx collector daemon: receives events from applications and other oxd instances, ' +
      'writes them to dated log files, streams them live and forwards them upstream.')
    .version(VERSION, '-V, --version')
    .option('-c, --collect <host[:port]>', `address to receive events on (ZeroMQ PULL); "*" for every interface (default: $BLUEOX_HOST or ${formatEndpoint(d.collect)})`)
    .option('-t, --control <host[:port]>', `address of the control port (ZeroMQ REP) for oxctl and oxview; the stream port binds on the same host (default: $BLUEOX_CLIENT_HOST or ${formatEndpoint(d.control)})`)
    .option('-r, --forward <host[:port]>', 'forward every event, unchanged, to the collect port of another oxd')
    .option('-l, --log-path <dir>', 'write events to <dir>/YYYYMMDD/TYPE-YYYYMMDD.log (no files without it)')
    .option('--rotate-hours <n>', 'start a new file every N hours (1-12): TYPE-YYYYMMDDHH.log; 0 means daily', String(d.rotateHours))
    .option('--stream-range <port...>', 'two ports MIN MAX: the stream port is picked at random between them', d.streamRange.map(String))
    .option('--max-event-size <bytes>', 'drop (and count) events with a frame larger than this', String(d.maxEventSize))
    .option('--flush-interval <ms>', 'write batched events to disk at least this often', String(d.flushIntervalMs))
    .option('--idle-close <ms>', 'close a log file after this long without events', String(d.idleCloseMs))
    .option('--handshake-timeout <ms>', 'close collect connections that do not complete the ZMTP handshake in time', String(d.handshakeTimeoutMs))
    .option('--drain-timeout <ms>', 'on SIGTERM, keep reading connected senders for up to this long before exiting', String(d.drainTimeoutMs))
    .option('--forward-spool <bytes>', 'memory for events waiting to be forwarded; beyond it they are dropped and counted', String(d.forwardSpoolBytes))
    .option('--admin-socket <path>', 'local socket for oxctl shutdown/forward/reopen, usable by oxd\'s user and root only; "" for none', d.adminSocket ?? '')
    .addOption(new Option('-v, --verbose', 'log more: -v for info, -vv for debug').argParser(increase).default(0))
    .addHelpText('after', `
Signals:
  SIGTERM, SIGINT  drain connected senders, write everything received, exit 0
  SIGHUP           reopen every log file (use after moving files away)

Environment:
  BLUEOX_HOST         default for --collect
  BLUEOX_CLIENT_HOST  default for --control

Exit status: 0 after a clean stop, 1 when oxd cannot start, 2 for a usage error.`);
}

/** Parses argv (without node and script) into checked settings; throws UsageExit or ConfigError. */
export function parseOxdArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): OxdSettings {
  const cmd = program();
  parseCommandLine(cmd, argv);
  const flags = cmd.opts<RawFlags>();
  const s: OxdSettings = { ...DEFAULTS };
  if (env.BLUEOX_HOST) s.collect = parseSetting('collect', env.BLUEOX_HOST, 'environment BLUEOX_HOST');
  if (env.BLUEOX_CLIENT_HOST) s.control = parseSetting('control', env.BLUEOX_CLIENT_HOST, 'environment BLUEOX_CLIENT_HOST');
  if (flags.collect !== undefined) s.collect = parseSetting('collect', flags.collect, 'option --collect');
  if (flags.control !== undefined) s.control = parseSetting('control', flags.control, 'option --control');
  if (flags.forward !== undefined) s.forward = parseSetting('forward', flags.forward, 'option --forward');
  if (flags.logPath !== undefined) s.logPath = parseSetting('logPath', flags.logPath, 'option --log-path');
  s.rotateHours = parseSetting('rotateHours', flags.rotateHours, 'option --rotate-hours');
  s.streamRange = parseSetting('streamRange', flags.streamRange, 'option --stream-range');
  s.maxEventSize = parseSetting('maxEventSize', flags.maxEventSize, 'option --max-event-size');
  s.flushIntervalMs = parseSetting('flushIntervalMs', flags.flushInterval, 'option --flush-interval');
  s.idleCloseMs = parseSetting('idleCloseMs', flags.idleClose, 'option --idle-close');
  s.handshakeTimeoutMs = parseSetting('handshakeTimeoutMs', flags.handshakeTimeout, 'option --handshake-timeout');
  s.drainTimeoutMs = parseSetting('drainTimeoutMs', flags.drainTimeout, 'option --drain-timeout');
  s.forwardSpoolBytes = parseSetting('forwardSpoolBytes', flags.forwardSpool, 'option --forward-spool');
  s.adminSocket = parseSetting('adminSocket', flags.adminSocket, 'option --admin-socket');
  s.verbosity = Math.min(flags.verbose, 2);
  return s;
}

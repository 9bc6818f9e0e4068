/**
 * oxd's command line: the original's flags (`-c`, `-t`, `-r`, `-l`,
 * `--rotate-hours`, `--stream-range`, `-v`) plus the limits this oxd adds,
 * `--config` and `--check-config`. Settings are resolved defaults < config
 * file < environment < flags, each checked through the settings table, so a
 * bad value names where it came from, the key and what is allowed.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { increase, parseCommandLine } from '../config/command-line';
import { DEFAULT_CONFIG_FILE, readConfigFile, readEnvironment } from '../config/config-file';
import { DEFAULTS, OxdSettings, parseSetting } from '../config/oxd-settings';
import { formatEndpoint } from '../protocol/endpoint';
import { VERSION } from '../version';

export interface OxdInvocation {
  settings: OxdSettings;
  /** The configuration file that was read, or null when there was none. */
  configFile: string | null;
  /** --check-config: validate, print the result, exit. */
  checkConfig: boolean;
  /** The flags as given, to resolve the settings again on SIGHUP. */
  flags: Record<string, unknown>;
}

/** Flags that set a setting: option name (as commander stores it) -> setting and flag text. */
const SETTING_FLAGS: Array<[string, keyof OxdSettings, string]> = [
  ['collect', 'collect', '--collect'],
  ['control', 'control', '--control'],
  ['forward', 'forward', '--forward'],
  ['logPath', 'logPath', '--log-path'],
  ['rotateHours', 'rotateHours', '--rotate-hours'],
  ['streamRange', 'streamRange', '--stream-range'],
  ['maxEventSize', 'maxEventSize', '--max-event-size'],
  ['flushInterval', 'flushIntervalMs', '--flush-interval'],
  ['idleClose', 'idleCloseMs', '--idle-close'],
  ['handshakeTimeout', 'handshakeTimeoutMs', '--handshake-timeout'],
  ['drainTimeout', 'drainTimeoutMs', '--drain-timeout'],
  ['forwardSpool', 'forwardSpoolBytes', '--forward-spool'],
  ['adminSocket', 'adminSocket', '--admin-socket'],
];

function program(): Command {
  const d = DEFAULTS;
  return new Command('oxd')
    .description(
      'BlueOx collector daemon: receives events from applications and other oxd instances, ' +
        'writes them to dated log files, streams them live and forwards them upstream.',
    )
    .version(VERSION, '-V, --version')
    .option('--config <file>', `read settings from this TOML file (default $OXD_CONFIG or ${DEFAULT_CONFIG_FILE}, if it exists)`)
    .option('--check-config', 'check the configuration (file, environment, flags), print the settings as oxd.conf lines; exit 0, or 1 for a bad file or environment value (2 for a bad flag)')
    .option('-c, --collect <host[:port]>', `address to receive events on (ZeroMQ PULL); "*" for every interface (default: ${formatEndpoint(d.collect)})`)
    .option('-t, --control <host[:port]>', `address of the control port (ZeroMQ REP) for oxctl and oxview; the stream port binds on the same host (default: ${formatEndpoint(d.control)})`)
    .option('-r, --forward <host[:port]>', 'forward every event, unchanged, to the collect port of another oxd')
    .option('-l, --log-path <dir>', 'write events to <dir>/YYYYMMDD/TYPE-YYYYMMDD.log (no files without it)')
    .option('--rotate-hours <n>', `start a new file every N hours (1-12): TYPE-YYYYMMDDHH.log; 0 means daily (default: ${d.rotateHours})`)
    .option('--stream-range <port...>', `two ports MIN MAX: the stream port is picked at random between them (default: ${d.streamRange.join(' ')})`)
    .option('--max-event-size <bytes>', `drop (and count) events with a frame larger than this (default: ${d.maxEventSize})`)
    .option('--flush-interval <ms>', `write batched events to disk at least this often (default: ${d.flushIntervalMs})`)
    .option('--idle-close <ms>', `close a log file after this long without events (default: ${d.idleCloseMs})`)
    .option('--handshake-timeout <ms>', `close collect connections that do not complete the ZMTP handshake in time (default: ${d.handshakeTimeoutMs})`)
    .option('--drain-timeout <ms>', `on SIGTERM, keep reading connected senders for up to this long before exiting (default: ${d.drainTimeoutMs})`)
    .option('--forward-spool <bytes>', `memory for events waiting to be forwarded; beyond it they are dropped and counted (default: ${d.forwardSpoolBytes})`)
    .option('--admin-socket <path>', `local socket for oxctl shutdown/forward/reopen, usable by oxd's user and root only; "" for none (default: ${d.adminSocket})`)
    .addOption(new Option('-v, --verbose', 'log more: -v for info, -vv for debug').argParser(increase))
    .addHelpText(
      'after',
      `
Settings come from, in increasing precedence: built-in defaults, the configuration file
(see oxd.conf(5)), the environment (OXD_<KEY>, e.g. OXD_LOG_PATH; BLUEOX_HOST for --collect and
BLUEOX_CLIENT_HOST for --control, as in the original), and these flags.

Signals:
  SIGTERM, SIGINT  drain connected senders, write everything received, exit 0
  SIGHUP           reopen every log file, and reload the configuration file
  SIGUSR1          log one line of counters (it never opens Node's debugger)

Exit status: 0 after a clean stop (or a valid --check-config), 1 when oxd cannot start or the
configuration is invalid, 2 for a usage error.`,
    );
}

/**
 * Parses argv (without node and script); throws UsageExit for usage errors,
 * ConfigError/BlueOxError for unusable settings.
 */
export function parseOxdArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, defaultConfig = DEFAULT_CONFIG_FILE): OxdInvocation {
  const cmd = program();
  parseCommandLine(cmd, argv);
  const flags = cmd.opts<Record<string, unknown>>();
  return {
    ...resolveSettings(flags, env, defaultConfig),
    checkConfig: flags.checkConfig === true,
    flags,
  };
}

/** Defaults < file < environment < flags. Also used by SIGHUP to reload with the same flags. */
export function resolveSettings(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  defaultConfig = DEFAULT_CONFIG_FILE,
): { settings: OxdSettings; configFile: string | null } {
  const named = (flags.config as string | undefined) ?? env.OXD_CONFIG;
  const file = named ?? defaultConfig;
  const fromFile = readConfigFile(file, named !== undefined);
  const settings: OxdSettings = { ...DEFAULTS, ...fromFile, ...readEnvironment(env) };
  for (const [option, field, flag] of SETTING_FLAGS) {
    if (flags[option] !== undefined) (settings as unknown as Record<string, unknown>)[field] = parseSetting(field, flags[option], `option ${flag}`);
  }
  if (typeof flags.verbose === 'number') settings.verbosity = Math.min(flags.verbose, 2);
  const exists = named !== undefined || Object.keys(fromFile).length > 0 || fileExists(file);
  return { settings, configFile: exists ? file : null };
}

function fileExists(file: string): boolean {
  try {
    fs.accessSync(file);
    return true;
  } catch {
    return false;
  }
}

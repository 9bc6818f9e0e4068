/**
 * console → BlueOx: wraps `console.log`, `info`, `warn`, `error` and `debug`
 * so that each call, besides printing as before, becomes a `.log` child
 * event of the current BlueOx context (see ./record.ts for the event's
 * fields and rules). For applications that log with console, or for
 * libraries that do.
 *
 * BlueOx's own warnings are written to stderr directly, never through
 * console, so bridging cannot make BlueOx log about itself in a loop.
 */
import * as util from 'node:util';
import { state } from '../state';
import { emitLogRecord, errorStack, LogEventOptions, LogRecord, ResolvedLogOptions, resolveLogOptions } from './record';

/**
 * The console methods {@link bridgeConsole} wraps, and the level each one
 * sends.
 *
 * @example
 * ```ts
 * CONSOLE_LEVELS.warn;   // { level: 'WARNING', severity: 40 }
 * ```
 */
export const CONSOLE_LEVELS = Object.freeze({
  debug: Object.freeze({ level: 'DEBUG', severity: 20 }),
  log: Object.freeze({ level: 'INFO', severity: 30 }),
  info: Object.freeze({ level: 'INFO', severity: 30 }),
  warn: Object.freeze({ level: 'WARNING', severity: 40 }),
  error: Object.freeze({ level: 'ERROR', severity: 50 }),
});

/**
 * A console method that {@link bridgeConsole} wraps.
 *
 * @example
 * ```ts
 * const method: ConsoleMethod = 'warn';
 * ```
 */
export type ConsoleMethod = keyof typeof CONSOLE_LEVELS;

/**
 * Options of {@link bridgeConsole}.
 *
 * @example
 * ```ts
 * const options: BridgeConsoleOptions = { name: 'legacy', minLevel: 'warn' };
 * ```
 */
export interface BridgeConsoleOptions extends LogEventOptions {
  /** The logger name sent with each event; default `console`. */
  name?: string;
}

/** Marks the functions this module put on console (also across copies of the module). */
const BRIDGED = Symbol.for('blueox.console.bridged');

type ConsoleFn = (...args: unknown[]) => void;

interface Bridge {
  options: ResolvedLogOptions;
  name: string;
  /** What was on console before, for the methods this bridge wrapped. */
  originals: Map<ConsoleMethod, ConsoleFn>;
  /** The wrappers, to tell whether console still holds them. */
  wrappers: Map<ConsoleMethod, ConsoleFn>;
  active: boolean;
  unbridge: () => void;
}

let bridge: Bridge | null = null;
/** True while a bridged call's arguments are being formatted for its event. */
let formatting = false;

function wrap(b: Bridge, method: ConsoleMethod, original: ConsoleFn): ConsoleFn {
  const { level, severity } = CONSOLE_LEVELS[method];
  const wrapper = function (this: unknown, ...args: unknown[]): void {
    // A console call made by an argument's inspect hook or toString while we
    // format the arguments again: it already printed while console formatted them.
    if (formatting) return;
    original.apply(this, args);
    if (!b.active || state.recorder === null) return;
    emitLogRecord(b.options, () => {
      let msg: string;
      formatting = true;
      try {
        msg = util.format(...args);
      } finally {
        formatting = false;
      }
      const record: LogRecord = { name: b.name, level, severity, msg };
      const err = args.find((a) => a instanceof Error || util.types.isNativeError(a));
      if (err !== undefined) record.exception = errorStack(err);
      return record;
    });
  };
  Object.defineProperty(wrapper, BRIDGED, { value: true });
  return wrapper;
}

/**
 * Makes `console.log`/`info`/`debug` (INFO, INFO, DEBUG), `console.warn`
 * (WARNING) and `console.error` (ERROR) also send a `.log` child event of
 * the current context, named `console` (or `options.name`), with `msg` as
 * console prints it (`util.format(...args)`, without colours) and, when an
 * argument is an Error, `exception` (its stack). Output is unchanged.
 *
 * Returns `unbridge()`, which puts the original methods back (a method
 * that someone else wrapped after us is left in place, and our wrapper in
 * it stops sending). Bridging again while bridged does not wrap twice: it
 * takes the new options and returns the same `unbridge`. While BlueOx is
 * unconfigured a bridged call only prints. Invalid options throw
 * BlueOxError here.
 *
 * Re-entrancy: a console call made while a record is being turned into an
 * event is not sent again. In particular, formatting the arguments for the
 * event runs their inspect hooks a second time; console calls those hooks
 * make then are neither sent nor printed again (they already printed, and
 * were sent, when console formatted the arguments for printing).
 *
 * @example
 * ```ts
 * import * as blueox from 'blueox';
 * import { bridgeConsole } from 'blueox/console';
 *
 * blueox.defaultConfigure();
 * const unbridge = bridgeConsole({ minLevel: 'info' });
 * await blueox.context('request', async () => {
 *   console.warn('cache miss for %s', key);   // printed, and a `request.log` event
 * });
 * unbridge();
 * ```
 */
export function bridgeConsole(options: BridgeConsoleOptions = {}): () => void {
  const resolved = resolveLogOptions(options);
  const name = options.name ?? 'console';
  if (bridge !== null) {
    bridge.options = resolved;
    bridge.name = name;
    return bridge.unbridge;
  }
  const b: Bridge = {
    options: resolved,
    name,
    originals: new Map(),
    wrappers: new Map(),
    active: true,
    unbridge: () => {
      if (!b.active) return;
      b.active = false;
      const target = console as unknown as Record<ConsoleMethod, ConsoleFn>;
      for (const [method, wrapper] of b.wrappers) {
        if (target[method] === wrapper) target[method] = b.originals.get(method)!;
      }
      if (bridge === b) bridge = null;
    },
  };
  const target = console as unknown as Record<ConsoleMethod, ConsoleFn>;
  for (const method of Object.keys(CONSOLE_LEVELS) as ConsoleMethod[]) {
    const original = target[method];
    if (typeof original !== 'function' || (original as { [BRIDGED]?: boolean })[BRIDGED]) continue;
    const wrapper = wrap(b, method, original);
    b.originals.set(method, original);
    b.wrappers.set(method, wrapper);
    target[method] = wrapper;
  }
  bridge = b;
  return b.unbridge;
}

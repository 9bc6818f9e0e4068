/**
 * What the logger integrations (pino, winston, console) share: turning one
 * log record into a `.log` child event of the current context, as the
 * original Python BlueOx's `LogHandler` did. The event carries:
 *
 *   name       the logger's name
 *   level      an upper-case label; `warn` becomes `WARNING` (Python's
 *              levelname, so existing readers that look for "WARNING" keep
 *              working), other names are only upper-cased: TRACE, DEBUG,
 *              INFO, WARNING, ERROR, FATAL (and a winston level such as
 *              "http" becomes HTTP)
 *   msg        the formatted message
 *   exception  the error's stack, when the record carries an error
 *
 * The event is opened and closed at once. With no open context, `.log`
 * makes a top-level `log` event.
 *
 * Rules every integration gets from here: nothing happens (and the record
 * is not even looked at) while BlueOx is unconfigured; a record from a
 * logger whose name starts with `blueox` is skipped (the original's guard
 * against recursion); a record produced while another one is being turned
 * into an event (a getter, an inspect hook or a recorder that logs) is
 * skipped; and nothing here throws into the application: a failure becomes
 * one of BlueOx's own rate-limited warnings on stderr.
 */
import { BlueOxError, describeError } from '../../errors';
import { Context } from '../context';
import { placeContext } from '../naming';
import { state } from '../state';
import { warn } from '../warn';

/**
 * One log record, ready to become an event.
 *
 * @example
 * ```ts
 * const record: LogRecord = { name: 'app', level: 'WARNING', severity: 40, msg: 'disk almost full' };
 * ```
 */
export interface LogRecord {
  /** The logger's name. */
  name: string;
  /** Upper-case level label, see {@link levelLabel}. */
  level: string;
  /** Where the level stands on the {@link LEVEL_SEVERITY} scale (compared with `minLevel`; not sent). */
  severity: number;
  /** The formatted message. */
  msg: string;
  /** The error's stack, when the record carries an error. */
  exception?: string;
}

/**
 * Options every integration accepts.
 *
 * @example
 * ```ts
 * const options: LogEventOptions = { typeName: '.applog', minLevel: 'info' };
 * ```
 */
export interface LogEventOptions {
  /**
   * The event type: `.log` (default) makes a child of the current context
   * (`request` → `request.log`, or a top-level `log` with none open);
   * `.applog` another child name; an absolute name such as `app.log` goes
   * under an open context it extends, else starts its own tree. Invalid
   * names (`..x`, `^x`, empty parts) throw BlueOxError EBLUEOX_NAME when the
   * integration is set up.
   */
  typeName?: string;
  /**
   * Records below this level are not sent: a level name (`'info'`,
   * `'warn'`, `'WARNING'`, any name in {@link LEVEL_SEVERITY}) or a number
   * on that scale (pino's numbers). Default: everything is sent.
   */
  minLevel?: string | number;
}

/**
 * Options after checking, as {@link emitLogRecord} takes them.
 *
 * @example
 * ```ts
 * const resolved: ResolvedLogOptions = resolveLogOptions({ minLevel: 'warn' });
 * // { typeName: '.log', minSeverity: 40 }
 * ```
 */
export interface ResolvedLogOptions {
  readonly typeName: string;
  readonly minSeverity: number;
}

/**
 * The type name a log event gets by default: a child of the current context.
 *
 * @example
 * ```ts
 * blueox.context('request', () => logger.info('hi'));   // a `request.log` event ('.log' resolved)
 * ```
 */
export const DEFAULT_LOG_TYPE = '.log';

/**
 * Severity of the level names the integrations know, on pino's scale
 * (trace 10 … fatal 60), including winston's npm and syslog levels and
 * Python's names. Only used to compare with `minLevel`.
 *
 * @example
 * ```ts
 * LEVEL_SEVERITY.warn;      // 40
 * LEVEL_SEVERITY.verbose;   // 24: between debug and http, as in winston's npm levels
 * ```
 */
export const LEVEL_SEVERITY: Readonly<Record<string, number>> = Object.freeze({
  trace: 10,
  silly: 10,
  debug: 20,
  verbose: 24,
  http: 27,
  info: 30,
  notice: 35,
  warn: 40,
  warning: 40,
  error: 50,
  crit: 60,
  critical: 60,
  fatal: 60,
  alert: 65,
  emerg: 70,
});

/** The severity of a record whose level name is unknown. */
const UNKNOWN_SEVERITY = LEVEL_SEVERITY.info;

/**
 * The label sent as `level`: the name upper-cased, with `warn` spelled
 * `WARNING` like Python's levelname.
 *
 * @example
 * ```ts
 * levelLabel('warn');   // 'WARNING'
 * levelLabel('info');   // 'INFO'
 * levelLabel('http');   // 'HTTP'
 * ```
 */
export function levelLabel(name: string): string {
  const upper = String(name).toUpperCase();
  return upper === 'WARN' ? 'WARNING' : upper;
}

/**
 * Where a level name stands on the {@link LEVEL_SEVERITY} scale (any case),
 * `extra` first (e.g. pino's custom levels); unknown names count as info.
 *
 * @example
 * ```ts
 * levelSeverity('ERROR');                       // 50
 * levelSeverity('notice', { notice: 33 });      // 33
 * levelSeverity('whatever');                    // 30
 * ```
 */
export function levelSeverity(name: string, extra?: Readonly<Record<string, number>>): number {
  const fromExtra = extra !== undefined && Object.prototype.hasOwnProperty.call(extra, name) ? extra[name] : undefined;
  if (typeof fromExtra === 'number') return fromExtra;
  const lower = String(name).toLowerCase();
  return Object.prototype.hasOwnProperty.call(LEVEL_SEVERITY, lower) ? LEVEL_SEVERITY[lower] : UNKNOWN_SEVERITY;
}

/**
 * Checks an integration's options once, when it is set up, so that a
 * mistake shows up in development rather than as events that never come:
 * throws BlueOxError EBLUEOX_NAME for an invalid `typeName` and
 * EBLUEOX_OPTION for an unknown `minLevel`.
 *
 * @example
 * ```ts
 * resolveLogOptions({ typeName: '.applog', minLevel: 'warn' });   // { typeName: '.applog', minSeverity: 40 }
 * resolveLogOptions({ minLevel: 'loud' });                        // throws EBLUEOX_OPTION
 * ```
 */
export function resolveLogOptions(options: LogEventOptions = {}, extraLevels?: Readonly<Record<string, number>>): ResolvedLogOptions {
  const typeName = options.typeName ?? DEFAULT_LOG_TYPE;
  if (typeof typeName !== 'string') {
    throw new BlueOxError('EBLUEOX_NAME', `typeName must be a string such as ".log", got ${typeof typeName}`);
  }
  placeContext(typeName, []); // throws EBLUEOX_NAME for the names the original refused
  return { typeName, minSeverity: minSeverity(options.minLevel, extraLevels) };
}

function minSeverity(minLevel: string | number | undefined, extra?: Readonly<Record<string, number>>): number {
  if (minLevel === undefined) return -Infinity;
  if (typeof minLevel === 'number' && !Number.isNaN(minLevel)) return minLevel;
  if (typeof minLevel === 'string') {
    if (extra !== undefined && typeof extra[minLevel] === 'number') return extra[minLevel];
    const lower = minLevel.toLowerCase();
    if (Object.prototype.hasOwnProperty.call(LEVEL_SEVERITY, lower)) return LEVEL_SEVERITY[lower];
  }
  const known = [...Object.keys(extra ?? {}), ...Object.keys(LEVEL_SEVERITY)].join(', ');
  throw new BlueOxError('EBLUEOX_OPTION', `unknown minLevel ${JSON.stringify(minLevel)}: use a number or one of ${known}`);
}

/**
 * The text sent as `exception` for an error: its stack (which starts with
 * the name and message), or what can be said of a value that has none.
 * Never throws.
 *
 * @example
 * ```ts
 * errorStack(new Error('boom'));             // 'Error: boom\n    at …'
 * errorStack({ type: 'TypeError', message: 'x', stack: 'TypeError: x\n    at …' });  // the stack
 * errorStack(undefined);                     // undefined
 * ```
 */
export function errorStack(err: unknown): string | undefined {
  try {
    if (err === undefined || err === null) return undefined;
    if (typeof err === 'string') return err;
    if (typeof err !== 'object') return String(err);
    const e = err as { stack?: unknown; name?: unknown; type?: unknown; message?: unknown };
    if (typeof e.stack === 'string' && e.stack !== '') return e.stack;
    const kind = typeof e.name === 'string' ? e.name : typeof e.type === 'string' ? e.type : 'Error';
    if (typeof e.message === 'string') return `${kind}: ${e.message}`;
    return String(err);
  } catch {
    return '(the error could not be read)';
  }
}

/**
 * True for the names of loggers whose records are never sent (the
 * original's recursion guard: BlueOx's own loggers start with `blueox`).
 *
 * @example
 * ```ts
 * isBlueOxLogger('blueox.transport');   // true
 * isBlueOxLogger('app');                // false
 * ```
 */
export function isBlueOxLogger(name: string): boolean {
  return typeof name === 'string' && name.startsWith('blueox');
}

/**
 * The contexts open where a record was logged, noted for an integration
 * that hands the record over later; see {@link captureScope}.
 *
 * @example
 * ```ts
 * const scope: CapturedScope | null = captureScope();
 * ```
 */
export interface CapturedScope {
  /** The open contexts, outermost first. */
  readonly contexts: readonly Context[];
  /** Whether each was enabled (not sampled out) then: a closed context no longer says. */
  readonly enabled: readonly boolean[];
}

/**
 * Notes the contexts open for the code running now, for an integration
 * that hands a record over later (winston, when its pipeline is backed
 * up): pass the result to {@link emitLogRecord}. Null while BlueOx is
 * unconfigured.
 *
 * @example
 * ```ts
 * const scope = captureScope();            // in the caller's call
 * queueMicrotask(() => emitLogRecord(options, () => record, scope));
 * ```
 */
export function captureScope(): CapturedScope | null {
  if (state.recorder === null) return null;
  const contexts = state.scope.open();
  return { contexts, enabled: contexts.map((ctx) => ctx.enabled) };
}

/**
 * The log event for a record logged in `scope`. While those contexts are
 * open it is an ordinary child; once one has closed (the record arrived
 * late) it gets the name and id it would have had then, and is dropped if
 * its parent was sampled out.
 */
function logContext(typeName: string, scope: CapturedScope | null | undefined): Context | null {
  if (!scope) return new Context(typeName, undefined, state.scope.open());
  if (scope.contexts.every((ctx) => ctx.isOpen)) return new Context(typeName, undefined, scope.contexts);
  const placed = placeContext(typeName, scope.contexts);
  if (placed.parent === null) return new Context(placed.name, undefined, []);
  if (!scope.enabled[scope.contexts.indexOf(placed.parent)]) return null;
  return new Context(placed.name, { id: placed.parent.id }, []);
}

let building = false;

/**
 * Turns the record `build` returns into a log event, a child of the
 * current context, or of the context that was current where `scope` was
 * captured (with that context's name and id even if it has closed since).
 * `build` is called only when the event can be sent: BlueOx is configured
 * and no other record is being built. It returns null to send nothing. Returns whether an event was produced (false also when sampled
 * out). Never throws.
 *
 * @example
 * ```ts
 * const options = resolveLogOptions({ minLevel: 'info' });
 * emitLogRecord(options, () => ({ name: 'jobs', level: 'INFO', severity: 30, msg: 'started' }));
 * ```
 */
export function emitLogRecord(
  options: ResolvedLogOptions,
  build: () => LogRecord | null,
  scope?: CapturedScope | null,
): boolean {
  if (state.recorder === null || building) return false;
  building = true;
  try {
    const record = build();
    if (record === null || isBlueOxLogger(record.name) || !(record.severity >= options.minSeverity)) return false;
    const ctx = logContext(options.typeName, scope);
    if (ctx === null) return false;
    ctx.set('name', record.name);
    ctx.set('level', record.level);
    ctx.set('msg', record.msg);
    if (record.exception !== undefined) ctx.set('exception', record.exception);
    const sent = ctx.enabled;
    ctx.done();
    return sent;
  } catch (err) {
    let why: string;
    try {
      why = describeError(err);
    } catch {
      why = 'an unreadable error';
    }
    warn('log-record', `a log record could not be turned into an event: ${why}`);
    return false;
  } finally {
    building = false;
  }
}

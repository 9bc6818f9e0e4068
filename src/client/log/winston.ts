/**
 * winston → BlueOx: a transport that turns each record winston hands it
 * into a `.log` child event of the BlueOx context that logged it (see
 * ./record.ts for the event's fields and rules).
 *
 * winston is an optional peer dependency: this module needs it installed
 * (it is, in an application that uses winston) and loads it when imported,
 * for the base class of every winston 3 transport (`winston.Transport`, the
 * winston-transport package, found through winston so that strict package
 * layouts such as pnpm's work too). Nothing else of BlueOx loads winston.
 *
 * Which context: winston passes a record to its transports through a stream
 * pipeline. Usually that happens synchronously inside the logging call, but
 * when another transport is slow (a File transport under load) winston
 * buffers records and delivers them later, when the context that logged
 * them is no longer the current one, or has even closed. So, once added to
 * a logger, the transport also notes the caller's open contexts in
 * `logger.write` (in a WeakMap: the record object is not changed) and uses
 * them when the record arrives: a late record still gets the type name and
 * id of the context that logged it.
 */
import * as util from 'node:util';
import type TransportStream = require('winston-transport');
import { BlueOxError } from '../../errors';
import { state } from '../state';
import { CapturedScope, captureScope, emitLogRecord, errorStack, levelLabel, levelSeverity, LogEventOptions, LogRecord, resolveLogOptions, ResolvedLogOptions } from './record';

type TransportClass = typeof TransportStream;

/** winston's base class of transports, or a BlueOxError saying what to install. */
function transportBase(): TransportClass {
  try {
    return (require('winston') as { Transport: TransportClass }).Transport;
  } catch {
    try {
      return require('winston-transport') as TransportClass;
    } catch (err) {
      throw new BlueOxError('EBLUEOX_PEER', 'the BlueOx winston transport needs winston 3: npm install winston', { cause: err });
    }
  }
}

const TransportBase: TransportClass = transportBase();

/** winston's own keys for the level (uncolourised) and the interpolation arguments (triple-beam). */
const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');
/** Marks a logger whose write() notes the caller's contexts. */
const STAMPING = Symbol.for('blueox.winston.stamping');

/** Record object → the contexts open where it was logged. */
const scopes = new WeakMap<object, CapturedScope>();

/**
 * What winston passes to a transport: `level` and `message`, and whatever
 * else the call and the formats added.
 *
 * @example
 * ```ts
 * const info: WinstonInfo = { level: 'info', message: 'hello', label: 'api' };
 * ```
 */
export interface WinstonInfo {
  level: string;
  message?: unknown;
  [key: string | symbol]: unknown;
}

/**
 * Options of {@link BlueOxTransport}: winston's transport options (`level`,
 * `format`, `silent`, `handleExceptions`…) and BlueOx's.
 *
 * @example
 * ```ts
 * const options: BlueOxTransportOptions = { name: 'api', minLevel: 'warn', typeName: '.applog' };
 * ```
 */
export interface BlueOxTransportOptions extends TransportStream.TransportStreamOptions, LogEventOptions {
  /** The logger name sent when a record has no `label` (from `format.label()`); default `winston`. */
  name?: string;
}

const ANSI = /\u001b\[[0-9;]*m/g;

function isError(v: unknown): v is Error {
  return v instanceof Error || util.types.isNativeError(v);
}

function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  if (message === undefined || message === null) return '';
  if (typeof message === 'object' || typeof message === 'function') return util.inspect(message, { breakLength: Infinity });
  return String(message);
}

/** The error a record carries: `info.stack` (winston copies it there), the info itself, or an Error in its meta. */
function infoException(info: WinstonInfo): string | undefined {
  if (typeof info.stack === 'string' && info.stack !== '') return info.stack;
  if (isError(info)) return errorStack(info);
  for (const key of Object.keys(info)) {
    const value = info[key];
    if (isError(value)) return errorStack(value);
  }
  const splat = info[SPLAT];
  if (Array.isArray(splat)) for (const value of splat) if (isError(value)) return errorStack(value);
  return undefined;
}

/**
 * Reads a winston record as a log record: the level winston matched (not a
 * colourised one), `message` (add `format.splat()` to the logger for
 * `%s`-style interpolation), the name from `label`, else `fallbackName`,
 * and the stack of an error in the record.
 *
 * @example
 * ```ts
 * winstonInfoToRecord({ level: 'warn', message: 'slow', label: 'db' });
 * // { name: 'db', level: 'WARNING', severity: 40, msg: 'slow' }
 * ```
 */
export function winstonInfoToRecord(info: WinstonInfo, fallbackName = 'winston'): LogRecord {
  const rawLevel = typeof info[LEVEL] === 'string' ? (info[LEVEL] as string) : String(info.level ?? 'info').replace(ANSI, '');
  const record: LogRecord = {
    name: typeof info.label === 'string' ? info.label : fallbackName,
    level: levelLabel(rawLevel),
    severity: levelSeverity(rawLevel),
    msg: messageText(info.message),
  };
  const exception = infoException(info);
  if (exception !== undefined) record.exception = exception;
  return record;
}

/** Makes `logger.write` note the caller's open contexts for each record (once per logger). */
function stampScopes(logger: unknown): void {
  if (typeof logger !== 'object' || logger === null) return;
  const target = logger as { write?: unknown };
  const original = target.write;
  if (typeof original !== 'function' || (original as { [STAMPING]?: boolean })[STAMPING]) return;
  const write = function (this: unknown, info: unknown, ...rest: unknown[]): unknown {
    if (state.recorder !== null && typeof info === 'object' && info !== null) {
      const scope = captureScope();
      if (scope !== null) scopes.set(info, scope);
    }
    return original.call(this, info, ...rest);
  };
  Object.defineProperty(write, STAMPING, { value: true });
  try {
    target.write = write;
  } catch {
    // A frozen logger: records then use the context current when they arrive.
  }
}

/**
 * A winston transport that sends each record to BlueOx as a `.log` child
 * event of the context that logged it, with `name` (the record's `label`,
 * else the `name` option, else `winston`), `level` (the winston level
 * upper-cased, `warn` as WARNING), `msg` and, when the record carries an
 * error (`info.stack`, an Error logged as the message or in the meta),
 * `exception` (its stack). winston's `level` option filters as for any
 * transport; `minLevel` compares on BlueOx's scale (winston levels it does
 * not know count as info).
 *
 * While BlueOx is unconfigured a record costs a callback. Nothing here
 * throws into the application. Invalid options throw BlueOxError in the
 * constructor.
 *
 * @example
 * ```ts
 * import winston from 'winston';
 * import * as blueox from 'blueox';
 * import { BlueOxTransport } from 'blueox/winston';
 *
 * blueox.defaultConfigure();
 * const logger = winston.createLogger({
 *   format: winston.format.combine(winston.format.label({ label: 'api' }), winston.format.splat()),
 *   transports: [new winston.transports.Console(), new BlueOxTransport({ minLevel: 'info' })],
 * });
 * await blueox.context('request', async () => {
 *   logger.error('payment failed', new Error('card declined'));   // `request.log` with `exception`
 * });
 * ```
 */
export class BlueOxTransport extends TransportBase {
  private readonly blueox: ResolvedLogOptions;
  private readonly fallbackName: string;
  /** The contexts noted for the record being written now (kept across a transport `format`, which copies it). */
  private writingScope: CapturedScope | undefined = undefined;

  constructor(options: BlueOxTransportOptions = {}) {
    const { typeName, minLevel, name, ...transportOptions } = options;
    super(transportOptions);
    this.blueox = resolveLogOptions({ typeName, minLevel });
    this.fallbackName = name ?? 'winston';
    this.on('pipe', (logger: unknown) => stampScopes(logger));
  }

  /** @internal Notes the record's contexts before winston-transport formats (copies) it and calls log(). */
  override _write(info: unknown, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writingScope = typeof info === 'object' && info !== null ? scopes.get(info) : undefined;
    try {
      super._write(info, encoding, callback);
    } finally {
      this.writingScope = undefined;
    }
  }

  /**
   * Called by winston with each record: sends it, emits `logged` (on the
   * next turn, when someone listens) and calls `callback`.
   */
  override log(info: WinstonInfo, callback: () => void): void {
    if (state.recorder !== null) {
      const scope = scopes.get(info) ?? this.writingScope ?? null;
      emitLogRecord(this.blueox, () => winstonInfoToRecord(info, this.fallbackName), scope);
    }
    if (this.listenerCount('logged') > 0) setImmediate(() => this.emit('logged', info));
    callback();
  }
}

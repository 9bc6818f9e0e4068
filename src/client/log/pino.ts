/**
 * pino → BlueOx: a destination stream that turns each line pino writes into
 * a `.log` child event of the current BlueOx context (see ./record.ts for
 * the event's fields and rules).
 *
 * pino calls its destination's `write()` synchronously, inside the logging
 * call, so the code that logs and the destination share one async context:
 * the record lands under the request (or other context) that logged it.
 * That is also why this is a destination and not a pino transport: a
 * transport (`pino.transport()`, `transport:` option) runs in a worker
 * thread, where BlueOx's context (AsyncLocalStorage of the main thread)
 * does not exist, so every record would become a top-level `log` event
 * with no request id.
 *
 * Nothing of pino is loaded here at run time: only types are used.
 */
import type { DestinationStream } from 'pino';
import { state } from '../state';
import { warn } from '../warn';
import { emitLogRecord, errorStack, levelLabel, levelSeverity, LogEventOptions, LogRecord, resolveLogOptions, ResolvedLogOptions } from './record';

/**
 * pino's default levels (`pino.levels.values`), by name.
 *
 * @example
 * ```ts
 * PINO_LEVELS.warn;   // 40
 * ```
 */
export const PINO_LEVELS: Readonly<Record<string, number>> = Object.freeze({
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
});

/**
 * Options of {@link blueoxDestination}.
 *
 * @example
 * ```ts
 * const options: BlueOxDestinationOptions = { minLevel: 'info', levels: { audit: 35 } };
 * ```
 */
export interface BlueOxDestinationOptions extends LogEventOptions {
  /** The logger name sent when a line has no `name` (pino's `name` option); default `pino`. */
  name?: string;
  /** pino's `messageKey`, when the logger uses another one; default `msg`. */
  messageKey?: string;
  /** pino's `errorKey`, when the logger uses another one; default `err`. */
  errorKey?: string;
  /** The logger's `customLevels` (name → number), so their numbers get their names. */
  levels?: Readonly<Record<string, number>>;
}

/** What the destination needs to read a line, resolved once. */
interface LineFormat {
  name: string;
  messageKey: string;
  errorKey: string;
  /** name → number: pino's defaults and the custom levels. */
  values: Readonly<Record<string, number>>;
  /** number → name. */
  labels: ReadonlyMap<number, string>;
}

function lineFormat(options: BlueOxDestinationOptions): LineFormat {
  const values: Record<string, number> = { ...PINO_LEVELS, ...(options.levels ?? {}) };
  const labels = new Map<number, string>();
  for (const [label, value] of Object.entries(values)) labels.set(value, label);
  return {
    name: options.name ?? 'pino',
    messageKey: options.messageKey ?? 'msg',
    errorKey: options.errorKey ?? 'err',
    values,
    labels,
  };
}

/**
 * Reads one line pino wrote (JSON) as a log record; null when it is not a
 * JSON object. Numbers in `level` get their names from pino's default levels
 * and `options.levels`; a level that `formatters.level` already wrote as a
 * name is used as it is. Never throws.
 *
 * @example
 * ```ts
 * pinoLineToRecord('{"level":40,"name":"app","msg":"slow"}');
 * // { name: 'app', level: 'WARNING', severity: 40, msg: 'slow' }
 * ```
 */
export function pinoLineToRecord(line: string, options: BlueOxDestinationOptions = {}): LogRecord | null {
  return readLine(line, lineFormat(options));
}

function readLine(line: string, format: LineFormat): LogRecord | null {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return null;
  const fields = obj as Record<string, unknown>;

  let level: string;
  let severity: number;
  const raw = fields.level;
  if (typeof raw === 'number') {
    severity = raw;
    const known = format.labels.get(raw);
    level = known !== undefined ? levelLabel(known) : `LEVEL${raw}`;
  } else if (typeof raw === 'string') {
    severity = levelSeverity(raw, format.values);
    level = levelLabel(raw);
  } else {
    severity = PINO_LEVELS.info;
    level = 'INFO';
  }

  const name = typeof fields.name === 'string' ? fields.name : format.name;
  const message = fields[format.messageKey];
  const msg = typeof message === 'string' ? message : message === undefined || message === null ? '' : JSON.stringify(message);
  const record: LogRecord = { name, level, severity, msg };
  const exception = errorStack(fields[format.errorKey]);
  if (exception !== undefined) record.exception = exception;
  return record;
}

/**
 * The stream {@link blueoxDestination} returns: pino calls `write` with
 * each serialised line.
 *
 * @example
 * ```ts
 * const dest: BlueOxDestination = blueoxDestination();
 * dest.write('{"level":30,"msg":"written by hand"}\n');
 * ```
 */
export interface BlueOxDestination extends DestinationStream {
  write(line: string | Uint8Array): boolean;
}

/**
 * A pino destination that sends each record to BlueOx as a `.log` child
 * event of the context that logged it, with `name` (the logger's `name`),
 * `level` (TRACE, DEBUG, INFO, WARNING, ERROR, FATAL), `msg` and, for a
 * record with an `err`, `exception` (its stack). Pass it as pino's
 * destination, or as one stream of `pino.multistream()` to keep printing.
 * Do not wrap it in `pino.transport()`: a worker thread cannot see the
 * caller's BlueOx context.
 *
 * While BlueOx is unconfigured, `write` returns at once. Lines that are not
 * JSON objects (a prettifier's output) are skipped with a warning on
 * stderr; nothing here throws into the application. Invalid options throw
 * BlueOxError here, when the destination is made.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * import * as blueox from 'blueox';
 * import { blueoxDestination } from 'blueox/pino';
 *
 * blueox.defaultConfigure();
 * const logger = pino({ name: 'shop' }, pino.multistream([
 *   { stream: process.stdout },
 *   { level: 'info', stream: blueoxDestination({ minLevel: 'info' }) },
 * ]));
 * await blueox.context('request', async () => {
 *   logger.warn('stock is low');      // a `request.log` event with the request's id
 * });
 * ```
 */
export function blueoxDestination(options: BlueOxDestinationOptions = {}): BlueOxDestination {
  const format = lineFormat(options);
  const resolved: ResolvedLogOptions = resolveLogOptions(options, format.values);
  return {
    write(chunk: string | Uint8Array): boolean {
      if (state.recorder === null) return true;
      try {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        let from = 0;
        while (from < text.length) {
          let to = text.indexOf('\n', from);
          if (to < 0) to = text.length;
          const line = text.slice(from, to);
          from = to + 1;
          if (line.trim() === '') continue;
          emitLogRecord(resolved, () => {
            const record = readLine(line, format);
            if (record === null) warn('pino-line', `a line given to the BlueOx pino destination is not pino's JSON, skipped: ${line.slice(0, 80)}`);
            return record;
          });
        }
      } catch (err) {
        warn('pino-line', `the BlueOx pino destination could not read what pino wrote: ${String(err)}`);
      }
      return true;
    },
  };
}

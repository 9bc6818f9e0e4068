/**
 * BlueOx for a plain node:http (or https) request handler: a wrapper that
 * runs the handler inside a per-request `request` context and records what
 * it throws, or the promise it returns rejecting, as `exception`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordException, runInRequestContext } from './request-fields';
import { RequestFieldsOptions, resolveSettings } from './request-options';

/**
 * What the wrapper does with an error from the handler, after recording it.
 *
 * @example
 * ```ts
 * const onError: HttpErrorHandler = (err, req, res) => {
 *   logger.error(err);
 *   if (!res.headersSent) res.writeHead(500).end('sorry');
 * };
 * ```
 */
export type HttpErrorHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse> = (
  err: unknown,
  req: Req,
  res: Res,
) => void;

/**
 * Options of {@link wrapHttpHandler}; `getUser` receives the IncomingMessage.
 *
 * @example
 * ```ts
 * const options: BlueOxHttpOptions = { appName: 'api', onError: (err, req, res) => res.destroy() };
 * ```
 */
export interface BlueOxHttpOptions<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>
  extends RequestFieldsOptions<Req> {
  /**
   * Called with an error the handler threw or rejected with (whether or not
   * blueox is configured). Default {@link respondWithError}: the stack to
   * stderr, then a 500 if nothing was sent yet, else the response is destroyed.
   */
  onError?: HttpErrorHandler<Req, Res>;
}

/**
 * The default error handling of {@link wrapHttpHandler}: writes the stack
 * to stderr and answers 500 "Internal Server Error" when no header was sent
 * yet; otherwise destroys the response, so the client sees it cut short.
 *
 * @example
 * ```ts
 * const handler = wrapHttpHandler(app, {
 *   onError: (err, req, res) => { metrics.errors++; respondWithError(err, req, res); },
 * });
 * ```
 */
export function respondWithError(err: unknown, _req: IncomingMessage, res: ServerResponse): void {
  process.stderr.write(`${err instanceof Error ? err.stack ?? String(err) : String(err)}\n`);
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = 'Internal Server Error\n';
  res.statusCode = 500;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Wraps a node:http request handler (sync or async) so that each request
 * runs in a context named `request` (or `<appName>.request`), sent when
 * the response finishes or the connection closes. An error the handler
 * throws, or a rejection of the promise it returns, is recorded as
 * `exception` and then handed to `onError` (default
 * {@link respondWithError}) instead of crashing the process.
 *
 * @example
 * ```ts
 * import * as http from 'node:http';
 * import * as blueox from 'blueox';
 * import { wrapHttpHandler } from 'blueox/http';
 *
 * blueox.defaultConfigure();
 * const server = http.createServer(
 *   wrapHttpHandler(async (req, res) => {
 *     const rows = await blueox.context('.db', () => db.query('select 1'));   // "request.db"
 *     res.setHeader('Content-Type', 'application/json');
 *     res.end(JSON.stringify(rows));
 *   }, { appName: 'api' }),
 * );
 * server.listen(8080);
 * ```
 */
export function wrapHttpHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  handler: (req: Req, res: Res) => unknown,
  options: BlueOxHttpOptions<Req, Res> = {},
): (req: Req, res: Res) => void {
  const settings = resolveSettings<Req>(options, (req) => req);
  const onError: HttpErrorHandler<Req, Res> = options.onError ?? respondWithError;
  const fail = (err: unknown, req: Req, res: Res): void => {
    recordException(req, err);
    try {
      onError(err, req, res);
    } catch (again) {
      process.stderr.write(`blueox: the onError handler threw: ${again instanceof Error ? again.stack : String(again)}\n`);
      if (!res.destroyed) res.destroy();
    }
  };
  return function blueoxHttpHandler(this: unknown, req: Req, res: Res): void {
    runInRequestContext(req, res, req, settings, () => {
      let result: unknown;
      try {
        result = handler.call(this, req, res);
      } catch (err) {
        fail(err, req, res);
        return;
      }
      if (isPromiseLike(result)) result.then(undefined, (err: unknown) => fail(err, req, res));
    });
  };
}

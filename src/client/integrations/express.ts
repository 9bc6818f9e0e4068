/**
 * BlueOx for Express (4 and 5) and Connect: a middleware that gives every
 * request its own `request` context, and an error-handling middleware that
 * records uncaught errors as `exception`. Only Express's types are imported;
 * an application that does not use Express does not need it installed.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { recordException, runInRequestContext } from './request-fields';
import { RequestFieldsOptions, resolveSettings } from './request-options';

/**
 * Options of {@link blueoxExpress}; `getUser` receives the Express request.
 *
 * @example
 * ```ts
 * const options: BlueOxExpressOptions = { appName: 'shop', getUser: (req) => req.session?.userId };
 * ```
 */
export type BlueOxExpressOptions = RequestFieldsOptions<Request>;

/**
 * The middleware: add it first, before the routes and body parsers. Each
 * request runs in a context named `request` (or `<appName>.request`) that
 * is sent when the response finishes or the connection closes. Also works
 * with Connect and with any `(req, res, next)` stack over node:http.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import * as blueox from 'blueox';
 * import { blueoxExpress, blueoxExpressErrors } from 'blueox/express';
 *
 * blueox.defaultConfigure();
 * const app = express();
 * app.use(blueoxExpress({ appName: 'shop', version: '2.4.1' }));
 * app.get('/items/:id', async (req, res) => {
 *   blueox.set('item', req.params.id);
 *   const item = await blueox.context('.db', () => db.get(req.params.id));   // "shop.request.db"
 *   res.json(item);
 * });
 * app.use(blueoxExpressErrors());   // after the routes
 * ```
 */
export function blueoxExpress(options: BlueOxExpressOptions = {}): RequestHandler {
  const settings = resolveSettings<Request>(options, (req) => req);
  return function blueoxMiddleware(req: Request, res: Response, next: NextFunction): void {
    runInRequestContext(req, res, req, settings, next);
  };
}

/**
 * The error-handling middleware: add it after the routes (and before the
 * application's own error handlers). It records the error's stack as the
 * request's `exception` and passes the error on unchanged, so Express (or
 * the next error handler) still answers as before, usually with a 500.
 *
 * @example
 * ```ts
 * app.get('/boom', () => { throw new Error('boom'); });
 * app.use(blueoxExpressErrors());
 * app.use((err, req, res, next) => res.status(500).json({ error: 'internal' }));
 * ```
 */
export function blueoxExpressErrors(): ErrorRequestHandler {
  return function blueoxErrors(err: unknown, req: Request, _res: Response, next: NextFunction): void {
    recordException(req, err);
    next(err);
  };
}

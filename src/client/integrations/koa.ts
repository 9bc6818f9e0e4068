/**
 * BlueOx for Koa (2 and 3): a middleware that gives every request its own
 * `request` context and records errors thrown downstream as `exception`.
 * Only Koa's types are imported.
 */
import type { Context as KoaContext, Middleware, Next } from 'koa';
import { isConfigured } from '../api';
import { recordException, runInRequestContext } from './request-fields';
import { RequestFieldsOptions, resolveSettings } from './request-options';

/**
 * Options of {@link blueoxKoa}; `getUser` receives the Koa context. By
 * default `user` is `ctx.state.user.id` (where koa-passport puts the user),
 * and `version` / `revision` come from `ctx.state` too.
 *
 * @example
 * ```ts
 * const options: BlueOxKoaOptions = { appName: 'shop', getUser: (ctx) => ctx.session?.userId };
 * ```
 */
export type BlueOxKoaOptions = RequestFieldsOptions<KoaContext>;

/**
 * The middleware: `app.use()` it first. Downstream middleware runs inside
 * a context named `request` (or `<appName>.request`), sent when the
 * response finishes or the connection closes. An error thrown downstream is
 * recorded as `exception` and re-thrown unchanged, so Koa still answers it
 * (usually 500) and emits its 'error' event.
 *
 * @example
 * ```ts
 * import Koa from 'koa';
 * import * as blueox from 'blueox';
 * import { blueoxKoa } from 'blueox/koa';
 *
 * blueox.defaultConfigure();
 * const app = new Koa();
 * app.use(blueoxKoa({ appName: 'shop' }));
 * app.use(async (ctx) => {
 *   ctx.body = await blueox.context('.db', () => db.get(ctx.path));   // "shop.request.db"
 * });
 * ```
 */
export function blueoxKoa(options: BlueOxKoaOptions = {}): Middleware {
  const settings = resolveSettings<KoaContext>(options, (ctx) => ctx.state);
  return function blueoxMiddleware(ctx: KoaContext, next: Next): Promise<unknown> {
    if (!isConfigured()) return next();
    return runInRequestContext(ctx.req, ctx.res, ctx, settings, () => {
      let downstream: Promise<unknown>;
      try {
        downstream = Promise.resolve(next());
      } catch (err) {
        recordException(ctx.req, err);
        return Promise.reject(err);
      }
      return downstream.then(undefined, (err: unknown) => {
        recordException(ctx.req, err);
        throw err;
      });
    });
  };
}

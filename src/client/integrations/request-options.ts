/**
 * The options every HTTP integration takes, and the settings they resolve
 * to: the context name, which headers to record, and where the user,
 * version and revision come from.
 */
import type { ContextOptions, Sample } from '../context';

/**
 * The request headers recorded unless the `headers` option says otherwise
 * (lower-case names). Cookie and Authorization are left out on purpose.
 *
 * @example
 * ```ts
 * app.use(blueoxExpress({ headers: [...DEFAULT_HEADERS, 'x-tenant'] }));
 * ```
 */
export const DEFAULT_HEADERS: readonly string[] = Object.freeze([
  'user-agent',
  'referer',
  'content-type',
  'content-length',
  'host',
  'x-forwarded-for',
  'x-request-id',
  'accept',
]);

/**
 * Options every integration accepts. `R` is what the framework hands to
 * `getUser` (Express: the request; Fastify: the FastifyRequest; Koa: the
 * context; node:http: the IncomingMessage).
 *
 * @example
 * ```ts
 * const options: RequestFieldsOptions<express.Request> = {
 *   appName: 'shop',                       // events of type "shop.request"
 *   headers: ['user-agent', 'x-request-id'],
 *   getUser: (req) => req.session?.userId,
 *   version: '2.4.1',
 *   revision: process.env.GIT_SHA,
 * };
 * ```
 */
export interface RequestFieldsOptions<R> {
  /** The context (event type) name; default `request`. */
  name?: string;
  /** Prefix for the name, as the original's BLUEOX_NAME: `<appName>.request`. */
  appName?: string;
  /**
   * Request headers to record, case-insensitive (default {@link DEFAULT_HEADERS}).
   * Cookie and Authorization are recorded only when listed here.
   */
  headers?: readonly string[];
  /** The `user` field; default: `user.id` of the request (or Koa's `ctx.state`) when present. */
  getUser?: (req: R) => unknown;
  /** The `version` field; default: the request's `version` property when present. */
  version?: string | number;
  /** The `revision` field; default: the request's `revision` property when present. */
  revision?: string | number;
  /**
   * Take `client_ip` from the first X-Forwarded-For entry and the URL's
   * scheme and host from X-Forwarded-Proto / X-Forwarded-Host (only behind a
   * proxy that sets them). Default false: the socket's address and the Host header.
   */
  trustProxy?: boolean;
  /** Sample the request events; see {@link Sample}. */
  sample?: Sample;
}

/**
 * Options resolved once, when the middleware is created.
 *
 * @example
 * ```ts
 * const settings = resolveSettings<IncomingMessage>({ appName: 'shop' }, (req) => req);
 * settings.name;   // "shop.request"
 * ```
 */
export interface RequestSettings<R> {
  readonly name: string;
  readonly headers: readonly string[];
  readonly getUser: (req: R) => unknown;
  /** Where `user`, `version` and `revision` are looked up by default. */
  readonly holder: (req: R) => unknown;
  readonly version: string | number | undefined;
  readonly revision: string | number | undefined;
  readonly trustProxy: boolean;
  readonly contextOptions: ContextOptions | undefined;
}

/** A property of whatever a framework keeps per request; undefined for anything else. */
export function prop(holder: unknown, key: string): unknown {
  return typeof holder === 'object' && holder !== null ? (holder as Record<string, unknown>)[key] : undefined;
}

/**
 * Checks and completes the options; `holder` says where a request keeps
 * `user`, `version` and `revision` (the request itself for most frameworks).
 *
 * @example
 * ```ts
 * const settings = resolveSettings<Koa.Context>(options, (ctx) => ctx.state);
 * ```
 */
export function resolveSettings<R>(options: RequestFieldsOptions<R> = {}, holder: (req: R) => unknown): RequestSettings<R> {
  const base = options.name ?? 'request';
  const name = options.appName ? `${options.appName}.${base}` : base;
  return {
    name,
    headers: (options.headers ?? DEFAULT_HEADERS).map((h) => String(h).toLowerCase()),
    getUser: options.getUser ?? ((req: R) => prop(prop(holder(req), 'user'), 'id')),
    holder,
    version: options.version,
    revision: options.revision,
    trustProxy: options.trustProxy === true,
    contextOptions: options.sample ? { sample: options.sample } : undefined,
  };
}

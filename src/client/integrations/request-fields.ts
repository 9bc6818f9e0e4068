/**
 * What every HTTP server integration shares: one context per request,
 * named `request` (or `<appName>.request`), holding the fields the original
 * Flask and Django middleware recorded (`method`, `path`, `url`,
 * `client_ip`, `headers`, `response_status_code`, `response_size`, `user`,
 * `version`, `revision`, `exception`) plus `query` and `duration`.
 *
 * The framework's handlers run inside the context, so `blueox.set()` in a
 * handler writes to it and `blueox.context('.db', …)` nests under it. The
 * event is sent once, when the response finishes or the connection closes,
 * whichever comes first.
 *
 * Nothing here throws into the application: a failure of the integration
 * itself only costs the event. While blueox is unconfigured the handlers run
 * directly, with no context, no listeners and no patched methods.
 *
 * This module imports no framework, only node's own types.
 */
import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { context } from '../api';
import type { Context } from '../context';
import { isConfigured } from '../api';
import { warn } from '../warn';
import { prop, RequestSettings } from './request-options';


/** The first value of a header (Node joins most repeats, not all). */
function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Query string to a map; a repeated name gives a list. Never touches Object.prototype. */
function parseQuery(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (search === '') return out;
  for (const [k, v] of new URLSearchParams(search)) {
    const seen = out[k];
    if (seen === undefined) out[k] = v;
    else if (Array.isArray(seen)) seen.push(v);
    else out[k] = [seen, v];
  }
  return out;
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') {
    return Buffer.byteLength(chunk, typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8');
  }
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

function stackOf(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  try {
    return `Uncaught value: ${typeof err === 'string' ? err : JSON.stringify(err) ?? String(err)}`;
  } catch {
    return `Uncaught value: ${Object.prototype.toString.call(err)}`;
  }
}

const records = new WeakMap<IncomingMessage, RequestRecord>();

/** One request's context and what is needed to complete it when the response ends. */
class RequestRecord<R = unknown> {
  private finished = false;
  private written = 0;
  private readonly began = performance.now();
  /** Carries the request's scope across code that loses it (body parsers reading stream events). */
  scope: AsyncResource | null = null;

  constructor(
    readonly ctx: Context,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly source: R,
    private readonly settings: RequestSettings<R>,
    private readonly settle: () => void,
  ) {
    if (ctx.enabled) this.recordRequest();
    const onFinish = (): void => this.complete(false);
    const onClose = (): void => this.complete(!res.writableFinished);
    res.once('finish', onFinish);
    res.once('close', onClose);
    this.countBytes();
  }

  get open(): boolean {
    return !this.finished;
  }

  private recordRequest(): void {
    const { req, ctx, settings } = this;
    const raw = (req as { originalUrl?: unknown }).originalUrl;
    const target = typeof raw === 'string' ? raw : req.url ?? '/';
    let url: string;
    let path: string;
    let search: string;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
      // absolute-form request target (a proxy request)
      url = target;
      try {
        const u = new URL(target);
        path = u.pathname;
        search = u.search.slice(1);
      } catch {
        path = target;
        search = '';
      }
    } else {
      const scheme =
        (settings.trustProxy && header(req, 'x-forwarded-proto')?.split(',')[0].trim()) ||
        ((req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http');
      const host =
        (settings.trustProxy && header(req, 'x-forwarded-host')?.split(',')[0].trim()) ||
        header(req, 'host') ||
        `${req.socket?.localAddress ?? 'localhost'}:${req.socket?.localPort ?? ''}`;
      url = `${scheme}://${host}${target}`;
      const q = target.indexOf('?');
      path = q < 0 ? target : target.slice(0, q);
      search = q < 0 ? '' : target.slice(q + 1);
    }
    let clientIp: string | undefined = req.socket?.remoteAddress;
    if (settings.trustProxy) clientIp = header(req, 'x-forwarded-for')?.split(',')[0].trim() || clientIp;

    const headers: Record<string, string | string[]> = {};
    for (const name of settings.headers) {
      const v = req.headers[name];
      if (v !== undefined) headers[name] = v;
    }
    ctx.set('method', req.method);
    ctx.set('path', path);
    ctx.set('url', url);
    ctx.set('query', parseQuery(search));
    ctx.set('client_ip', clientIp);
    ctx.set('headers', headers);
  }

  /** Counts body bytes as they are handed to the response, for responses without Content-Length. */
  private countBytes(): void {
    const res = this.res;
    const write = res.write;
    const end = res.end;
    const record = this;
    res.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown) {
      if (!record.finished) record.written += chunkBytes(chunk, encoding);
      return write.apply(this, arguments as unknown as Parameters<typeof write>);
    } as typeof res.write;
    res.end = function (this: ServerResponse, chunk?: unknown, encoding?: unknown) {
      if (!record.finished && typeof chunk !== 'function') record.written += chunkBytes(chunk, encoding);
      return end.apply(this, arguments as unknown as Parameters<typeof end>);
    } as typeof res.end;
  }

  exception(err: unknown): void {
    if (this.finished) return;
    try {
      this.ctx.set('exception', stackOf(err));
    } catch {
      // never into the application
    }
  }

  private complete(aborted: boolean): void {
    if (this.finished) return;
    this.finished = true;
    try {
      if (this.ctx.enabled) this.recordResponse(aborted);
    } catch (err) {
      warn('http-response-fields', `could not record the response fields: ${stackOf(err)}`);
    }
    this.scope = null;
    this.settle();
  }

  private recordResponse(aborted: boolean): void {
    const { ctx, res, settings, source } = this;
    if (aborted) ctx.set('aborted', true);
    if (res.headersSent) {
      ctx.set('response_status_code', res.statusCode);
      const length = Number(res.getHeader('content-length'));
      ctx.set('response_size', Number.isFinite(length) && length >= 0 && !aborted ? length : this.written);
    }
    ctx.set('duration', (performance.now() - this.began) / 1000);
    const user = settings.getUser(source);
    if (user !== undefined && user !== null) ctx.set('user', user);
    const holder = settings.holder(source);
    const version = settings.version ?? prop(holder, 'version');
    if (version !== undefined && version !== null) ctx.set('version', version);
    const revision = settings.revision ?? prop(holder, 'revision');
    if (revision !== undefined && revision !== null) ctx.set('revision', revision);
  }
}

/**
 * Runs `fn` (the rest of the request's processing) inside a new request
 * context, records the request fields now and the response fields when
 * `res` finishes or closes, then sends the event. Returns what `fn`
 * returns and throws what it throws; unconfigured, or when `req` already
 * has its context (a mounted sub-application with its own middleware), it
 * is just `fn()`.
 *
 * @example
 * ```ts
 * server.on('request', (req, res) =>
 *   runInRequestContext(req, res, req, settings, () => handle(req, res)),
 * );
 * ```
 */
export function runInRequestContext<R, T>(
  req: IncomingMessage,
  res: ServerResponse,
  source: R,
  settings: RequestSettings<R>,
  fn: () => T,
): T {
  if (!isConfigured()) return fn();
  // Already tracked (two integrations, or a mounted sub-application with its own): one event.
  if (records.get(req)?.open) return fn();
  let ran = false;
  let threw = false;
  let error: unknown;
  let result: T | undefined;
  try {
    const sent = context(
      settings.name,
      (ctx) =>
        new Promise<void>((resolve) => {
          try {
            const record = new RequestRecord(ctx, req, res, source, settings, resolve);
            records.set(req, record as RequestRecord);
          } catch (err) {
            warn('http-request-fields', `could not track the request: ${stackOf(err)}`);
            resolve();
          }
          ran = true;
          try {
            result = fn();
          } catch (err) {
            threw = true;
            error = err;
          }
        }),
      settings.contextOptions,
    );
    sent.then(undefined, () => undefined);
  } catch (err) {
    // Only blueox itself can fail here (e.g. an invalid `name` option): serve the request anyway.
    if (!ran) {
      warn('http-context', `could not open the request context: ${stackOf(err)}`);
      return fn();
    }
  }
  if (threw) throw error;
  return result as T;
}

/**
 * Records `err` (its stack) as the `exception` field of the request's
 * event. Does nothing when the request has no open context.
 *
 * @example
 * ```ts
 * app.use((err, req, res, next) => { recordException(req, err); next(err); });
 * ```
 */
export function recordException(req: IncomingMessage, err: unknown): void {
  records.get(req)?.exception(err);
}

/**
 * The request's context, while it is open (for code that runs outside the
 * request's async scope, e.g. in an event listener), else null.
 *
 * @example
 * ```ts
 * socket.on('message', () => requestContext(req)?.add('messages', 1));
 * ```
 */
export function requestContext(req: IncomingMessage): Context | null {
  const record = records.get(req);
  return record !== undefined && record.open && record.ctx.isOpen ? record.ctx : null;
}

/**
 * Remembers the current async scope for `req`; call it from inside the
 * request's context (before a body parser that reads stream events and so
 * loses the scope). See {@link runInRequestScope}.
 *
 * @example
 * ```ts
 * runInRequestContext(req, res, req, settings, () => { captureRequestScope(req); next(); });
 * ```
 */
export function captureRequestScope(req: IncomingMessage): void {
  const record = records.get(req);
  if (record !== undefined && record.open) record.scope = new AsyncResource('blueox.request');
}

/**
 * Runs `fn` in the scope remembered by {@link captureRequestScope}, so the
 * request's context is current again; otherwise just calls `fn`.
 *
 * @example
 * ```ts
 * fastify.addHook('preHandler', (request, reply, done) => runInRequestScope(request.raw, done));
 * ```
 */
export function runInRequestScope<T>(req: IncomingMessage, fn: () => T): T {
  const scope = records.get(req)?.scope;
  return scope ? scope.runInAsyncScope(fn) : fn();
}

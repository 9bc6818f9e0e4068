/**
 * BlueOx for Node.js applications: structured events (per-request data,
 * timers, counters, errors, log records) sent to a BlueOx collector (`oxd`)
 * over its collect port, wire-compatible with the original Python BlueOx.
 *
 * ```ts
 * import * as blueox from 'blueox';
 * blueox.defaultConfigure();                     // BLUEOX_HOST or 127.0.0.1:3514
 * await blueox.context('request', async () => {
 *   blueox.set('user_agent', req.headers['user-agent']);
 *   await blueox.timeit('request_time', () => handle(req));
 *   blueox.set('response.status', res.statusCode);
 * });
 * ```
 *
 * Until configured, every call is a cheap no-op (tests generate no data).
 * Nothing here blocks the event loop or throws because of data or network
 * trouble: values msgpack cannot carry are converted, events that cannot be
 * sent are counted in stats().
 *
 * @packageDocumentation
 */
export { configure, defaultConfigure, shutdown, stats } from './configure';
export type { ConfigureOptions, Stats } from './configure';
export { context, start, wrap, current, set, append, add, isConfigured } from './api';
export { timeit, timer } from './timer';
export type { Timer } from './timer';
export { Context } from './context';
export type { ContextOptions, Sample } from './context';
export { BlueOxError } from '../errors';

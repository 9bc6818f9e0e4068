/**
 * BlueOx for Fastify (4): a plugin that gives every request its own
 * `request` context and records errors as `exception`. The plugin is not
 * encapsulated (it sets Fastify's `skip-override` symbol itself, with no
 * dependency on fastify-plugin), so its hooks apply to the whole
 * application. Only Fastify's types are imported.
 */
import type { FastifyError, FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { captureRequestScope, recordException, runInRequestContext, runInRequestScope } from './request-fields';
import { RequestFieldsOptions, resolveSettings } from './request-options';

/**
 * Options of {@link blueoxFastify}; `getUser` receives the FastifyRequest.
 *
 * @example
 * ```ts
 * const options: BlueOxFastifyOptions = { appName: 'shop', getUser: (request) => request.user?.id };
 * ```
 */
export type BlueOxFastifyOptions = RequestFieldsOptions<FastifyRequest>;

function plugin(fastify: FastifyInstance, options: BlueOxFastifyOptions, done: (err?: Error) => void): void {
  const settings = resolveSettings<FastifyRequest>(options, (request) => request);

  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, next: () => void): void => {
    runInRequestContext(request.raw, reply.raw, request, settings, () => {
      // Fastify's own body parsers keep this scope, but a parser or hook that resumes
      // from a stream event or a pool of its own does not: remember the scope here and
      // re-enter it in preHandler, which runs after the body was read and validated.
      captureRequestScope(request.raw);
      next();
    });
  });

  fastify.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, next: () => void): void => {
    runInRequestScope(request.raw, next);
  });

  fastify.addHook(
    'onError',
    (request: FastifyRequest, _reply: FastifyReply, error: FastifyError, next: () => void): void => {
      recordException(request.raw, error);
      next();
    },
  );

  done();
}

/**
 * The plugin: register it before the routes. Every request runs in a
 * context named `request` (or `<appName>.request`) that is sent when the
 * response finishes or the connection closes; errors reaching Fastify's
 * error handling (onError) are recorded as `exception`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import * as blueox from 'blueox';
 * import { blueoxFastify } from 'blueox/fastify';
 *
 * blueox.defaultConfigure();
 * const app = Fastify();
 * app.register(blueoxFastify, { appName: 'shop' });
 * app.get('/items/:id', async (request) => {
 *   return blueox.context('.db', () => db.get((request.params as { id: string }).id));
 * });
 * ```
 */
export const blueoxFastify: FastifyPluginCallback<BlueOxFastifyOptions> = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'blueox',
});

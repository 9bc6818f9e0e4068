/**
 * The functions applications call. Each checks first whether the library is
 * configured; when it is not, it does nothing but run the code it was given.
 */
import { BlueOxError } from '../errors';
import { Context, ContextOptions } from './context';
import { state } from './state';

/** Handed to callbacks while unconfigured: accepts everything, records nothing. */
const NOOP: Context = Object.create(Context.prototype, {
  name: { value: '' },
  id: { value: '' },
  start: { value: 0 },
  end: { value: 0 },
  enabled: { value: false },
  data: { value: Object.freeze({}) },
  isOpen: { value: false },
  duplicate: { value: false },
  set: { value: () => undefined },
  append: { value: () => undefined },
  add: { value: () => undefined },
  done: { value: () => undefined },
});

/** Refuses, even when unconfigured, names the original refused, so mistakes show up in development. */
function checkSyntax(name: string): void {
  if (typeof name !== 'string' || name === '' || name.startsWith('..') || (name[0] === '^' && name[1] !== '.')) {
    throw new BlueOxError(
      'EBLUEOX_NAME',
      `invalid context name ${JSON.stringify(name)}: use "name", "a.b", ".child" or "^.child"`,
    );
  }
}

function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function open(name: string, options: ContextOptions | undefined): Context {
  return new Context(name, options, state.scope.open());
}

/**
 * Runs `fn` inside a new context named `name` and sends the event when `fn`
 * returns, or when its promise settles. Code called from `fn`, across await,
 * timers and event emitters, sees this context as the current one.
 *
 * @example
 * ```ts
 * app.get('/items/:id', (req, res) =>
 *   blueox.context('request', async () => {
 *     blueox.set('path', req.path);
 *     const item = await blueox.context('.db', () => db.get(req.params.id));
 *     res.json(item);
 *   }, { sample: ['.', 0.5] }),
 * );
 * ```
 */
export function context<R>(name: string, fn: (ctx: Context) => R, options?: ContextOptions): R {
  checkSyntax(name);
  if (state.recorder === null) return fn(NOOP);
  const ctx = open(name, options);
  let result: R;
  try {
    result = ctx.duplicate ? fn(ctx) : state.scope.run(ctx, () => fn(ctx));
  } catch (err) {
    ctx.done();
    throw err;
  }
  if (isPromiseLike(result)) {
    return result.then(
      (value) => {
        ctx.done();
        return value;
      },
      (err: unknown) => {
        ctx.done();
        throw err;
      },
    ) as R;
  }
  ctx.done();
  return result;
}

/**
 * Opens a context and makes it current for the rest of this call and what
 * it starts; call `done()` on it to send the event. For code that cannot
 * nest a callback (hooks, middleware with separate start and end). In a
 * server's request handler prefer `context()` (or an integration): what
 * start() makes current also sticks to the connection, for the next request
 * on it to see once this one is done.
 *
 * @example
 * ```ts
 * const ctx = blueox.start('job');
 * blueox.set('queue', 'mail');
 * emitter.once('finished', () => ctx.done());
 * ```
 */
export function start(name: string, options?: ContextOptions): Context {
  checkSyntax(name);
  if (state.recorder === null) return NOOP;
  const ctx = open(name, options);
  if (!ctx.duplicate) {
    const frame = state.scope.enter(ctx);
    ctx.onDone = () => state.scope.leave(frame);
  }
  return ctx;
}

/**
 * Wraps `fn` so that every call runs in its own context (the original's
 * context_wrap decorator).
 *
 * @example
 * ```ts
 * const fetchUser = blueox.wrap('.db', async (id: string) => db.users.get(id));
 * ```
 */
export function wrap<A extends unknown[], R>(name: string, fn: (...args: A) => R, options?: ContextOptions): (...args: A) => R {
  checkSyntax(name);
  return function (this: unknown, ...args: A): R {
    return context(name, () => fn.apply(this, args), options);
  };
}

/**
 * True once configure() or defaultConfigure() has been called (until shutdown()).
 * Integrations use it to do nothing at all while BlueOx is off.
 *
 * @example
 * ```ts
 * if (blueox.isConfigured()) blueox.set('expensive', computeDetails());
 * ```
 */
export function isConfigured(): boolean {
  return state.recorder !== null;
}

/**
 * The innermost open context of the code running now, or null.
 *
 * @example
 * ```ts
 * const id = blueox.current()?.id;
 * ```
 */
export function current(): Context | null {
  return state.recorder === null ? null : state.scope.current();
}

/**
 * Sets `key` in the current context; dotted keys make nested maps.
 *
 * @example
 * ```ts
 * blueox.set('response.status', 200);   // {response: {status: 200}}
 * ```
 */
export function set(key: string, value: unknown): void {
  if (state.recorder === null) return;
  state.scope.current()?.set(key, value);
}

/**
 * Appends `value` to the list at `key` in the current context.
 *
 * @example
 * ```ts
 * blueox.append('tags', 'cache-miss');
 * ```
 */
export function append(key: string, value: unknown): void {
  if (state.recorder === null) return;
  state.scope.current()?.append(key, value);
}

/**
 * Adds `n` to the number at `key` in the current context.
 *
 * @example
 * ```ts
 * blueox.add('retries', 1);
 * ```
 */
export function add(key: string, n: number): void {
  if (state.recorder === null) return;
  state.scope.current()?.add(key, n);
}

/**
 * A context collects the data of one event: it is opened with a type name,
 * filled with set/append/add/timeit while the code it scopes runs, and sent
 * as one event when it closes.
 */
import { addDeep, appendDeep, Data, setDeep } from './deep-keys';
import { newEventId } from './event-id';
import { placeContext } from './naming';
import { state } from './state';
import { warn } from './warn';

/**
 * Sampling: which context decides, and the share of events kept.
 * `'.'` this context; `'..'` its parent (decided once per parent and child
 * name, so a sampled-out parent drops all such children together); `'^'` the
 * outermost context; any other string names an open context.
 *
 * @example
 * ```ts
 * blueox.context('.memcache', () => cache.get(key), { sample: ['..', 0.25] });
 * ```
 */
export type Sample = [which: string, rate: number];

/**
 * Options of context(), start() and wrap().
 *
 * @example
 * ```ts
 * blueox.context('job', run, { sample: ['.', 0.1], id: job.traceId });
 * ```
 */
export interface ContextOptions {
  /** Keep only a share of these events; see {@link Sample}. */
  sample?: Sample;
  /** Use this id instead of the parent's or a new one. */
  id?: string;
}

/**
 * One open (or closed) context; context() hands it to its callback and
 * start() returns it.
 *
 * @example
 * ```ts
 * await blueox.context('request', async (ctx) => {
 *   ctx.set('response.status', 200);      // the same as blueox.set() here
 *   res.setHeader('x-request-id', ctx.id);
 * });
 * ```
 */
export class Context {
  /** The full dotted type name, e.g. "request.db". */
  readonly name: string;
  /** 32 hex characters, shared by a context and its children. */
  readonly id: string;
  /** When the context was opened, seconds since the epoch. */
  readonly start: number;
  /** When it closed (0 while open), seconds since the epoch. */
  end = 0;
  /** False when sampled out (or under a sampled-out parent): nothing is sent. */
  enabled: boolean;
  /** The event's body, as set so far. */
  readonly data: Data = {};
  /** @internal An open context of the same name already holds this scope (the original did not stack it). */
  readonly duplicate: boolean;
  /** @internal Run once when done (the explicit start() form leaves its scope here). */
  onDone: (() => void) | null = null;
  private open = true;
  private sampleChecks: Map<string, boolean> | null = null;

  /** @internal Use {@link context}, {@link start} or {@link wrap}. */
  constructor(typeName: string, options: ContextOptions = {}, open: readonly Context[] = state.scope.open()) {
    const placed = placeContext(typeName, open);
    if (placed.duplicate) warn('duplicate-name', `a context named ${JSON.stringify(placed.name)} is already open here`);
    const parent = placed.parent;
    const nowMs = Date.now();
    this.name = placed.name;
    this.duplicate = placed.duplicate;
    this.start = nowMs / 1000;
    this.id = options.id ?? parent?.id ?? newEventId(nowMs);
    this.enabled = decideSampling(this, typeName, parent, open, options.sample);
  }

  /** True until the context is done. */
  get isOpen(): boolean {
    return this.open;
  }

  /** Sets `key` (dotted keys make nested maps) to `value`. */
  set(key: string, value: unknown): void {
    if (this.writable('set', key)) setDeep(this.data, key, value);
  }

  /** Appends `value` to the list at `key`. */
  append(key: string, value: unknown): void {
    if (this.writable('append', key)) appendDeep(this.data, key, value);
  }

  /** Adds `n` to the number at `key` (starting from 0). */
  add(key: string, n: number): void {
    if (this.writable('add', key) && typeof n === 'number') addDeep(this.data, key, n);
  }

  private writable(what: string, key: unknown): boolean {
    if (typeof key !== 'string' || key === '') {
      warn('bad-key', `${what}() needs a non-empty string key, got ${typeof key}`);
      return false;
    }
    if (!this.open) {
      warn('closed', `${what}(${JSON.stringify(key)}) on context ${JSON.stringify(this.name)} after it was done`);
      return false;
    }
    return true;
  }

  /** @internal Whether the child named `name` of this context is kept, decided once. */
  sampledFor(name: string, rate: number): boolean {
    this.sampleChecks ??= new Map();
    let kept = this.sampleChecks.get(name);
    if (kept === undefined) {
      kept = state.random() <= rate;
      this.sampleChecks.set(name, kept);
    }
    return kept;
  }

  /** Closes the context and sends its event (once, and only when enabled). */
  done(): void {
    if (!this.open) return;
    this.open = false;
    this.end = Date.now() / 1000;
    const onDone = this.onDone;
    this.onDone = null;
    onDone?.();
    const recorder = state.recorder;
    if (this.enabled && recorder !== null) recorder(this);
    this.enabled = false;
  }
}

function decideSampling(
  self: Context,
  typeName: string,
  parent: Context | null,
  open: readonly Context[],
  sample: Sample | undefined,
): boolean {
  if (parent !== null && !parent.enabled) return false;
  if (!sample) return true;
  const [which, rate] = sample;
  let decider: Context | null;
  if (which === '.' || which === typeName) decider = self;
  else if (which === '..') decider = parent ?? self;
  else if (which === '^') decider = open.length ? open[0] : self;
  else {
    decider = open.find((ctx) => ctx.name === which) ?? null;
    if (decider === null) {
      warn('sample-name', `sample context ${JSON.stringify(which)} is not open; sampling ${JSON.stringify(typeName)} on its own`);
      decider = self;
    }
  }
  return decider === self ? state.random() <= rate : decider.sampledFor(typeName, rate);
}

/**
 * Which contexts are open for the code running now. Each context opened by
 * `context()` (or `start()`) becomes a frame over its parent's; the chain
 * follows the code across await, promises, timers and event emitters through
 * AsyncLocalStorage, so concurrent requests never see each other's contexts.
 *
 * A frame can outlive its context (a timer set inside a context may fire
 * after it closed): closed contexts are skipped, so such code writes to the
 * nearest context that is still open, or to none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface ScopeEntry {
  readonly name: string;
  readonly isOpen: boolean;
}

export interface Frame<T extends ScopeEntry> {
  readonly ctx: T;
  readonly parent: Frame<T> | null;
}

export class Scope<T extends ScopeEntry> {
  private readonly storage = new AsyncLocalStorage<Frame<T> | null>();

  private frame(): Frame<T> | null {
    return this.storage.getStore() ?? null;
  }

  /** The innermost open context, or null. */
  current(): T | null {
    for (let f = this.frame(); f !== null; f = f.parent) if (f.ctx.isOpen) return f.ctx;
    return null;
  }

  /** Open contexts, outermost first. */
  open(): T[] {
    const out: T[] = [];
    for (let f = this.frame(); f !== null; f = f.parent) if (f.ctx.isOpen) out.push(f.ctx);
    return out.reverse();
  }

  /** Runs `fn` with `ctx` as the current context. */
  run<R>(ctx: T, fn: () => R): R {
    return this.storage.run({ ctx, parent: this.frame() }, fn);
  }

  /**
   * Makes `ctx` current for the rest of this synchronous run and what it
   * starts (the explicit start/done form); returns the frame to leave.
   */
  enter(ctx: T): Frame<T> {
    // enterWith() can leave a frame on a long-lived resource (a keep-alive connection):
    // chain onto the nearest open context, so closed ones are not kept alive in a growing chain.
    let parent = this.frame();
    while (parent !== null && !parent.ctx.isOpen) parent = parent.parent;
    const frame = { ctx, parent };
    this.storage.enterWith(frame);
    return frame;
  }

  /** Undoes `enter` when `frame` is still the current one. */
  leave(frame: Frame<T>): void {
    if (this.frame() === frame) this.storage.enterWith(frame.parent);
  }
}

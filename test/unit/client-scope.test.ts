import test from 'ava';
import { Frame, Scope } from '../../src/client/scope';

class Entry {
  isOpen = true;
  constructor(readonly name: string) {}
}

test('entering skips closed contexts, so a long-lived resource does not grow a chain', (t) => {
  const scope = new Scope<Entry>();
  const frames: Frame<Entry>[] = [];
  // Five requests on one keep-alive connection, each entered and closed in turn.
  for (let i = 0; i < 5; i++) {
    const ctx = new Entry(`request${i}`);
    frames.push(scope.enter(ctx));
    ctx.isOpen = false;
  }
  t.true(frames.every((f) => f.parent === null));
  t.is(scope.current(), null);
});

test('current() and open() see open contexts only, outermost first', (t) => {
  const scope = new Scope<Entry>();
  const outer = new Entry('request');
  const inner = new Entry('request.db');
  scope.run(outer, () => {
    scope.run(inner, () => {
      t.deepEqual(scope.open().map((e) => e.name), ['request', 'request.db']);
      inner.isOpen = false;
      t.is(scope.current(), outer);
    });
  });
});

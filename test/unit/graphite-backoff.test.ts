import test from 'ava';
import { backoffDelay } from '../../src/daemon/sinks/graphite';

test('the wait doubles from the minimum up to the maximum', (t) => {
  const top = () => 1 - Number.EPSILON;
  t.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 8].map((a) => Math.round(backoffDelay(a, 500, 30_000, top))),
    [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
  );
  // However many attempts failed, the wait stays within the maximum.
  t.true(backoffDelay(1_000_000, 500, 30_000, top) <= 30_000);
});

test('jitter spreads each wait over the upper half of its ceiling', (t) => {
  t.is(backoffDelay(0, 500, 30_000, () => 0), 250);
  t.is(backoffDelay(3, 500, 30_000, () => 0), 2000);
  t.is(backoffDelay(3, 500, 30_000, () => 0.5), 3000);
  t.is(backoffDelay(20, 500, 30_000, () => 0), 15_000);
});

import test from 'ava';
import { newEventId } from '../../src/client/event-id';

test('32 hex characters: 4 bytes of big-endian unix seconds, then 12 random bytes', (t) => {
  const id = newEventId(Date.UTC(2026, 10, 21, 6, 0, 0, 999));
  t.regex(id, /^[0-9a-f]{32}$/);
  t.is(parseInt(id.slice(0, 8), 16), Date.UTC(2026, 10, 21, 6, 0, 0) / 1000);
});

test('ids do not repeat, across refills of the random pool', (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) seen.add(newEventId(0));
  t.is(seen.size, 20_000);
  t.true([...seen].every((id) => id.startsWith('00000000')));
});

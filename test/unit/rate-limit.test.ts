import test from 'ava';
import { Logger } from '../../src/daemon/log';
import { RateLimitedLog } from '../../src/daemon/rate-limit';

function setup(burst = 3, windowMs = 1000) {
  const lines: string[] = [];
  let now = 0;
  const logger = new Logger(0, false, { write: (l) => lines.push(l) });
  const limited = new RateLimitedLog(logger, burst, windowMs, () => now);
  return { lines, limited, advance: (ms: number) => (now += ms) };
}

test('at most `burst` lines per kind per window; the next window says how many were held back', (t) => {
  const { lines, limited, advance } = setup();
  for (let i = 0; i < 100; i++) limited.log('warning', 'bad-frame', `bad frame ${i}`);
  t.is(lines.length, 3);
  advance(1000);
  limited.log('warning', 'bad-frame', 'bad frame again');
  t.is(lines.length, 4);
  t.regex(lines[3], /bad frame again \(97 more like this were not logged\)/);
});

test('kinds are limited independently', (t) => {
  const { lines, limited } = setup(1);
  limited.log('warning', 'a', 'one');
  limited.log('warning', 'a', 'two');
  limited.log('warning', 'b', 'three');
  t.deepEqual(lines.map((l) => l.replace(/^\S+ /, '')), ['warning: one\n', 'warning: three\n']);
});

test('levels below the logger threshold cost nothing and are not counted', (t) => {
  const { lines, limited, advance } = setup(1);
  for (let i = 0; i < 10; i++) limited.log('debug', 'x', 'quiet');
  advance(5000);
  limited.log('warning', 'x', 'loud');
  t.deepEqual(lines.map((l) => l.replace(/^\S+ /, '')), ['warning: loud\n']);
});

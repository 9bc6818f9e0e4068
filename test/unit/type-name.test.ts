import test from 'ava';
import { checkTypeBytes, checkTypeName } from '../../src/protocol/type-name';

test('ordinary dotted names, dashes, digits and UTF-8 are accepted', (t) => {
  for (const name of ['request', 'request.db', 'my-app.log', 'a', 'T'.repeat(63), 'café', 'x.y.z.1', 'a..b', 'trailing.']) {
    t.is(checkTypeName(name), null, name);
  }
});

test('names that could leave the day folder or hide are refused, each with its reason', (t) => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['a/b', 'separator'],
    ['a/../../x', 'separator'],
    ['../x', 'leading-dot'],
    ['..\\x', 'leading-dot'],
    ['a\\b', 'separator'],
    ['.', 'leading-dot'],
    ['..', 'leading-dot'],
    ['.hidden', 'leading-dot'],
    ['a\0b', 'control'],
    ['tab\there', 'control'],
    ['line\nbreak', 'control'],
    ['del\x7f', 'control'],
    ['c1\u0085', 'control'],
    ['x'.repeat(64), 'too-long'],
  ];
  for (const [name, problem] of cases) t.is(checkTypeName(name) as string | null, problem, JSON.stringify(name));
});

test('invalid UTF-8 is refused; checks work on a view inside a larger buffer', (t) => {
  const buf = Buffer.from([0x2f, 0x61, 0xff, 0x62, 0x2f]);
  t.is(checkTypeBytes(buf, 1, 4), 'encoding');
  t.is(checkTypeBytes(buf, 1, 2), null);
  t.is(checkTypeBytes(buf, 0, 2), 'separator');
  t.is(checkTypeBytes(buf, 3, 3), 'empty');
});

test('"__proto__" is refused: JavaScript readers of STATUS could not take it as a key', (t) => {
  t.is(checkTypeName('__proto__') as string | null, 'reserved');
  t.is(checkTypeName('__proto__x'), null);
  t.is(checkTypeName('constructor'), null);
});

import test from 'ava';
import { placeContext, Named } from '../../src/client/naming';

const open = (...names: string[]): Named[] => names.map((name) => ({ name }));
const place = (type: string, ...names: string[]) => {
  const p = placeContext(type, open(...names));
  return { name: p.name, parent: p.parent?.name ?? null, duplicate: p.duplicate };
};

test('".x" is a child of the current context, or a new "x" with none open', (t) => {
  t.deepEqual(place('.db', 'request'), { name: 'request.db', parent: 'request', duplicate: false });
  t.deepEqual(place('.db', 'request', 'request.cache'), { name: 'request.cache.db', parent: 'request.cache', duplicate: false });
  t.deepEqual(place('.db'), { name: 'db', parent: null, duplicate: false });
});

test('"^.x" is a child of the outermost context', (t) => {
  t.deepEqual(place('^.cache', 'request', 'request.db'), { name: 'request.cache', parent: 'request', duplicate: false });
  t.deepEqual(place('^.cache'), { name: 'cache', parent: null, duplicate: false });
});

test('".foo.bar" continues from the parent part named "foo"', (t) => {
  t.is(place('.foo.bar', 'request.foo').name, 'request.foo.bar');
  t.is(place('.foo.bar', 'request').name, 'request.foo.bar');
  // The original's quirk: ".db" inside "request.db" is "request.db" again.
  t.is(place('.db', 'request.db').name, 'request.db');
});

test('an absolute name goes under the open context sharing the most leading parts', (t) => {
  // top.foo.bar under both top and top.foo: top.foo wins.
  t.deepEqual(place('top.foo.bar', 'top', 'top.foo'), { name: 'top.foo.bar', parent: 'top.foo', duplicate: false });
  t.deepEqual(place('top.foo.bar', 'top'), { name: 'top.foo.bar', parent: 'top', duplicate: false });
  // Equal matches: the outermost (first) one is kept.
  t.is(place('top.x', 'top', 'top.y').parent, 'top');
  t.deepEqual(place('request.db', 'request'), { name: 'request.db', parent: 'request', duplicate: false });
  t.deepEqual(place('other', 'request'), { name: 'other', parent: null, duplicate: false });
});

test('an absolute name sharing a first part but not below the match starts a separate tree', (t) => {
  // "topx" shares no part with "top"; "top.a.b" under "top.a.c" shares two parts but is not below it.
  t.deepEqual(place('topx.y', 'top'), { name: 'topx.y', parent: null, duplicate: false });
  t.deepEqual(place('top.ab.x', 'top.a'), { name: 'top.ab.x', parent: null, duplicate: false });
});

test('a duplicate name keeps its name, goes under the open one (sharing its id) and is flagged', (t) => {
  t.deepEqual(place('request', 'request'), { name: 'request', parent: 'request', duplicate: true });
  t.deepEqual(place('a.b', 'a', 'a.b'), { name: 'a.b', parent: 'a.b', duplicate: true });
});

test('invalid forms are refused with a clear error', (t) => {
  for (const bad of ['..x', '..', '^x', '^', '', '.', 'a..b', 'a.', '.a.', '^.']) {
    const err = t.throws(() => placeContext(bad, open('request')), undefined, bad);
    t.is((err as { code?: string }).code, 'EBLUEOX_NAME', bad);
    t.regex(err!.message, /invalid context name/);
  }
});

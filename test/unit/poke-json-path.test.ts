/**
 * The JSON path subset: every form, negative indexes, [*] lists, what finds
 * nothing, and the error a bad path raises when a check file is read.
 */
import test from 'ava';
import { BlueOxError } from '../../src/errors';
import { compile, select } from '../../src/poke/json-path';

const doc = {
  result: 4,
  items: [
    { id: 1, tags: ['a', 'b'] },
    { id: 2, tags: [] },
    { id: 3, name: 'three', tags: ['c'] },
  ],
  'first name': 'Ada',
  "it's": 'quote',
  'say "hi"': 'double',
  'back\\slash': 'bs',
  'a.b': 'dotted',
  nothing: null,
  empty: [],
  map: { x: 1, y: 2 },
};

test('$ is the whole document', (t) => {
  t.deepEqual(select(doc, '$'), { found: true, value: doc });
  t.deepEqual(select(5, '$'), { found: true, value: 5 });
});

test('.name and nested names', (t) => {
  t.deepEqual(select(doc, '$.result'), { found: true, value: 4 });
  t.deepEqual(select(doc, '$.map.y'), { found: true, value: 2 });
  t.deepEqual(select({ $x: { 'a-b_c9': true } }, '$.$x.a-b_c9'), { found: true, value: true });
  t.deepEqual(select({ 'é': 1 }, '$.é'), { found: true, value: 1 });
});

test("bracketed names in either quotes, with \\' \\\" and \\\\", (t) => {
  t.is(select(doc, "$['first name']").value, 'Ada');
  t.is(select(doc, '$["first name"]').value, 'Ada');
  t.is(select(doc, "$['it\\'s']").value, 'quote');
  t.is(select(doc, `$["it's"]`).value, 'quote');
  t.is(select(doc, '$["say \\"hi\\""]').value, 'double');
  t.is(select(doc, `$['say "hi"']`).value, 'double');
  t.is(select(doc, "$['back\\\\slash']").value, 'bs');
  t.is(select(doc, "$['a.b']").value, 'dotted');
  t.is(select({ '': 7 }, "$['']").value, 7);
  t.is(select({ ']': 8 }, "$[']']").value, 8);
});

test('[n] from the start, negative from the end', (t) => {
  t.deepEqual(select(doc, '$.items[0].id'), { found: true, value: 1 });
  t.deepEqual(select(doc, '$.items[2].name'), { found: true, value: 'three' });
  t.deepEqual(select(doc, '$.items[-1].id'), { found: true, value: 3 });
  t.deepEqual(select(doc, '$.items[-3].id'), { found: true, value: 1 });
  t.deepEqual(select(doc, '$.items[0].tags[1]'), { found: true, value: 'b' });
  t.deepEqual(select([[1, 2], [3]], '$[1][0]'), { found: true, value: 3 });
});

test('out of range and wrong kinds find nothing', (t) => {
  const nothing = { found: false, value: undefined };
  t.deepEqual(select(doc, '$.items[3]'), nothing);
  t.deepEqual(select(doc, '$.items[-4]'), nothing);
  t.deepEqual(select(doc, '$.missing'), nothing);
  t.deepEqual(select(doc, '$.result.x'), nothing);
  t.deepEqual(select(doc, '$.map[0]'), nothing, 'an index on an object');
  t.deepEqual(select(doc, '$.items.length'), nothing, 'a name on an array');
  t.deepEqual(select(doc, "$.items['0']"), nothing, 'a quoted number is a name');
  t.deepEqual(select(doc, '$.nothing.x'), nothing);
  t.deepEqual(select('text', '$[0]'), nothing);
});

test('a null is found, and is not nothing', (t) => {
  t.deepEqual(select(doc, '$.nothing'), { found: true, value: null });
});

test("members of the prototype are not the document's", (t) => {
  t.false(select({}, '$.constructor').found);
  t.false(select({}, '$.toString').found);
  t.false(select({}, '$.__proto__').found);
  t.false(select([], '$.length').found);
  const parsed = JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}');
  t.deepEqual(select(parsed, '$.__proto__.x'), { found: true, value: 1 });
  t.deepEqual(select(parsed, '$.constructor'), { found: true, value: 2 });
});

test('[*] gives the list of what the rest of the path finds in each element', (t) => {
  t.deepEqual(select(doc, '$.items[*].id'), { found: true, value: [1, 2, 3] });
  t.deepEqual(select(doc, '$.items[*].name'), { found: true, value: ['three'] }, 'elements without it are left out');
  t.deepEqual(select(doc, '$.items[*]'), { found: true, value: doc.items });
  t.deepEqual(select(doc, '$.map[*]'), { found: true, value: [1, 2] }, 'the member values of an object');
  t.deepEqual(select(doc, '$.empty[*]'), { found: true, value: [] });
  t.deepEqual(select(doc, '$.items[*].missing'), { found: true, value: [] });
  t.deepEqual(select(doc, '$.items[*].tags[0]'), { found: true, value: ['a', 'c'] });
});

test('several [*] flatten into one list', (t) => {
  t.deepEqual(select(doc, '$.items[*].tags[*]'), { found: true, value: ['a', 'b', 'c'] });
  t.deepEqual(select([[[1, 2]], [[3]]], '$[*][*][*]'), { found: true, value: [1, 2, 3] });
  t.deepEqual(select([[1, [2]], [3]], '$[*][*]'), { found: true, value: [1, [2], 3] }, 'only one level per [*]');
});

test('[*] on a scalar or a missing value finds nothing', (t) => {
  t.false(select(doc, '$.result[*]').found);
  t.false(select(doc, '$.missing[*]').found);
  t.false(select(doc, '$.nothing[*]').found);
});

test('compile keeps the text and the segments; select takes either', (t) => {
  const p = compile("$.items[-1]['first name'][*]");
  t.is(p.text, "$.items[-1]['first name'][*]");
  t.deepEqual(p.segments, [
    { kind: 'name', name: 'items' },
    { kind: 'index', index: -1 },
    { kind: 'name', name: 'first name' },
    { kind: 'every' },
  ]);
  t.deepEqual(select(doc, compile('$.result')), select(doc, '$.result'));
});

const badPaths: Array<[string, RegExp]> = [
  ['', /at character 1, expected \$ \(the document\) at the start/],
  ['result', /at character 1, expected \$/],
  ['.result', /at character 1, expected \$/],
  ['$result', /at character 2, expected '\.' or '\[', found "r"/],
  ['$.', /at character 3, expected a name after '\.', found the end of the path/],
  ['$..a', /at character 3, expected a name after '\.', found "\."/],
  ['$.*', /at character 3, expected a name after '\.', found "\*" \(every element is written \[\*\]\)/],
  ['$.a b', /at character 4, expected '\.' or '\[', found " "/],
  ['$[', /at character 3, expected a number, \* or a quoted name after '\[', found the end of the path/],
  ['$[]', /at character 3, expected a number, \* or a quoted name after '\[', found "\]"/],
  ['$[a]', /found "a"/],
  ['$[ 0]', /found " "/],
  ['$[0', /at character 4, expected '\]', found the end of the path/],
  ['$[0 ]', /at character 4, expected '\]', found " "/],
  ['$[01]', /at character 4, expected '\]', found "1"/],
  ['$[-0]', /at character 3, expected a number/],
  ['$[-]', /at character 3, expected a number/],
  ['$[1.5]', /at character 4, expected '\]', found "\."/],
  ['$[99999999999999999999]', /the index 99999999999999999999 is too large/],
  ['$[*', /expected '\]', found the end of the path/],
  ["$['a", /at character 2, the quoted name is not closed with '\]/],
  ['$["a\']', /the quoted name is not closed with "\]/],
  ["$['a'", /expected '\]', found the end of the path/],
  ["$['a'x]", /at character 6, expected '\]', found "x"/],
  ["$['a\\n']", /at character 5, a backslash may only come before ' " or \\, found "n"/],
  ["$['a\\", /a backslash may only come before ' " or \\, found the end of the path/],
  ['$.a]', /at character 4, expected '\.' or '\[', found "\]"/],
];

for (const [path, message] of badPaths) {
  test(`bad path ${JSON.stringify(path)} is refused with where and why`, (t) => {
    const err = t.throws(() => compile(path), { instanceOf: BlueOxError });
    t.is((err as BlueOxError).code, 'EPOKE_JSON_PATH');
    t.regex(err!.message, message);
    t.true(err!.message.startsWith(`bad JSON path ${JSON.stringify(path)}: `));
    t.regex(err!.message, /a path is \$ followed by \.name, \['name'\], \[n\] or \[\*\]/, 'says what is allowed');
  });
}

test('select with a bad path string throws the same error', (t) => {
  t.throws(() => select(doc, '$.'), { instanceOf: BlueOxError, message: /bad JSON path/ });
});

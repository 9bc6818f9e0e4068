import test from 'ava';
import { inferTypeName, parseFileSpec, typeNameProblem } from '../../src/ingest/file-spec';
import { checkTypeName } from '../../src/protocol/type-name';

test('the type of a file is its base name without a trailing ".log"', (t) => {
  t.is(inferTypeName('/var/log/nginx/access.log'), 'access');
  t.is(inferTypeName('/var/log/syslog'), 'syslog');
  t.is(inferTypeName('/var/log/mail.err'), 'mail.err');
  t.is(inferTypeName('relative/app.log.1'), 'app.log.1');
  t.is(inferTypeName('/srv/web.access.log'), 'web.access');
  t.is(inferTypeName('/x/.log'), 'log');
  t.is(inferTypeName('/x/café.log'), 'café');
});

test('inferred types are made safe for oxd and for context names', (t) => {
  t.is(inferTypeName('/x/.hidden.log'), 'hidden');
  t.is(inferTypeName('/x/a..b.log'), 'a.b');
  t.is(inferTypeName('/x/trailing..log'), 'trailing');
  t.is(inferTypeName('/x/with space\tand\\slash.log'), 'with_space_and_slash');
  t.is(inferTypeName('/x/^caret.log'), '_caret');
  t.is(inferTypeName('/x/ctl\u0001\u0085.log'), 'ctl__');
  t.is(inferTypeName('/x/...log'), 'oxingest');
  t.is(inferTypeName('/x/__proto__'), 'oxingest');
  const long = inferTypeName('/x/' + 'é'.repeat(40) + '.log');
  t.is(long, 'é'.repeat(31)); // 62 bytes: a 32nd "é" would make 64
  for (const f of ['/x/' + 'a.'.repeat(40), '/x/..', '/x/\u00a0.log', '/x/' + 'z'.repeat(100) + '.log']) {
    const name = inferTypeName(f);
    t.is(checkTypeName(name), null, f);
    t.is(typeNameProblem(name), null, f);
  }
});

test('-F TYPE:PATH names the type when no "/" comes before the first ":"', (t) => {
  t.deepEqual(parseFileSpec('nginx_access:/var/log/nginx/access.log'), { type: 'nginx_access', path: '/var/log/nginx/access.log', inferred: false });
  t.deepEqual(parseFileSpec('/srv/a:b.log'), { type: 'a:b', path: '/srv/a:b.log', inferred: true });
  t.deepEqual(parseFileSpec('./x:y.log'), { type: 'x:y', path: './x:y.log', inferred: true });
  t.deepEqual(parseFileSpec('t:rel/dir:odd.log'), { type: 't', path: 'rel/dir:odd.log', inferred: false });
  t.throws(() => parseFileSpec('app:'), { message: /the path is empty/ });
  t.throws(() => parseFileSpec(':/x.log'), { message: /the type name is empty/ });
  t.throws(() => parseFileSpec('.x:/x.log'), { message: /starts with "\."/ });
  t.throws(() => parseFileSpec('^x:/x.log'), { message: /starts with "\^"/ });
  t.throws(() => parseFileSpec('a.:/x.log'), { message: /empty part/ });
});

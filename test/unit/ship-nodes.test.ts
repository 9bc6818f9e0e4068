import test from 'ava';
import { NodePool, parseNode, parseNodes } from '../../src/ship/nodes';

test('nodes as users write them: host, host:port, brackets, http(s)://, credentials, a path prefix', (t) => {
  t.like(parseNode('localhost'), { protocol: 'http:', host: 'localhost', port: 9200, prefix: '', auth: null, label: 'http://localhost:9200' });
  t.like(parseNode('es1:9201'), { protocol: 'http:', host: 'es1', port: 9201 });
  t.like(parseNode('[::1]:9300'), { host: '::1', port: 9300, label: 'http://[::1]:9300' });
  t.like(parseNode('http://10.0.0.1:9200/'), { protocol: 'http:', host: '10.0.0.1', prefix: '' });
  t.like(parseNode('https://es.example.com'), { protocol: 'https:', port: 9200, label: 'https://es.example.com:9200' });
  t.like(parseNode('https://proxy:443/es/'), { protocol: 'https:', port: 443, prefix: '/es', label: 'https://proxy:443/es' });
  const withAuth = parseNode('https://elastic:s%40cret@es:9243');
  t.is(withAuth.auth, 'elastic:s@cret');
  t.false(withAuth.label.includes('cret'), 'credentials never appear in messages');
});

test('nodes that cannot be used are refused with the reason', (t) => {
  t.throws(() => parseNode('ftp://es:21'), { message: /only http:\/\/ and https:\/\// });
  t.throws(() => parseNode('es:99999'), { message: /not an Elasticsearch node/ });
  t.throws(() => parseNode('es:9200?x=1'), { message: /query/ });
  t.throws(() => parseNode('http://'), { message: /not an Elasticsearch node|names no host/ });
});

test('-e may be repeated or hold a comma-separated list; none means localhost:9200', (t) => {
  t.deepEqual(parseNodes(['a:1', 'b:2,c:3', ' ']).map((n) => n.label), ['http://a:1', 'http://b:2', 'http://c:3']);
  t.deepEqual(parseNodes([]).map((n) => n.label), ['http://localhost:9200']);
});

test('round robin; a failing node is skipped for a while, longer each time; an answer brings it back', (t) => {
  let now = 0;
  const [a, b, c] = parseNodes(['a', 'b', 'c']);
  const pool = new NodePool([a, b, c], () => now);
  t.deepEqual([pool.pick(), pool.pick(), pool.pick(), pool.pick()], [a, b, c, a]);
  t.is(pool.failed(b), 5000);
  t.deepEqual([pool.pick(), pool.pick(), pool.pick()], [c, a, c]);
  t.true(pool.hasOtherUp(b));
  now = 5000;
  t.deepEqual([pool.pick(), pool.pick(), pool.pick()], [a, b, c], 'back in turn once its time is over');
  t.is(pool.failed(b), 10000, 'doubles');
  t.true(pool.answered(b));
  t.false(pool.answered(b));
  t.deepEqual([pool.pick(), pool.pick(), pool.pick()], [a, b, c]);
  for (let i = 0; i < 20; i++) pool.failed(c);
  t.is(pool.failed(c), 300_000, 'at most five minutes');
});

test('when every node is being skipped, the one that comes back first is tried', (t) => {
  const now = 0;
  const [a, b] = parseNodes(['a', 'b']);
  const pool = new NodePool([a, b], () => now);
  pool.failed(a);
  pool.failed(a);
  pool.failed(b);
  t.is(pool.pick(), b);
  t.false(pool.hasOtherUp(a));
});

import test from 'ava';
import { formatEndpoint, parseEndpoint, unmappedAddress, zmqEndpoint } from '../../src/protocol/endpoint';

test('host strings as users write them', (t) => {
  t.deepEqual(parseEndpoint('', 3514), { host: '127.0.0.1', port: 3514 });
  t.deepEqual(parseEndpoint('log-master', 3514), { host: 'log-master', port: 3514 });
  t.deepEqual(parseEndpoint('log-master:4000', 3514), { host: 'log-master', port: 4000 });
  t.deepEqual(parseEndpoint(':4000', 3514), { host: '127.0.0.1', port: 4000 });
  t.deepEqual(parseEndpoint('*', 3514), { host: '0.0.0.0', port: 3514 });
  t.deepEqual(parseEndpoint('*:9', 3514), { host: '0.0.0.0', port: 9 });
  t.deepEqual(parseEndpoint('[::1]:3513', 3514), { host: '::1', port: 3513 });
  t.deepEqual(parseEndpoint('[::1]', 3514), { host: '::1', port: 3514 });
  t.deepEqual(parseEndpoint('tcp://10.0.0.1:1', 3514), { host: '10.0.0.1', port: 1 });
  t.deepEqual(parseEndpoint('127.0.0.1:0', 3514), { host: '127.0.0.1', port: 0 });
});

test('bad host strings are refused with a message that says what to write', (t) => {
  t.throws(() => parseEndpoint('host:99999', 1), { message: /port must be a number from 0 to 65535/ });
  t.throws(() => parseEndpoint('host:abc', 1), { message: /port/ });
  t.throws(() => parseEndpoint('::1', 3514), { message: /brackets/ });
  t.throws(() => parseEndpoint('[::1', 1), { message: /closing/ });
  t.throws(() => parseEndpoint('a b:1', 1), { message: /not a host/ });
});

test('formatting brackets IPv6 addresses', (t) => {
  t.is(formatEndpoint({ host: '::1', port: 5 }), '[::1]:5');
  t.is(zmqEndpoint({ host: '127.0.0.1', port: 5 }), 'tcp://127.0.0.1:5');
});

test('unmappedAddress: an IPv4 peer of a dual-stack socket shows as IPv4; other addresses stay as they are', (t) => {
  t.is(unmappedAddress('::ffff:192.0.2.1'), '192.0.2.1');
  t.is(unmappedAddress('::FFFF:10.0.2.2'), '10.0.2.2');
  t.is(unmappedAddress('::1'), '::1');
  t.is(unmappedAddress('2001:db8::ffff:1.2.3.4'), '2001:db8::ffff:1.2.3.4');
  t.is(unmappedAddress('127.0.0.1'), '127.0.0.1');
  t.is(unmappedAddress('::ffff:abcd'), '::ffff:abcd');
});

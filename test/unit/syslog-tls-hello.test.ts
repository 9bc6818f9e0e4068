import * as tls from 'node:tls';
import * as net from 'node:net';
import test from 'ava';
import { tlsStart } from '../../src/protocol/syslog/tls-hello';

test("a TLS client's first bytes are told from syslog's within three bytes", (t) => {
  for (const minor of [0, 1, 2, 3, 4]) t.is(tlsStart(Buffer.from([0x16, 0x03, minor, 0x01])), 'tls');
  t.is(tlsStart(Buffer.from([0x16, 0x03, 0x05])), 'plain');
  t.is(tlsStart(Buffer.from([0x16, 0x02])), 'plain');
  for (const text of ['<13>Dec  4 16:02:44 host app: x', '12 <13>x', 'GET / HTTP/1.1']) t.is(tlsStart(Buffer.from(text)), 'plain', text);
  t.is(tlsStart(Buffer.alloc(0)), 'more');
  t.is(tlsStart(Buffer.from([0x16])), 'more');
  t.is(tlsStart(Buffer.from([0x16, 0x03])), 'more');
});

test("Node's own ClientHello is seen as TLS", async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const first = new Promise<Buffer>((resolve) => server.once('connection', (s) => s.once('data', (chunk: Buffer) => (resolve(chunk), s.destroy()))));
  const client = tls.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', rejectUnauthorized: false });
  client.on('error', () => undefined); // the server hangs up: expected
  t.teardown(() => client.destroy());
  t.is(tlsStart(await first), 'tls');
});

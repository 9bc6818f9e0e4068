/**
 * oxpoke's TCP probe against a small line service the test starts
 * (test/helpers/probe-servers.ts): send and expect, a connect check, a peer
 * that closes, stays silent, says too much or resets; a port nothing
 * listens on and a name that cannot resolve.
 */
import test from 'ava';
import type { TcpRequest } from '../../src/poke/check';
import { probeTcp } from '../../src/poke/tcp-probe';
import { answer, failure } from '../helpers/probe-checks';
import { startTcp } from '../helpers/probe-servers';
import { freePorts } from '../helpers/systemd-stand-ins';

const LIMITS = { timeoutMs: 10_000, maxBodyBytes: 1 << 20 };

function tcp(port: number, send: string | null, host = '127.0.0.1'): TcpRequest {
  return { kind: 'tcp', host, port, send };
}

test('tcp: send, and read until the expected answer', async (t) => {
  const port = await startTcp(t);
  const r = answer(t, await probeTcp(tcp(port, 'PING\r\n'), { ...LIMITS, expectBody: /\+PONG/g }));
  t.is(r.body.toString(), '+PONG\r\n');
  t.is(r.status, 0);
  t.is(r.url, `tcp://127.0.0.1:${port}`);
  t.true(r.timings.firstByteMs > r.timings.connectMs, JSON.stringify(r.timings));
});

test('tcp: a connect check by name', async (t) => {
  const port = await startTcp(t);
  const r = answer(t, await probeTcp(tcp(port, null, 'localhost'), LIMITS));
  t.is(r.body.length, 0);
  t.true(r.timings.dnsMs > 0 && r.timings.connectMs > r.timings.dnsMs, JSON.stringify(r.timings));
});

test('tcp: the peer closes before the pattern: what was read is the answer', async (t) => {
  const port = await startTcp(t);
  const r = answer(t, await probeTcp(tcp(port, 'QUIT\r\n'), { ...LIMITS, expectBody: /PONG/ }));
  t.is(r.body.toString(), '+BYE\r\n');
});

test('tcp: timeout when the pattern never comes', async (t) => {
  const port = await startTcp(t);
  const f = failure(t, await probeTcp(tcp(port, 'PING\r\nSILENT\r\n'), { ...LIMITS, timeoutMs: 1000, expectBody: /READY/ }), 'timeout');
  t.is(f.message, `no complete answer within 1000 ms: 127.0.0.1:${port} had not sent anything matching /READY/ (7 bytes read: "+PONG\\r\\n")`);
});

test('tcp: body_too_large past maxBodyBytes', async (t) => {
  const port = await startTcp(t);
  const f = failure(t, await probeTcp(tcp(port, 'BIG\r\n'), { ...LIMITS, maxBodyBytes: 1000, expectBody: /END/ }), 'body_too_large');
  t.is(f.message, `127.0.0.1:${port} sent more than the limit of 1000 bytes without matching /END/`);
});

test('tcp: reset by the peer', async (t) => {
  const port = await startTcp(t);
  const f = failure(t, await probeTcp(tcp(port, 'RESET\r\n'), { ...LIMITS, expectBody: /PONG/ }), 'reset');
  t.regex(f.message, new RegExp(`^127\\.0\\.0\\.1:${port} reset the connection`));
});

test('tcp: refused and dns', async (t) => {
  const [port] = await freePorts(1);
  const refused = failure(t, await probeTcp(tcp(port, null), LIMITS), 'refused');
  t.is(refused.message, `connection refused by 127.0.0.1:${port}`);
  const dns = failure(t, await probeTcp(tcp(80, null, 'nothing.invalid'), LIMITS), 'dns');
  t.regex(dns.message, /^cannot resolve nothing\.invalid: /);
});

import test from 'ava';
import { splitEnvelope } from '../../src/daemon/control';

const b = (s: string): Buffer => Buffer.from(s);

test('a REQ request: identity and delimiter are the envelope', (t) => {
  const { envelope, frames } = splitEnvelope([b('id'), b(''), b('req')]);
  t.deepEqual(envelope.map(String), ['id', '']);
  t.deepEqual(frames.map(String), ['req']);
});

test('a request routed through proxies keeps every routing frame', (t) => {
  const { envelope, frames } = splitEnvelope([b('id1'), b('id2'), b(''), b('a'), b('b')]);
  t.deepEqual(envelope.map(String), ['id1', 'id2', '']);
  t.deepEqual(frames.map(String), ['a', 'b']);
});

test('a DEALER without a delimiter is answered the way it asked', (t) => {
  const { envelope, frames } = splitEnvelope([b('id'), b('req')]);
  t.deepEqual(envelope.map(String), ['id']);
  t.deepEqual(frames.map(String), ['req']);
});

test('an empty request after the delimiter leaves no frames (answered as invalid)', (t) => {
  const { envelope, frames } = splitEnvelope([b('id'), b('')]);
  t.deepEqual(envelope.map(String), ['id', '']);
  t.deepEqual(frames, []);
});

/**
 * The TCP probe: connects, writes the step's `send` if it has one, and reads
 * what the peer says back, reporting it as probe-result.ts does (status 0,
 * no headers, no certificate, url `tcp://host:port`).
 *
 * When the probe ends:
 * - with an expected pattern: once what was read matches it; or when the
 *   peer closes (the answer is what was read, and the assertions find it
 *   does not match); more than maxBodyBytes, or no match within the
 *   timeout, is a failure (body_too_large, timeout);
 * - without one: once connected and `send` is written (a connect check, or a
 *   line sent to a service that does not answer). What had arrived by then
 *   is the answer.
 * firstByteMs is when the first byte arrived, or the end when none did.
 */
import * as net from 'node:net';
import type { TcpRequest } from './check';
import { ProbeClock } from './probe-clock';
import { connectionFailure, endpoint, Failure, Peer } from './probe-failure';
import type { ProbeOptions, ProbeResult } from './probe-result';

export interface TcpProbeOptions extends ProbeOptions {
  /** Read until what was read matches this (its g and y flags ignored). */
  expectBody?: RegExp;
}

/** The first bytes of what was read, for a message: printable, quoted, and cut short. */
function preview(data: Buffer): string {
  const text = data.subarray(0, 64).toString('latin1').replace(/[^\x20-\x7e]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '.'));
  return `"${text}${data.length > 64 ? '...' : ''}"`;
}

export function probeTcp(request: TcpRequest, opts: TcpProbeOptions): Promise<ProbeResult> {
  const peer: Peer = { host: request.host, port: request.port };
  const where = endpoint(peer.host, peer.port);
  const clock = ProbeClock.forHost(peer.host, false);
  // A fresh expression without g or y: test() on those moves lastIndex, and a second test would start past the match.
  const expect = opts.expectBody ? new RegExp(opts.expectBody.source, opts.expectBody.flags.replace(/[gy]/g, '')) : null;

  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const socket = net.connect({ host: peer.host, port: peer.port });
    clock.watch(socket);

    const settle = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const read = (): Buffer => Buffer.concat(chunks, size);
    const answer = (): void => settle({ ok: true, status: 0, headers: {}, body: read(), timings: clock.complete(), cert: null, url: `tcp://${where}` });
    const fail = (failure: Failure): void => settle({ ok: false, ...failure, timings: clock.partial() });

    const timer = setTimeout(() => {
      const phase = clock.phase;
      const waiting =
        phase === 'dns' ? `${peer.host} was still being resolved`
        : phase === 'connect' ? `the connection to ${where} was not yet made`
        : expect ? `${where} had not sent anything matching ${expect} (${size} bytes read${size > 0 ? `: ${preview(read())}` : ''})`
        : `${where} had not taken what was sent`;
      fail({ reason: 'timeout', message: `no complete answer within ${opts.timeoutMs} ms: ${waiting}` });
    }, opts.timeoutMs);

    socket.on('error', (err) => fail(connectionFailure(err, peer, clock.phase, size)));
    socket.on('connect', () => {
      const sent = (): void => {
        if (!expect) answer();
      };
      if (request.send !== null && request.send !== '') socket.write(request.send, sent);
      else sent();
    });
    socket.on('data', (chunk: Buffer) => {
      clock.markFirstByte();
      size += chunk.length;
      if (size > opts.maxBodyBytes) {
        fail({ reason: 'body_too_large', message: `${where} sent more than the limit of ${opts.maxBodyBytes} bytes${expect ? ` without matching ${expect}` : ''}` });
        return;
      }
      chunks.push(chunk);
      if (expect?.test(read().toString('utf8'))) answer();
    });
    // The peer closed its side: what it said is all there will be.
    socket.on('end', answer);
    socket.on('close', () => {
      if (!settled) answer();
    });
  });
}

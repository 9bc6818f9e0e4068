/**
 * The statsd lines of one check run, for oxd's statsd port (and so
 * Graphite): a timer of the whole run, and a counter of its outcome, under
 * `poke.<check>.` (the check's name is a valid metric name by the file's
 * rules).
 */
import * as dgram from 'node:dgram';
import type { Endpoint } from '../protocol/endpoint';
import type { CheckResult } from './run-check';

export function pokeMetricLines(run: CheckResult): string[] {
  const prefix = `poke.${run.name}`;
  return [`${prefix}.time:${Math.round(run.totalMs * 1000) / 1000}|ms`, `${prefix}.${run.judgement.outcome.toLowerCase()}:1|c`];
}

/** Sends the lines in one datagram; a statsd port that is not there loses them, as statsd clients do. */
export function sendMetricLines(to: Endpoint, lines: string[]): Promise<void> {
  if (lines.length === 0) return Promise.resolve();
  const socket = dgram.createSocket(to.host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    socket.send(Buffer.from(lines.join('\n')), to.port, to.host, () => {
      socket.close();
      resolve();
    });
  });
}

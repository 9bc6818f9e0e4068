/**
 * What the runs of one check share under load (`oxpoke load`): connections
 * kept open from one run to the next, as wrk and autocannon keep them, and
 * each step's TLS options read once.
 *
 * A one-shot probe (`oxpoke run`, the service) makes a connection of its own
 * and reads the TLS files again, so its timings say what a new client meets
 * and a renewed certificate is used at once. Under load that would measure
 * the connection set-up and the file reads more than the service, and bound
 * the rate at what the load generator's CPU can do; here the http.Agent
 * keeps up to `maxSockets` connections per host and hands a free one to the
 * next request. A reused connection has no lookup, connect or handshake: its
 * timings show them as taking no time (probe-clock.ts).
 *
 * Node's https.Agent pools connections by host, port and the TLS options it
 * knows of, which do not include a secure context: steps whose TLS files
 * differ (another client certificate) get an agent of their own, so a
 * connection made with one certificate never carries another step's request.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as tls from 'node:tls';
import type { Check } from './check';
import type { HttpProber, LoadPool } from './load-pool';
import type { ProbeOptions } from './probe-result';
import { tlsConnectionOptions } from './tls-context';

/** The agent for each scheme: a redirect may go from one to the other. */
export interface ProbeAgents {
  http: http.Agent;
  https: https.Agent;
}

/**
 * What a step's probes share; passed to runCheck, one per step. `http`: the
 * probe for its HTTP requests, when not the HTTP probe itself (load-pool.ts).
 */
export type SharedProbeOptions = Pick<ProbeOptions, 'agents' | 'tls'> & { http?: HttpProber };

export class KeepAlivePool {
  private readonly options: http.AgentOptions;
  private readonly plain: http.Agent;
  private readonly secure = new Map<tls.SecureContext | undefined, https.Agent>();

  /** @param maxSockets connections per host at most (the concurrency); undefined: as many as the runs in flight need. */
  constructor(maxSockets?: number) {
    // As many kept free as may be open: a closed-loop run returns every connection between two of its requests.
    this.options = { keepAlive: true, scheduling: 'lifo', ...(maxSockets === undefined ? {} : { maxSockets, maxFreeSockets: maxSockets }) };
    this.plain = new http.Agent(this.options);
  }

  /** The agents for a step whose TLS options use `context` (undefined: Node's default trust, no client certificate). */
  agents(context: tls.SecureContext | undefined): ProbeAgents {
    let agent = this.secure.get(context);
    if (agent === undefined) {
      agent = new https.Agent(this.options);
      this.secure.set(context, agent);
    }
    return { http: this.plain, https: agent };
  }

  /** Closes every connection, busy or free. */
  destroy(): void {
    this.plain.destroy();
    for (const agent of this.secure.values()) agent.destroy();
  }
}

/**
 * For each step of `check`: its TLS options read now, the pool's agents when connections are kept open,
 * and with `own` the probe that makes the step's plain-HTTP requests on its own connections.
 */
export async function prepareSteps(check: Check, pool: KeepAlivePool | null, own: LoadPool | null = null): Promise<SharedProbeOptions[]> {
  const shared: SharedProbeOptions[] = [];
  for (const step of check.steps) {
    if (step.request.kind !== 'http') {
      shared.push({});
      continue;
    }
    // A file that cannot be read fails every HTTPS probe of the step with this message (reason tls), as it would one by one.
    const tls = await tlsConnectionOptions(step.request.tls);
    const context = typeof tls === 'string' ? undefined : tls.secureContext;
    const agents = pool === null ? {} : { agents: pool.agents(context) };
    shared.push(own === null ? { tls, ...agents } : { tls, ...agents, http: own.prober() });
  }
  return shared;
}

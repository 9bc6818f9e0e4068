/**
 * The Elasticsearch nodes oxstash sends to, as users write them with `-e`:
 * `host`, `host:port`, `[v6addr]:port`, optionally with `http://` or
 * `https://`, credentials (`https://user:pass@host`) and a path prefix
 * (a proxy's `https://proxy/es`). The port defaults to 9200 whatever the scheme.
 *
 * Requests go round robin. A node that fails to answer (connection refused or
 * reset, timeout, 502/503/504) is skipped for a while: 5 s after its first
 * failure, doubling with each further one up to 5 minutes; an answer brings it
 * back. When every node is being skipped, the one that comes back first is
 * tried anyway.
 */
import { BlueOxError } from '../errors';

export const DEFAULT_NODE = 'localhost:9200';
export const DEFAULT_ES_PORT = 9200;

export interface NodeSpec {
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
  /** Path prefix without a trailing slash ("" for none). */
  prefix: string;
  /** `user:password` from the URL, or null. */
  auth: string | null;
  /** How the node is shown in messages: never with credentials. */
  label: string;
}

export function parseNode(spec: string): NodeSpec {
  const text = spec.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new BlueOxError('ENODE', `"${spec}" is not an Elasticsearch node: use host[:port] or http(s)://host[:port][/prefix]`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BlueOxError('ENODE', `"${spec}": only http:// and https:// are supported`);
  }
  if (url.hostname === '') throw new BlueOxError('ENODE', `"${spec}" names no host`);
  if (url.search || url.hash) throw new BlueOxError('ENODE', `"${spec}": a node cannot have a query or fragment`);
  // URL drops a port that is the scheme's default (https://x:443): read it from the text.
  const authority = withScheme.replace(/^[^:]+:\/\//, '').split('/')[0].replace(/^.*@/, '');
  const explicit = /:(\d+)$/.exec(authority);
  const port = explicit ? Number(explicit[1]) : DEFAULT_ES_PORT;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const prefix = url.pathname.replace(/\/+$/, '');
  const auth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : null;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return { protocol: url.protocol, host, port, prefix, auth, label: `${url.protocol}//${shownHost}:${port}${prefix}` };
}

/** Every `-e` value, each possibly a comma-separated list; the default node when none. */
export function parseNodes(values: string[]): NodeSpec[] {
  const specs = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  return (specs.length ? specs : [DEFAULT_NODE]).map(parseNode);
}

const FIRST_SKIP_MS = 5_000;
const MAX_SKIP_MS = 300_000;

interface NodeState {
  spec: NodeSpec;
  failures: number;
  skipUntil: number;
}

export class NodePool {
  private readonly nodes: NodeState[];
  private next = 0;

  constructor(
    specs: NodeSpec[],
    private readonly now: () => number = Date.now,
  ) {
    this.nodes = specs.map((spec) => ({ spec, failures: 0, skipUntil: 0 }));
  }

  get size(): number {
    return this.nodes.length;
  }

  /** The next node in turn that is not being skipped, or the one skipped the shortest. */
  pick(): NodeSpec {
    const t = this.now();
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[(this.next + i) % this.nodes.length];
      if (n.skipUntil <= t) {
        this.next = (this.next + i + 1) % this.nodes.length;
        return n.spec;
      }
    }
    return this.nodes.reduce((a, b) => (b.skipUntil < a.skipUntil ? b : a)).spec;
  }

  /** True when some node other than `spec` is not being skipped. */
  hasOtherUp(spec: NodeSpec): boolean {
    const t = this.now();
    return this.nodes.some((n) => n.spec !== spec && n.skipUntil <= t);
  }

  /** The node failed to answer; returns how long it will be skipped (ms). */
  failed(spec: NodeSpec): number {
    const n = this.state(spec);
    n.failures++;
    const ms = Math.min(MAX_SKIP_MS, FIRST_SKIP_MS * 2 ** (n.failures - 1));
    n.skipUntil = this.now() + ms;
    return ms;
  }

  /** The node answered; returns true when it had been failing. */
  answered(spec: NodeSpec): boolean {
    const n = this.state(spec);
    const was = n.failures > 0;
    n.failures = 0;
    n.skipUntil = 0;
    return was;
  }

  private state(spec: NodeSpec): NodeState {
    const n = this.nodes.find((x) => x.spec === spec);
    if (!n) throw new Error('unknown node');
    return n;
  }
}

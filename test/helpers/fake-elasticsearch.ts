/**
 * A stand-in for Elasticsearch's bulk API, for oxstash's tests (no real
 * Elasticsearch can be installed here: it is not in Debian's archive and no
 * other registry is reachable). A real HTTP(S) server on 127.0.0.1:0 that
 * behaves as Elasticsearch 8 does for what oxstash uses:
 * - `POST|PUT [/prefix]/_bulk` (and `/{index}/_bulk`) only; other paths 400 as ES answers them;
 * - Content-Type application/json or application/x-ndjson, else 406;
 * - the NDJSON body: an action line (`index`, `create` or `delete`, with the
 *   parameters ES knows; `_type` is refused as in ES 8), then the source;
 *   the body must end with "\n"; malformed lines, a missing index or source
 *   fail the whole request with 400 and an ES-shaped error;
 * - per item: index name rules (invalid_index_name_exception), source JSON
 *   (mapper_parsing_exception), dynamic mapping conflicts (a field first seen
 *   as a number, object or string refusing another kind), `create` on an
 *   existing id (409), `index` replacing (200 "updated") or creating (201);
 * - basic authentication when configured (401 security_exception).
 * Faults to order: whole-request statuses (429, 500, 503...), answers delayed
 * past the client's timeout (documents indexed or not), dropped connections,
 * and items failed with 429 or 400 (mapper_parsing_exception).
 */
import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'delay'; ms: number; index: boolean }
  | { kind: 'drop'; index: boolean }
  /** Index, then answer only when `until` resolves (if the client is still there). */
  | { kind: 'hold'; until: Promise<void> };
export interface ItemFault { status: 429 | 400; type?: string; reason?: string }
export interface FakeEsOptions { tls?: { key: string | Buffer; cert: string | Buffer }; auth?: { user: string; password: string }; prefix?: string }
export interface RequestRecord { method: string; path: string; status: number | 'dropped'; documents: number; fault: Fault | null }
type Doc = Record<string, unknown>;
type ItemRule = { match: (doc: Doc, index: string) => boolean; fault: ItemFault; times: number };

const REASONS: Record<number, [string, string]> = {
  429: ['es_rejected_execution_exception', 'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=1, max_coordinating_and_primary_bytes=0]'],
  500: ['exception', 'java.lang.IllegalStateException: fake internal error'],
  502: ['bad_gateway', 'Bad Gateway'],
  503: ['cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];'],
};
const ACTION_PARAMS = new Set(['_index', '_id', 'routing', 'pipeline', 'version', 'version_type', 'if_seq_no', 'if_primary_term', 'require_alias', 'dynamic_templates', 'op_type', 'retry_on_conflict', '_source']);

export function esError(type: string, reason: string, status: number, extra: Doc = {}): { error: Doc; status: number } {
  return { error: { root_cause: [{ type, reason, ...extra }], type, reason, ...extra }, status };
}

class BadRequest extends Error {
  constructor(readonly type: string, reason: string) {
    super(reason);
  }
}

function indexNameError(name: string): string | null {
  if (name !== name.toLowerCase()) return 'must be lowercase';
  if (/[\\/*?"<>| ,#:]/.test(name)) return 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]';
  if (/^[-_+]/.test(name)) return "must not start with '_', '-', or '+'";
  if (name === '' || name === '.' || name === '..' || Buffer.byteLength(name) > 255) return 'must not be empty, "." or ".." or longer than 255 bytes';
  return null;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'long' : 'float') : typeof v === 'string' ? 'text' : typeof v;
}

export class FakeElasticsearch extends EventEmitter {
  /** Documents by index, then by _id. */
  readonly indices = new Map<string, Map<string, Doc>>();
  readonly requests: RequestRecord[] = [];
  /** The document lines as they were sent, by `index/_id` (for tests of the exact JSON text). */
  readonly sourceText = new Map<string, string>();
  private readonly mappings = new Map<string, Map<string, string>>();
  private readonly faults: Fault[] = [];
  private readonly itemRules: ItemRule[] = [];
  private readonly sockets = new Set<Socket>();
  private nextSeq = 0;

  private constructor(private readonly server: http.Server, private readonly options: FakeEsOptions) {
    super();
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  static async start(options: FakeEsOptions = {}): Promise<FakeElasticsearch> {
    let fake: FakeElasticsearch | null = null;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => fake!.handle(req, res);
    const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
    fake = new FakeElasticsearch(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `127.0.0.1:port`, as given to `oxstash -e`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The next `times` requests get `fault` (faults queue up in order). */
  failRequests(times: number, fault: Fault): void {
    for (let i = 0; i < times; i++) this.faults.push(fault);
  }

  /** Items whose source matches fail with `fault`, `times` times each rule (Infinity for always). */
  failItems(match: (doc: Doc, index: string) => boolean, fault: ItemFault, times = Infinity): void {
    this.itemRules.push({ match, fault, times });
  }

  /** Every stored document, with its index and _id. */
  documents(): { index: string; id: string; source: Doc }[] {
    return [...this.indices].flatMap(([index, docs]) => [...docs].map(([id, source]) => ({ index, id, source })));
  }

  get count(): number {
    return [...this.indices.values()].reduce((n, m) => n + m.size, 0);
  }

  /** Resolves once `pred` holds, checked after every request. */
  waitUntil(pred: (es: FakeElasticsearch) => boolean, timeoutMs = 20_000): Promise<void> {
    if (pred(this)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('request', check);
        reject(new Error(`fake Elasticsearch: timed out with ${this.count} documents after ${this.requests.length} requests`));
      }, timeoutMs);
      const check = (): void => {
        if (!pred(this)) return;
        clearTimeout(timer);
        this.off('request', check);
        resolve();
      };
      this.on('request', check);
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private record(req: http.IncomingMessage, status: number | 'dropped', documents: number, fault: Fault | null): void {
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', status, documents, fault });
    this.emit('request');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => this.answer(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: unknown, documents: number, fault: Fault | null, headers: http.OutgoingHttpHeaders = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch', ...headers });
    res.end(JSON.stringify(body));
    this.record(req, status, documents, fault);
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const started = Date.now();
    const prefix = this.options.prefix ?? '';
    const path = (req.url ?? '').split('?')[0];
    const route = path.startsWith(`${prefix}/`) ? /^\/(?:([^/_][^/]*)\/)?_bulk$/.exec(path.slice(prefix.length)) : null;
    if (this.options.auth) {
      const want = `Basic ${Buffer.from(`${this.options.auth.user}:${this.options.auth.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        const reason = req.headers.authorization ? `unable to authenticate user for REST request [${path}]` : `missing authentication credentials for REST request [${path}]`;
        return this.send(req, res, 401, esError('security_exception', reason, 401), 0, null, { 'www-authenticate': 'Basic realm="security" charset="UTF-8"' });
      }
    }
    if (!route || (req.method !== 'POST' && req.method !== 'PUT')) {
      return this.send(req, res, 400, { error: `no handler found for uri [${req.url}] and method [${req.method}]` }, 0, null);
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/x-ndjson') {
      return this.send(req, res, 406, { error: `Content-Type header [${req.headers['content-type'] ?? ''}] is not supported`, status: 406 }, 0, null);
    }
    let ops: { action: string; index: string; id: string | null; source: string | null }[];
    try {
      ops = this.parse(body, route[1] ?? null);
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      return this.send(req, res, 400, esError(err.type, err.message, 400), 0, null);
    }
    const fault = this.faults.shift() ?? null;
    if (fault?.kind === 'status') {
      const [t, reason] = REASONS[fault.status] ?? ['exception', `fake status ${fault.status}`];
      return this.send(req, res, fault.status, esError(t, reason, fault.status), ops.length, fault);
    }
    const indexing = fault === null || fault.kind === 'hold' || fault.index;
    const items = indexing ? ops.map((op) => this.apply(op)) : [];
    const answer = { took: Date.now() - started, errors: items.some((i) => Object.values(i)[0].error), items };
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return this.record(req, 'dropped', ops.length, fault);
    }
    if (fault?.kind === 'delay' || fault?.kind === 'hold') {
      let gone = false;
      const reply = (): void => {
        if (!gone) this.send(req, res, 200, answer, ops.length, fault);
      };
      const timer = fault.kind === 'delay' ? setTimeout(reply, fault.ms) : null;
      if (fault.kind === 'hold') void fault.until.then(reply);
      res.once('close', () => {
        if (res.writableEnded) return;
        gone = true;
        if (timer) clearTimeout(timer);
        this.record(req, 'dropped', ops.length, fault);
      });
      this.emit('held', ops.length);
      return;
    }
    this.send(req, res, 200, answer, ops.length, null);
  }

  private parse(body: string, defaultIndex: string | null): { action: string; index: string; id: string | null; source: string | null }[] {
    if (body === '') throw new BadRequest('parse_exception', 'request body is required');
    if (!body.endsWith('\n')) throw new BadRequest('illegal_argument_exception', 'The bulk request must be terminated by a newline [\\n]');
    const lines = body.slice(0, -1).split('\n');
    const ops = [];
    const missing: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(lines[i]);
      } catch {
        throw new BadRequest('x_content_parse_exception', `[1:1] Unexpected character: was expecting a JSON object in action/metadata line [${i + 1}]`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new BadRequest('illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected START_OBJECT or END_OBJECT but found [VALUE_STRING]`);
      }
      const keys = Object.keys(parsed);
      const action = keys[0];
      if (keys.length !== 1 || !['index', 'create', 'delete'].includes(action)) {
        throw new BadRequest('illegal_argument_exception', `Malformed action/metadata line [${i + 1}], expected field [create], [delete], [index] or [update] but found [${action}]`);
      }
      const meta = (parsed as Record<string, Record<string, unknown>>)[action] ?? {};
      for (const k of Object.keys(meta)) {
        if (!ACTION_PARAMS.has(k)) throw new BadRequest('illegal_argument_exception', `Action/metadata line [${i + 1}] contains an unknown parameter [${k}]`);
      }
      const index = typeof meta._index === 'string' ? meta._index : defaultIndex;
      if (index === null) missing.push(`${missing.length + 1}: index is missing;`);
      const id = meta._id === undefined ? null : String(meta._id);
      let source: string | null = null;
      if (action !== 'delete') {
        if (i + 1 >= lines.length) missing.push(`${missing.length + 1}: source is missing;`);
        else source = lines[++i];
      }
      ops.push({ action, index: index ?? '', id, source });
    }
    if (missing.length) throw new BadRequest('action_request_validation_exception', `Validation Failed: ${missing.join(' ')}`);
    return ops;
  }

  private apply(op: { action: string; index: string; id: string | null; source: string | null }): Record<string, Doc> {
    const fail = (status: number, type: string, reason: string, extra: Doc = {}): Record<string, Doc> => ({
      [op.action]: { _index: op.index, _id: op.id, status, error: { type, reason, ...extra } },
    });
    const nameProblem = indexNameError(op.index);
    if (nameProblem) return fail(400, 'invalid_index_name_exception', `Invalid index name [${op.index}], ${nameProblem}`, { index_uuid: '_na_', index: op.index });
    const docs = this.indices.get(op.index) ?? new Map<string, Doc>();
    if (op.action === 'delete') {
      const found = op.id !== null && docs.delete(op.id);
      return { delete: { _index: op.index, _id: op.id, result: found ? 'deleted' : 'not_found', status: found ? 200 : 404 } };
    }
    let doc: Doc;
    try {
      doc = JSON.parse(op.source!) as Doc;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not an object');
    } catch (err) {
      return fail(400, 'mapper_parsing_exception', 'failed to parse', { caused_by: { type: 'json_parse_exception', reason: (err as Error).message } });
    }
    const rule = this.itemRules.find((r) => r.times > 0 && r.match(doc, op.index));
    if (rule) {
      rule.times--;
      const [type, reason] = rule.fault.status === 429 ? REASONS[429] : [rule.fault.type ?? 'mapper_parsing_exception', rule.fault.reason ?? 'failed to parse field [body] of type [text]'];
      return fail(rule.fault.status, type, reason);
    }
    const conflict = this.mapFields(op.index, doc, '');
    if (conflict) return fail(400, 'mapper_parsing_exception', conflict);
    const id = op.id ?? `fake${(this.nextSeq + 1).toString(36).padStart(16, '0')}`;
    const exists = docs.has(id);
    if (exists && op.action === 'create') return fail(409, 'version_conflict_engine_exception', `[${id}]: version conflict, document already exists (current version [1])`);
    docs.set(id, doc);
    this.sourceText.set(`${op.index}/${id}`, op.source!);
    this.indices.set(op.index, docs);
    const shards = { total: 2, successful: 1, failed: 0 };
    return { [op.action]: { _index: op.index, _id: id, _version: 1, result: exists ? 'updated' : 'created', _shards: shards, _seq_no: this.nextSeq++, _primary_term: 1, status: exists ? 200 : 201 } };
  }

  /** Dynamic mapping as ES does it, reduced to kinds: the first kind seen for a field stays. */
  private mapFields(index: string, doc: Doc, path: string): string | null {
    const mapping = this.mappings.get(index) ?? new Map<string, string>();
    this.mappings.set(index, mapping);
    for (const [key, value] of Object.entries(doc)) {
      const field = path + key;
      if (value === null || Array.isArray(value)) continue;
      const kind = kindOf(value);
      const known = mapping.get(field);
      if (known === undefined) mapping.set(field, kind);
      else if ((known === 'object') !== (kind === 'object')) {
        return known === 'object' ? `object mapping for [${field}] tried to parse field [${key}] as object, but found a concrete value` : `failed to parse field [${field}] of type [${known}] in document`;
      } else if ((known === 'long' || known === 'float') && kind === 'text' && Number.isNaN(Number(value))) {
        return `failed to parse field [${field}] of type [${known}] in document. Preview of field's value: '${value}'`;
      }
      if (kind === 'object') {
        const inner = this.mapFields(index, value as Doc, `${field}.`);
        if (inner) return inner;
      }
    }
    return null;
  }
}

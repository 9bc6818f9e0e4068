/**
 * One `POST /_bulk` to one node over node:http or node:https: the NDJSON
 * body, a time limit on the whole exchange (connect, send, answer), and the
 * answer's status and body. Connections are kept alive between requests.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { NodeSpec } from './nodes';

export interface BulkAnswer {
  status: number;
  body: string;
}

/** No answer: the connection failed, was dropped, or the time limit passed. */
export class NoAnswer extends Error {
  constructor(
    message: string,
    /** The request went out on a kept-alive connection the server had already closed. */
    readonly staleConnection: boolean,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

export interface HttpSettings {
  timeoutMs: number;
  /** `user:password` for every node without its own in the URL, or null. */
  auth: string | null;
  /** Extra trusted CA certificates (PEM) for https, or undefined for the system's. */
  ca?: string | Buffer;
}

/** Elasticsearch refuses bodies past http.max_content_length (100 MB by default); stop reading answers well before memory matters. */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

export class BulkClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent: https.Agent;

  constructor(private readonly settings: HttpSettings) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: settings.ca });
  }

  send(node: NodeSpec, body: string, signal?: AbortSignal): Promise<BulkAnswer> {
    const payload = Buffer.from(body, 'utf8');
    const auth = node.auth ?? this.settings.auth;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/x-ndjson',
      'content-length': payload.length,
      accept: 'application/json',
    };
    if (auth !== null) headers.authorization = `Basic ${Buffer.from(auth, 'utf8').toString('base64')}`;
    const options: https.RequestOptions = {
      method: 'POST',
      host: node.host,
      port: node.port,
      path: `${node.prefix}/_bulk`,
      headers,
      agent: node.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
    };
    const request = node.protocol === 'https:' ? https.request : http.request;
    return new Promise<BulkAnswer>((resolve, reject) => {
      let settled = false;
      let timedOut = false;
      const finish = (err: Error | null, answer?: BulkAnswer): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(answer!);
      };
      const req = request(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error('the answer is too large'));
          else chunks.push(d);
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => fail(err));
        res.on('close', () => {
          if (!res.complete) fail(new Error('the connection closed in the middle of the answer'));
        });
      });
      const fail = (err: Error & { code?: string }): void => {
        const text = err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
        finish(new NoAnswer(text, req.reusedSocket && !timedOut && err.code === 'ECONNRESET', timedOut));
      };
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${this.settings.timeoutMs / 1000} s`));
      }, this.settings.timeoutMs);
      const onAbort = (): void => {
        req.destroy(new Error('interrupted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(payload);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

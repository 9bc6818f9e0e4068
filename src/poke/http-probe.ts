/**
 * The HTTP(S) probe: makes a step's request, follows its redirects, and
 * reports exactly what came back (probe-result.ts), or why nothing did.
 *
 * - One timeout covers the whole probe, redirects included.
 * - Redirects (301, 302, 303, 307, 308 with a Location, relative ones
 *   resolved against the URL that sent them) are followed up to
 *   `request.redirects`; one more is a failure (reason redirects), and so is
 *   coming back to a request already made (a loop). With `redirects = 0` the
 *   3xx answer itself is the answer, for the assertions to judge. As
 *   browsers do, 303 (and 301, 302 after a POST) turn the request into a GET
 *   without a body; a redirect to another origin drops the authorization,
 *   cookie and host headers the check set.
 * - Timings after redirects are each milestone summed over the hops (dnsMs
 *   is all the time spent resolving, connectMs that plus all the time spent
 *   connecting, ...), and totalMs is the whole probe.
 * - TLS settings as tls-context.ts makes them (or as given, read once, under
 *   load); the certificate reported (also when not verified) is the one of
 *   the last hop, null if it was plain HTTP.
 * - Each hop on a connection of its own, unless the options bring agents
 *   that keep connections open (probe-agents.ts, for `oxpoke load`).
 */
import { performance } from 'node:perf_hooks';
import type * as tls from 'node:tls';
import type { HttpRequest } from './check';
import { exchange } from './http-exchange';
import { sumTimings } from './probe-clock';
import type { ProbeOptions, ProbeResult, Timings } from './probe-result';
import { tlsConnectionOptions } from './tls-context';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that describe a body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location', 'transfer-encoding']);
/** Headers meant for the origin the check names, not for wherever it redirects to. */
const ORIGIN_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'host']);

/** A failure before any connection was made. */
function failure(reason: 'protocol' | 'tls', message: string, start: number): ProbeResult {
  return { ok: false, reason, message, timings: { dnsMs: null, connectMs: null, tlsMs: null, firstByteMs: null, totalMs: performance.now() - start } };
}

/** The URL to probe, or why it cannot be: only http and https are. */
function parseUrl(text: string, base?: URL): URL | string {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    return base ? `${base.href} redirected to "${text}", which is not a URL` : `"${text}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${base ? `${base.href} redirected to ${url.href}: ` : `${url.href}: `}only http and https URLs can be probed`;
  }
  return url;
}

/** The first URLs of probes, parsed: under load the same text comes again and again. Emptied when full (captured values make new ones). */
const firstUrls = new Map<string, URL | string>();
const MAX_FIRST_URLS = 256;

function parseFirstUrl(text: string): URL | string {
  let url = firstUrls.get(text);
  if (url === undefined) {
    url = parseUrl(text);
    if (firstUrls.size >= MAX_FIRST_URLS) firstUrls.clear();
    firstUrls.set(text, url);
  }
  return url;
}

/** The method and body after a redirect with `status`, as browsers follow it. */
function redirectedMethod(status: number, method: string): { method: string; keepsBody: boolean } {
  const upper = method.toUpperCase();
  if ((status === 303 && upper !== 'GET' && upper !== 'HEAD') || ((status === 301 || status === 302) && upper === 'POST')) {
    return { method: 'GET', keepsBody: false };
  }
  return { method, keepsBody: true };
}

export async function probeHttp(request: HttpRequest, opts: ProbeOptions): Promise<ProbeResult> {
  const start = performance.now();
  const deadline = start + opts.timeoutMs;
  // Shared, so never changed: each redirect is a new URL.
  const first = parseFirstUrl(request.url);
  if (typeof first === 'string') return failure('protocol', first, start);

  let url = first;
  let method = request.method;
  let headers = request.headers;
  let body = request.body;
  let secure: tls.ConnectionOptions | null = null;
  const follow = request.redirects > 0;
  const made = [`${method} ${url.href}`];
  const hops: Timings[] = [];

  for (;;) {
    if (url.protocol === 'https:' && secure === null) {
      const options = opts.tls ?? (await tlsConnectionOptions(request.tls));
      if (typeof options === 'string') return failure('tls', options, start);
      secure = options;
    }
    const outcome = await exchange(
      { url, method, headers, body, tls: secure ?? {} },
      {
        deadline,
        timeoutMs: opts.timeoutMs,
        maxBodyBytes: opts.maxBodyBytes,
        agent: opts.agents === undefined ? false : url.protocol === 'https:' ? opts.agents.https : opts.agents.http,
        wantsBody: (status, answer) => !(follow && REDIRECTS.has(status) && answer.location),
      },
    );
    if (!outcome.ok) return { ok: false, reason: outcome.reason, message: outcome.message, timings: sumTimings(hops, outcome.timings, start) };
    const timings = sumTimings(hops, outcome.timings, start);

    const location = outcome.headers.location;
    if (!(follow && REDIRECTS.has(outcome.status) && location)) {
      return { ok: true, status: outcome.status, headers: outcome.headers, body: outcome.body, timings, cert: outcome.cert, url: url.href };
    }

    const next = parseUrl(location, url);
    if (typeof next === 'string') return { ok: false, reason: 'protocol', message: next, timings };
    const turned = redirectedMethod(outcome.status, method);
    const key = `${turned.method} ${next.href}`;
    const chain = [...made.map((m) => m.slice(m.indexOf(' ') + 1)), next.href].join(' -> ');
    if (made.includes(key)) return { ok: false, reason: 'redirects', message: `redirect loop: ${chain}`, timings };
    // made holds the first request and each redirect followed so far.
    if (made.length > request.redirects) {
      const allowed = `${request.redirects} redirect${request.redirects === 1 ? '' : 's'}`;
      return { ok: false, reason: 'redirects', message: `more than ${allowed}: ${chain}`, timings };
    }

    const sameOrigin = next.origin === url.origin;
    headers = headers.filter(([name]) => {
      const lower = name.toLowerCase();
      return (turned.keepsBody || !BODY_HEADERS.has(lower)) && (sameOrigin || !ORIGIN_HEADERS.has(lower));
    });
    if (!turned.keepsBody) body = null;
    method = turned.method;
    url = next;
    made.push(key);
    hops.push(outcome.timings);
  }
}

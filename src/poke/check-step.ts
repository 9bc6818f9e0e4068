/**
 * One request of a check file and what its answer must be: a `[[check]]`
 * (one step) or a `[[scenario.step]]`. An HTTP step has `url`, a TCP step
 * `tcp`; the keys of the other kind are refused with a message saying so.
 * `${NAME}` in the URL, headers and body (and what a TCP step sends) must
 * name a value an earlier step of the same scenario captures.
 */
import * as net from 'node:net';
import { Capture, HttpRequest, Step, TcpRequest } from './check';
import { jsonValue, readExpect } from './check-expect';
import { Layer, readLayer } from './check-layer';
import { FileTable } from './file-table';
import { parseJsonPath } from './json-path';
import { CAPTURE_NAME, fillPlaceholders, placeholderNames } from './placeholders';

export const ALLOWED = {
  url: 'an http:// or https:// URL, such as "http://127.0.0.1:8080/health"',
  tcp: '"host:port": a host name or address (an IPv6 address in brackets) and a port from 1 to 65535',
  method: 'an HTTP method in capitals, such as GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS',
  body: 'a text, sent as written',
  send: 'a text, written once connected',
  expect: 'a table of what the answer must be',
  capture: 'a table of names, each { json = "$.path" }, { header = "name" } or { regex = "..." }',
  captureName: 'a capture name is 1 to 64 letters, digits and _, not starting with a digit',
  captureFrom: 'a table of one of json (a JSON path), header (a header name) or regex (a regular expression with a group)',
  oneRequest: 'a step makes one request: url (an http:// or https:// URL) or tcp ("host:port")',
  json: 'any TOML value but a date, inf or nan (it is sent as JSON)',
  oneBody: 'a request has one body: body (a text) or json (any TOML value, sent as JSON)',
};

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const COMMON_KEYS = ['expect', 'timeout', 'max_body'];
const HTTP_KEYS = ['url', 'method', 'headers', 'body', 'json', 'redirects', 'tls'];
const TCP_KEYS = ['tcp', 'send'];
const METHOD = /^[A-Z][A-Z_-]{0,31}$/;

export interface StepPlace {
  /** Keys the table may hold besides a step's and its name (a check's schedule; a scenario step's capture). */
  ownKeys: readonly string[];
  /** Why a key that is not allowed here is not (e.g. capture in a [[check]]). */
  elsewhere: Record<string, string>;
  /** `check` or `step`, for messages: "the keys of a url check are ...". */
  noun: string;
  /** Defaults from [defaults] and the scenario. */
  base: Layer;
  inScenario: boolean;
  /** The names earlier steps of the scenario capture. */
  captured: ReadonlySet<string>;
}

/** The step `t` describes, and the layer of settings it ran with (for a check's schedule). */
export function readStep(t: FileTable, place: StepPlace): { step: Step; layer: Layer } {
  const hasUrl = t.has('url');
  const hasTcp = t.has('tcp');
  if (hasUrl && hasTcp) throw t.error('tcp', `${t.name()} has both url and tcp`, ALLOWED.oneRequest);
  if (!hasUrl && !hasTcp) throw t.error(undefined, `${t.name()} has neither url nor tcp`, ALLOWED.oneRequest);
  const kind = hasUrl ? 'http' : 'tcp';
  const elsewhere: Record<string, string> = { ...place.elsewhere };
  for (const key of hasUrl ? TCP_KEYS : HTTP_KEYS) {
    elsewhere[key] = hasUrl ? `${key} is for tcp ${place.noun}s, and this one has url` : `${key} is for url ${place.noun}s, and this one has tcp`;
  }
  t.only(['name', ...(hasUrl ? HTTP_KEYS : TCP_KEYS), ...COMMON_KEYS, ...place.ownKeys], `a ${hasUrl ? 'url' : 'tcp'} ${place.noun}`, elsewhere);

  const layer = readLayer(t, place.base);
  const request = kind === 'http' ? readHttp(t, layer, place) : readTcp(t, place);
  const https = request.kind === 'http' && /^https:/i.test(request.url);
  const step: Step = {
    request,
    expect: readExpect(t.table('expect', ALLOWED.expect), kind, https),
    capture: readCaptures(t, kind),
    timeoutMs: layer.timeoutMs?.value ?? DEFAULT_TIMEOUT_MS,
    maxBodyBytes: layer.maxBodyBytes?.value ?? DEFAULT_MAX_BODY_BYTES,
  };
  return { step, layer };
}

function readHttp(t: FileTable, layer: Layer, place: StepPlace): HttpRequest {
  const url = t.string('url', ALLOWED.url, validUrl)!;
  usesCaptured(t, 'url', url, place);
  const headers = [...layer.headers.values()];
  for (const header of headers) usesCaptured(header.table, header.key, header.value[1], place);

  if (t.has('body') && t.has('json')) throw t.error('json', `${t.name()} has both body and json`, ALLOWED.oneBody);
  let body: string | null = null;
  if (t.has('body')) {
    body = t.string('body', ALLOWED.body, () => true)!;
    usesCaptured(t, 'body', body, place);
  } else if (t.has('json')) {
    body = JSON.stringify(jsonValue(t, 'json', t.get('json'), ALLOWED.json));
    usesCaptured(t, 'json', body, place);
    if (!layer.headers.has('content-type')) headers.push({ value: ['content-type', 'application/json'], table: t, key: 'json' });
  }

  const { tlsCert: cert, tlsKey: key } = layer;
  if ((cert === undefined) !== (key === undefined)) {
    const set = (cert ?? key)!;
    throw set.table.error(set.key, `${set.table.name(set.key)} is set without tls.${cert ? 'key' : 'cert'}`, 'a client certificate needs both tls.cert and tls.key');
  }
  return {
    kind: 'http',
    method: t.string('method', ALLOWED.method, (text) => METHOD.test(text)) ?? 'GET',
    url,
    headers: headers.map((header) => header.value),
    body,
    redirects: layer.redirects?.value ?? 0,
    tls: {
      verify: layer.tlsVerify?.value ?? true,
      ca: layer.tlsCa?.value ?? null,
      cert: layer.tlsCert?.value ?? null,
      key: layer.tlsKey?.value ?? null,
    },
  };
}

function validUrl(text: string): boolean {
  if (!/^https?:\/\/[^/?#]/i.test(text) || /\s/.test(text)) return false;
  // Placeholders stand for values only known when the scenario runs; anything will do here.
  const values = new Map(placeholderNames(text).map((name) => [name, 'x']));
  try {
    return new URL(fillPlaceholders(text, values)).hostname !== '';
  } catch {
    return false;
  }
}

function readTcp(t: FileTable, place: StepPlace): TcpRequest {
  const text = t.get('tcp');
  const match = typeof text === 'string' ? /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?)):(\d{1,5})$/.exec(text) : null;
  const port = Number(match?.[3]);
  if (match === null || port < 1 || port > 65535 || (match[1] !== undefined && !net.isIPv6(match[1]))) throw t.bad('tcp', ALLOWED.tcp);
  const send = t.string('send', ALLOWED.send) ?? null;
  if (send !== null) usesCaptured(t, 'send', send, place);
  return { kind: 'tcp', host: match[1] ?? match[2], port, send };
}

/** Refuses `${NAME}` in `text` unless an earlier step of the scenario captures NAME. */
function usesCaptured(t: FileTable, key: string, text: string, place: StepPlace): void {
  for (const name of placeholderNames(text)) {
    if (place.captured.has(name)) continue;
    const captured = [...place.captured].join(', ') || 'nothing';
    throw t.error(
      key,
      `${t.name(key)} uses \${${name}}, which no earlier step captures`,
      place.inScenario
        ? `\${NAME} is a value an earlier step of the scenario captures (so far: ${captured}); write $\${ for a literal \${`
        : `only the steps of a [[scenario]] capture values for \${NAME}; write $\${ for a literal \${`,
    );
  }
}

function readCaptures(t: FileTable, kind: 'http' | 'tcp'): Capture[] {
  const table = t.table('capture', ALLOWED.capture);
  const captures: Capture[] = [];
  for (const name of table?.keys() ?? []) {
    if (!CAPTURE_NAME.test(name)) throw table!.error(name, `${table!.name(name)} is not a capture name`, ALLOWED.captureName);
    const from = table!.table(name, ALLOWED.captureFrom)!;
    from.only(['json', 'header', 'regex'], from.name(), kind === 'tcp' ? { header: `a tcp step has no headers to capture from` } : {});
    if (from.keys().length !== 1) throw table!.bad(name, ALLOWED.captureFrom);
    if (from.has('json')) {
      const path = from.string('json', 'a JSON path such as "$.token"', (text) => parseJsonPath(text) !== undefined)!;
      captures.push({ name, from: { json: path } });
    } else if (from.has('header')) {
      const header = from.string('header', 'a header name', (text) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(text))!;
      captures.push({ name, from: { header: header.toLowerCase() } });
    } else {
      const regex = from.regex('regex');
      // The value is the first group; a pattern without one would capture nothing.
      if (new RegExp(`${regex.source}|`).exec('')!.length < 2) throw from.bad('regex', 'a regular expression with a group in parentheses (the value captured)');
      captures.push({ name, from: { regex } });
    }
  }
  return captures;
}

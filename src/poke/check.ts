/**
 * What an oxpoke check is, once its file has been read and checked
 * (check-file.ts): the request to make, what to expect of the answer, and
 * how often the service runs it. The vocabulary shared by the file reader,
 * the probes (http-probe.ts, tcp-probe.ts), the assertions and the output.
 * Times are milliseconds, sizes bytes.
 */

export type Outcome = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** A comparison of the value a JSON path finds. */
export type JsonExpectation =
  | { op: 'equal'; value: unknown }
  | { op: 'less'; value: number }
  | { op: 'greater'; value: number }
  | { op: 'contains'; value: unknown }
  | { op: 'exists'; value: boolean };

export interface Expectations {
  /** Allowed statuses: single values and inclusive ranges; null: any below 400. */
  status: Array<number | [number, number]> | null;
  /** Header name (lower case) -> a regular expression its value must match. */
  headers: Array<{ name: string; pattern: RegExp }>;
  /** A regular expression the body (HTTP) or what was read (TCP) must match. */
  body: RegExp | null;
  /** JSON path (as written, e.g. `$.result`) -> what its value must be. */
  json: Array<{ path: string; expect: JsonExpectation }>;
  /** Total time beyond which the outcome is WARNING, and CRITICAL; null: no limit. */
  warningMs: number | null;
  criticalMs: number | null;
  /** Days of certificate validity left under which the outcome is WARNING, and CRITICAL (HTTPS only). */
  certWarningDays: number | null;
  certCriticalDays: number | null;
}

/** Expectations that ask for nothing (any status below 400 passes); a new object each time, as readers fill it. */
export function noExpectations(): Expectations {
  return { status: null, headers: [], body: null, json: [], warningMs: null, criticalMs: null, certWarningDays: null, certCriticalDays: null };
}

export interface TlsOptions {
  /** Verify the server's certificate chain and name. */
  verify: boolean;
  /** Extra CA certificates (PEM file). */
  ca: string | null;
  /** A client certificate and its key (PEM files). */
  cert: string | null;
  key: string | null;
}

export interface HttpRequest {
  kind: 'http';
  method: string;
  /** May hold `${name}` placeholders for values captured by earlier steps. */
  url: string;
  headers: Array<[string, string]>;
  /** The body as sent (a `json` body is serialised and sent with content-type application/json). */
  body: string | null;
  /** Redirects followed at most; 0: none. */
  redirects: number;
  tls: TlsOptions;
}

export interface TcpRequest {
  kind: 'tcp';
  host: string;
  port: number;
  /** Written once connected; null: only connect. */
  send: string | null;
}

export type Request = HttpRequest | TcpRequest;

/** A value one step takes from its answer for the steps after it (`${name}`). */
export interface Capture {
  name: string;
  from: { json: string } | { header: string } | { regex: RegExp };
}

export interface Step {
  /** A scenario step's name, when the file gives one (for messages and results). */
  name?: string;
  request: Request;
  expect: Expectations;
  capture: Capture[];
  timeoutMs: number;
  /** The answer's body is read up to this many bytes; more is a failure (body_too_large). */
  maxBodyBytes: number;
}

export interface Schedule {
  intervalMs: number;
  /** Each run starts up to this much later than due, at random, so checks do not run in step. */
  jitterMs: number;
  /** Tries again right away this many times before a failure counts. */
  retries: number;
  /** The state changes when `failures` of the last `window` runs failed (N of M). */
  failures: number;
  window: number;
}

/** A check (one step) or a scenario (several, in order), as the file named it. */
export interface Check {
  name: string;
  /** The file and line it was defined at, for messages. */
  file: string;
  line: number;
  steps: Step[];
  schedule: Schedule;
}

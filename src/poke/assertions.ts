/**
 * Judging an answer against a step's expectations (check.ts): one result per
 * assertion, each with what was expected and what came, so that every failure
 * says which assertion, expected what, got what. The outcome is the worst
 * severity among the failed assertions, OK when all pass.
 *
 * Assertions, in this order, and their names:
 * - `status`: the HTTP status is one of the values or ranges; with no
 *   expectation, any status below 400 passes, and as check_http judges a
 *   status it was not told to expect, a 4xx is WARNING and a 5xx CRITICAL.
 *   Not judged for TCP (no status) unless statuses were expected.
 * - `header NAME`: the header is present and its value matches the pattern.
 * - `body`: the body, read as UTF-8 text, matches the pattern.
 * - `json PATH OP`: the body is JSON (a BOM is ignored) and the value at PATH
 *   (json-path.ts) passes the comparison: `equal` (deep; numbers by value),
 *   `contains` (a string holds the substring, an array holds an element equal
 *   to the value, an object has the key), `less` and `greater` (the value is a
 *   number, strictly), `exists` (true: the path finds a value, false: it does
 *   not).
 * - `time`: the total time is at most criticalMs (else CRITICAL) and at most
 *   warningMs (else WARNING); judged when a limit is set.
 * - `cert`: the server certificate's whole days left (rounded down) are more
 *   than certCriticalDays (else CRITICAL) and more than certWarningDays
 *   (else WARNING), as check_http -C counts them; judged when a limit is
 *   set. No certificate, or an expired one, is CRITICAL.
 * All failures but `time` and `cert` warnings and an unexpected 4xx are CRITICAL.
 */
import type { Expectations, JsonExpectation, Outcome } from './check';
import { select } from './json-path';

/** What a probe hands over to be judged (an HTTP response, or what a TCP check read). */
export interface Answer {
  /** The HTTP status; null for TCP. */
  status: number | null;
  /** Lower-case header names; a repeated header's values joined with ", ". Empty for TCP. */
  headers: Record<string, string>;
  /** The body as read (HTTP), or the bytes read after connecting (TCP). */
  body: Buffer;
  /** From the start of the request to the end of the body, in milliseconds. */
  totalMs: number;
  /** Days until the server certificate expires (negative once expired); null without TLS. */
  certDaysLeft: number | null;
}

export type Severity = 'CRITICAL' | 'WARNING';

export interface AssertionResult {
  /** e.g. "status", "header content-type", "json $.result equal", "time", "cert", or a failure reason. */
  name: string;
  ok: boolean;
  /** The outcome this assertion causes when it fails. */
  severity: Severity;
  /** What was expected, as text; empty when the probe got no answer to judge. */
  expected: string;
  got: string;
}

export interface Judgement {
  outcome: Outcome;
  results: AssertionResult[];
}

/** Expected and got texts are cut to this many characters, so one answer cannot flood a status line or an event. */
const SHOWN_CHARS = 200;

/** Judges an answer: every assertion the expectations ask for, in the order of the module comment. */
export function judge(expect: Expectations, answer: Answer): Judgement {
  const results: AssertionResult[] = [];
  if (answer.status !== null || expect.status !== null) results.push(statusResult(expect, answer.status));
  for (const h of expect.headers) {
    const value = answer.headers[h.name];
    results.push(
      result(`header ${h.name}`, value !== undefined && value.search(h.pattern) >= 0, 'CRITICAL', String(h.pattern),
        value === undefined ? 'no such header' : show(value)),
    );
  }
  if (expect.body !== null || expect.json.length > 0) results.push(...judgeContent(expect, answer.body));
  if (expect.warningMs !== null || expect.criticalMs !== null) {
    results.push(judgeLimit('time', answer.totalMs, expect.warningMs, expect.criticalMs));
  }
  if (expect.certWarningDays !== null || expect.certCriticalDays !== null) {
    results.push(judgeCert(answer.certDaysLeft, expect.certWarningDays, expect.certCriticalDays));
  }
  return { outcome: worst(results), results };
}

/** Bodies up to this size are remembered with their results (contentMemo). */
const MEMO_BYTES = 1024;

/**
 * For each step's expectations, the last body judged by its body and JSON assertions, and their results: under
 * load the same body comes again and again, and the same bytes are judged the same way, so they are compared
 * instead of decoded, parsed and described again. The results are shared between runs; nothing changes them.
 */
const contentMemo = new WeakMap<Expectations, { body: Buffer; results: AssertionResult[] }>();

/** The results of the `body` and `json` assertions for `body`. */
function judgeContent(expect: Expectations, body: Buffer): AssertionResult[] {
  const memo = contentMemo.get(expect);
  if (memo !== undefined && sameBytes(memo.body, body)) return memo.results;
  const results: AssertionResult[] = [];
  const text = body.toString('utf8');
  if (expect.body !== null) {
    const ok = text.search(expect.body) >= 0;
    results.push(result('body', ok, 'CRITICAL', String(expect.body), `${show(text)} (${body.length} bytes)`));
  }
  if (expect.json.length > 0) {
    const doc = parseJson(text);
    for (const j of expect.json) results.push(judgeJson(j.path, j.expect, doc));
  }
  if (body.length <= MEMO_BYTES) contentMemo.set(expect, { body: Buffer.from(body), results });
  return results;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  // A call into Buffer's native compare costs more than the loop for a small body.
  if (n > 64) return a.equals(b);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A probe that got no answer to judge: the reason (refused, dns, tls, timeout,
 * reset, body_too_large) names the one failed assertion, the message says what
 * happened.
 */
export function judgeFailure(reason: string, message: string): Judgement {
  return { outcome: 'CRITICAL', results: [result(reason, false, 'CRITICAL', '', message)] };
}

/** One line for a result: `json $.result equal: expected 4, got 5`, or `refused: connect ECONNREFUSED ...`. */
export function describeResult(r: AssertionResult): string {
  return r.expected === '' ? `${r.name}: ${r.got}` : `${r.name}: expected ${r.expected}, got ${r.got}`;
}

/** The worst severity of the failed results; OK when none failed. */
export function worst(results: AssertionResult[]): Outcome {
  let outcome: Outcome = 'OK';
  for (const r of results) {
    if (r.ok) continue;
    if (r.severity === 'CRITICAL') return 'CRITICAL';
    outcome = 'WARNING';
  }
  return outcome;
}

/** Milliseconds for people: a tenth below 10 ms, whole above. */
export function formatMs(ms: number): string {
  return ms < 10 ? `${Math.round(ms * 10) / 10} ms` : `${Math.round(ms)} ms`;
}

function result(name: string, ok: boolean, severity: Severity, expected: string, got: string): AssertionResult {
  return { name, ok, severity, expected, got };
}

function judgeStatus(allowed: Array<number | [number, number]> | null, status: number | null): AssertionResult {
  const got = status === null ? 'no status' : String(status);
  if (allowed === null) {
    // A check moved from check_http keeps its meaning: a client error warns, a server error is critical.
    const severity: Severity = status !== null && status >= 400 && status < 500 ? 'WARNING' : 'CRITICAL';
    return result('status', status !== null && status < 400, severity, 'below 400', got);
  }
  const ok = status !== null && allowed.some((a) => (typeof a === 'number' ? status === a : status >= a[0] && status <= a[1]));
  const expected = allowed.map((a) => (typeof a === 'number' ? String(a) : `${a[0]}-${a[1]}`));
  return result('status', ok, 'CRITICAL', expected.length === 1 ? expected[0] : `one of ${expected.join(', ')}`, got);
}

/** For each step's expectations, the last status judged and its result, shared by the runs that get the same status. */
const statusMemo = new WeakMap<Expectations, { status: number | null; result: AssertionResult }>();

function statusResult(expect: Expectations, status: number | null): AssertionResult {
  const memo = statusMemo.get(expect);
  if (memo !== undefined && memo.status === status) return memo.result;
  const r = judgeStatus(expect.status, status);
  statusMemo.set(expect, { status, result: r });
  return r;
}

type Parsed = { ok: true; doc: unknown } | { ok: false; error: string };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, doc: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function judgeJson(path: string, e: JsonExpectation, parsed: Parsed): AssertionResult {
  const name = `json ${path} ${e.op}`;
  const expected = expectedText(e);
  if (!parsed.ok) return result(name, false, 'CRITICAL', expected, `not JSON: ${parsed.error}`);
  const { found, value } = select(parsed.doc, path);
  if (e.op === 'exists') return result(name, found === e.value, 'CRITICAL', expected, found ? `present (${show(value)})` : 'absent');
  if (!found) return result(name, false, 'CRITICAL', expected, 'nothing');
  let ok: boolean;
  switch (e.op) {
    case 'equal':
      ok = deepEqual(value, e.value);
      break;
    case 'contains':
      ok = contains(value, e.value);
      break;
    case 'less':
    case 'greater':
      if (typeof value !== 'number') return result(name, false, 'CRITICAL', expected, `${show(value)} (not a number)`);
      ok = e.op === 'less' ? value < e.value : value > e.value;
      break;
  }
  return result(name, ok, 'CRITICAL', expected, show(value));
}

function expectedText(e: JsonExpectation): string {
  switch (e.op) {
    case 'equal':
      return show(e.value);
    case 'contains':
      return `containing ${show(e.value)}`;
    case 'less':
      return `less than ${e.value}`;
    case 'greater':
      return `greater than ${e.value}`;
    case 'exists':
      return e.value ? 'present' : 'absent';
  }
}

/** Equal as JSON values: numbers (and the file's integers read as bigint) by value, objects whatever their key order. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    // Loose equality compares a number and a bigint by mathematical value.
    return a == b;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && deepEqual(ra[k], rb[k]));
}

function contains(value: unknown, wanted: unknown): boolean {
  if (typeof value === 'string') return typeof wanted === 'string' && value.includes(wanted);
  if (Array.isArray(value)) return value.some((x) => deepEqual(x, wanted));
  if (typeof value === 'object' && value !== null) {
    return typeof wanted === 'string' && Object.prototype.hasOwnProperty.call(value, wanted);
  }
  return false;
}

function judgeLimit(name: string, ms: number, warningMs: number | null, criticalMs: number | null): AssertionResult {
  const got = formatMs(ms);
  if (criticalMs !== null && ms > criticalMs) return result(name, false, 'CRITICAL', `at most ${criticalMs} ms`, got);
  if (warningMs !== null && ms > warningMs) return result(name, false, 'WARNING', `at most ${warningMs} ms`, got);
  const limit = warningMs ?? criticalMs;
  return result(name, true, warningMs !== null ? 'WARNING' : 'CRITICAL', `at most ${limit} ms`, got);
}

function judgeCert(daysLeft: number | null, warningDays: number | null, criticalDays: number | null): AssertionResult {
  if (daysLeft === null) {
    return result('cert', false, 'CRITICAL', `more than ${criticalDays ?? warningDays} days left`, 'no certificate');
  }
  const got = daysLeft < 0 ? `expired ${days(-daysLeft)} ago` : `${days(daysLeft)} left`;
  // Whole days, as check_http counts them: 1.9 days left is 1, and a limit of 1 is then reached.
  const whole = Math.floor(daysLeft);
  // An expired certificate is CRITICAL even where only a warning limit was set.
  if ((criticalDays !== null && whole <= criticalDays) || daysLeft < 0) {
    return result('cert', false, 'CRITICAL', `more than ${criticalDays ?? warningDays} days left`, got);
  }
  if (warningDays !== null && whole <= warningDays) {
    return result('cert', false, 'WARNING', `more than ${warningDays} days left`, got);
  }
  const limit = warningDays ?? criticalDays;
  return result('cert', true, warningDays !== null ? 'WARNING' : 'CRITICAL', `more than ${limit} days left`, got);
}

/** Whole days, rounded down, so "0 days left" means less than one. */
function days(d: number): string {
  const n = Math.floor(d);
  return n === 1 ? '1 day' : `${n} days`;
}

/** A value as JSON text (strings quoted, so 4 and "4" differ), cut to SHOWN_CHARS. */
export function show(value: unknown): string {
  let s: string;
  if (value === undefined) s = 'nothing';
  // A replacer costs on every call: only a table or list may hold a bigint further in.
  else if (typeof value === 'object' && value !== null) s = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)) ?? String(value);
  else s = JSON.stringify(typeof value === 'bigint' ? Number(value) : value) ?? String(value);
  return s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS)}…` : s;
}

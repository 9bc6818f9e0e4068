/**
 * One run of a check: its steps in order (one for a check, several for a
 * scenario), each request made with the values earlier steps captured,
 * its answer judged, its captures taken. A step that fails critically (or
 * whose capture finds nothing) ends the run: later steps would only fail
 * for its sake. The result is what the output, the event and the metrics
 * are made of.
 */
import type { Check, Request, Step } from './check';
import { Answer, AssertionResult, judge, judgeFailure, Judgement, worst } from './assertions';
import { probeHttp } from './http-probe';
import { select } from './json-path';
import type { CheckRun } from './nagios';
import type { SharedProbeOptions } from './probe-agents';
import { fillPlaceholders, placeholderNames } from './placeholders';
import type { ProbeResult } from './probe-result';
import { probeTcp } from './tcp-probe';

export interface StepRun {
  /** The step's name in a scenario, else null. */
  name: string | null;
  /** What was asked, placeholders filled: `GET http://…` or `tcp host:port`. */
  request: string;
  result: ProbeResult;
  judgement: Judgement;
}

export interface CheckResult extends CheckRun {
  check: Check;
  steps: StepRun[];
  /** When the run started (epoch ms), and how long all its steps took. */
  startedAt: number;
  totalMs: number;
}

/**
 * @param shared for each step, what its probes share with the other runs of the check (`oxpoke load`:
 *   kept-alive connections, TLS options read once; probe-agents.ts); none: each probe on its own.
 */
export async function runCheck(check: Check, shared: readonly SharedProbeOptions[] = []): Promise<CheckResult> {
  const startedAt = Date.now();
  const values = new Map<string, string>();
  const steps: StepRun[] = [];
  const results: AssertionResult[] = [];
  let answer: Answer | null = null;
  let totalMs = 0;
  for (let i = 0; i < check.steps.length; i++) {
    const step = check.steps[i];
    const request = filled(step.request, values);
    const result = await probe(request, step, shared[i]);
    const label = check.steps.length > 1 ? (step.name ?? `step ${i + 1}`) : null;
    totalMs += result.timings.totalMs;
    let judgement: Judgement;
    if (!result.ok) {
      judgement = judgeFailure(result.reason, result.message);
      answer = null;
    } else {
      answer = { status: request.kind === 'http' ? result.status : null, headers: result.headers, body: result.body, totalMs: result.timings.totalMs, certDaysLeft: result.cert?.daysLeft ?? null };
      judgement = judge(step.expect, answer);
      const missing = capture(step, answer, values);
      if (missing !== null) judgement = { outcome: 'CRITICAL', results: [...judgement.results, missing] };
    }
    steps.push({ name: label, request: describe(request), result, judgement });
    if (label === null) for (const r of judgement.results) results.push(r);
    else results.push(...judgement.results.map((r) => ({ ...r, name: `${label}: ${r.name}` })));
    if (judgement.outcome === 'CRITICAL' || judgement.outcome === 'UNKNOWN') break;
  }
  const last = check.steps[Math.min(steps.length, check.steps.length) - 1];
  return {
    name: check.name,
    check,
    steps,
    startedAt,
    totalMs,
    judgement: { outcome: worst(results), results },
    // The output's time is the whole run's: a scenario is judged as one.
    answer: answer === null ? null : { ...answer, totalMs },
    expect: { warningMs: last.expect.warningMs, criticalMs: last.expect.criticalMs },
  };
}

function probe(request: Request, step: Step, shared: SharedProbeOptions | undefined): Promise<ProbeResult> {
  const opts = { timeoutMs: step.timeoutMs, maxBodyBytes: step.maxBodyBytes, agents: shared?.agents, tls: shared?.tls };
  if (request.kind === 'tcp') return probeTcp(request, { ...opts, expectBody: step.expect.body ?? undefined });
  return (shared?.http ?? probeHttp)(request, opts);
}

/**
 * What a request without `${NAME}` is sent as: itself, or a copy with each `$${` written as `${`; null for a request
 * that uses captured values. The same object run after run, so that a request serialized once is recognised
 * (load-pool.ts).
 */
const literal = new WeakMap<Request, Request | null>();

/** The request with `${NAME}` replaced by what earlier steps captured, and `$${` by `${`. */
function filled(request: Request, values: ReadonlyMap<string, string>): Request {
  let fixed = literal.get(request);
  if (fixed === undefined) {
    const all = texts(request);
    if (all.some((text) => placeholderNames(text).length > 0)) fixed = null;
    else fixed = all.some((text) => text.includes('$${')) ? fill(request, values) : request;
    literal.set(request, fixed);
  }
  return fixed ?? fill(request, values);
}

function texts(request: Request): string[] {
  if (request.kind === 'tcp') return request.send === null ? [] : [request.send];
  return [request.url, ...request.headers.map(([, value]) => value), ...(request.body === null ? [] : [request.body])];
}

function fill(request: Request, values: ReadonlyMap<string, string>): Request {
  if (request.kind === 'tcp') return { ...request, send: request.send === null ? null : fillPlaceholders(request.send, values) };
  return {
    ...request,
    url: fillPlaceholders(request.url, values),
    headers: request.headers.map(([name, value]) => [name, fillPlaceholders(value, values)]),
    body: request.body === null ? null : fillPlaceholders(request.body, values),
  };
}

/** What each request was described as: a request without captured values is the same object run after run. */
const descriptions = new WeakMap<Request, string>();

function describe(request: Request): string {
  let text = descriptions.get(request);
  if (text === undefined) {
    text = request.kind === 'http' ? `${request.method} ${request.url}` : `tcp ${request.host}:${request.port}`;
    descriptions.set(request, text);
  }
  return text;
}

/** Takes the step's captures into `values`; the failed assertion of the first that finds nothing, else null. */
function capture(step: Step, answer: Answer, values: Map<string, string>): AssertionResult | null {
  for (const c of step.capture) {
    let value: string | undefined;
    const from = c.from;
    if ('header' in from) value = answer.headers[from.header.toLowerCase()];
    else if ('regex' in from) value = from.regex.exec(answer.body.toString('utf8'))?.[1];
    else {
      let doc: unknown;
      try {
        doc = JSON.parse(answer.body.toString('utf8'));
      } catch {
        doc = undefined;
      }
      const found = doc === undefined ? { found: false, value: undefined } : select(doc, from.json);
      if (found.found) value = typeof found.value === 'string' ? found.value : JSON.stringify(found.value);
    }
    if (value === undefined) {
      const where = 'header' in from ? `header ${from.header}` : 'regex' in from ? `regex ${from.regex.source}` : `json ${from.json}`;
      return { name: `capture ${c.name}`, ok: false, severity: 'CRITICAL', expected: `a value at ${where}`, got: 'nothing' };
    }
    values.set(c.name, value);
  }
  return null;
}

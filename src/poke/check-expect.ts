/**
 * The `expect` table of a check or step: what the answer must be for the run
 * to be OK. Regular expressions are compiled and JSON paths parsed here, so a
 * bad one stops the file from loading instead of failing every run.
 */
import { Expectations, JsonExpectation, noExpectations } from './check';
import { FileTable, isTable } from './file-table';
import { parseJsonPath } from './json-path';
import { ALLOWED as LAYER_ALLOWED } from './check-layer';

export const ALLOWED = {
  expect: 'a table of status, headers, body, json, time and cert',
  status: 'a list of statuses from 100 to 599 and ranges "A-B" of them, such as [200, "300-399"]',
  statusEntry: 'a status from 100 to 599 or a range "A-B" of them, such as "200-299"',
  headers: 'a table of header names and regular expressions their values must match',
  json: 'a table of JSON paths and what their values must be, such as { "$.result" = 4 }',
  jsonPath: 'a JSON path such as "$.items[0].id": $, then .name, ["name"] or [index] any number of times',
  jsonOps: 'a table of equal, less, greater, contains and exists (to compare with a table, write { equal = { ... } })',
  jsonValue: 'any TOML value but a date, inf or nan (it is compared as JSON)',
  number: 'a number',
  time: 'a table of warning and critical',
  timeLimit: 'a duration from 1ms to 10m, such as "500ms" or "2s"',
  cert: 'a table of warning_days and critical_days',
  certDays: 'an integer from 0 to 3650 (days of validity left)',
};

const HTTP_KEYS = ['status', 'headers', 'body', 'json', 'time', 'cert'];
const TCP_KEYS = ['body', 'time'];
const JSON_OPS = ['equal', 'less', 'greater', 'contains', 'exists'] as const;

export function readExpect(t: FileTable | undefined, kind: 'http' | 'tcp', https: boolean): Expectations {
  const expect = noExpectations();
  if (t === undefined) return expect;
  if (kind === 'tcp') {
    const httpOnly = `${t.name()} of a tcp check may hold only body (what is read) and time`;
    t.only(TCP_KEYS, t.name(), { status: httpOnly, headers: httpOnly, json: httpOnly, cert: httpOnly });
  } else {
    const known = https ? HTTP_KEYS : HTTP_KEYS.filter((key) => key !== 'cert');
    t.only(known, t.name(), https ? {} : { cert: `${t.name('cert')} is for https:// URLs only` });
  }

  expect.status = readStatus(t);
  const headers = t.table('headers', ALLOWED.headers);
  for (const name of headers?.keys() ?? []) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw headers!.error(name, `${headers!.name(name)} is not a header name`, LAYER_ALLOWED.headerName);
    const lower = name.toLowerCase();
    if (expect.headers.some((header) => header.name === lower)) {
      throw headers!.error(name, `${headers!.name(name)} is given twice`, 'header names are compared without regard to case; give each once');
    }
    expect.headers.push({ name: lower, pattern: headers!.regex(name) });
  }
  if (t.has('body')) expect.body = t.regex('body');
  expect.json = readJson(t);

  const time = t.table('time', ALLOWED.time);
  if (time !== undefined) {
    time.only(['warning', 'critical'], time.name());
    expect.warningMs = time.duration('warning', 1, 600_000, ALLOWED.timeLimit) ?? null;
    expect.criticalMs = time.duration('critical', 1, 600_000, ALLOWED.timeLimit) ?? null;
    if (expect.warningMs !== null && expect.criticalMs !== null && expect.warningMs >= expect.criticalMs) {
      throw time.bad('warning', `shorter than ${time.name('critical')} (${showTime(time.get('critical'))}), or it is never reached`);
    }
  }
  const cert = t.table('cert', ALLOWED.cert);
  if (cert !== undefined) {
    cert.only(['warning_days', 'critical_days'], cert.name());
    expect.certWarningDays = cert.integer('warning_days', 0, 3650, ALLOWED.certDays) ?? null;
    expect.certCriticalDays = cert.integer('critical_days', 0, 3650, ALLOWED.certDays) ?? null;
    if (expect.certWarningDays !== null && expect.certCriticalDays !== null && expect.certWarningDays <= expect.certCriticalDays) {
      throw cert.bad('warning_days', `more than ${cert.name('critical_days')} (${expect.certCriticalDays}), or it is never reached`);
    }
  }
  return expect;
}

function showTime(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function readStatus(t: FileTable): Expectations['status'] {
  const value = t.get('status');
  if (value === undefined) return null;
  if (!Array.isArray(value)) {
    // One status or range needs no list.
    const one = statusEntry(value);
    if (one === undefined) throw t.bad('status', ALLOWED.status);
    return [one];
  }
  if (value.length === 0) throw t.bad('status', ALLOWED.status);
  const list = new FileTable(t.source, [...t.path, 'status'], value as unknown as Record<string, unknown>);
  return value.map((entry, i) => {
    const status = statusEntry(entry);
    if (status === undefined) throw list.bad(i, ALLOWED.statusEntry, entry);
    return status;
  });
}

function statusEntry(value: unknown): number | [number, number] | undefined {
  const valid = (n: number): boolean => Number.isInteger(n) && n >= 100 && n <= 599;
  if (typeof value === 'number') return valid(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{3}) ?- ?(\d{3})$/.exec(value);
  if (match === null) return undefined;
  const [low, high] = [Number(match[1]), Number(match[2])];
  return valid(low) && valid(high) && low <= high ? [low, high] : undefined;
}

function readJson(t: FileTable): Expectations['json'] {
  const table = t.table('json', ALLOWED.json);
  const found: Expectations['json'] = [];
  for (const path of table?.keys() ?? []) {
    if (parseJsonPath(path) === undefined) throw table!.error(path, `${table!.name(path)} is not a JSON path`, ALLOWED.jsonPath);
    const value = table!.get(path);
    if (!isTable(value)) {
      found.push({ path, expect: { op: 'equal', value: jsonValue(table!, path, value) } });
      continue;
    }
    const ops = new FileTable(table!.source, [...table!.path, path], value);
    ops.only(JSON_OPS, `${ops.name()} (to compare with a table, write { equal = { ... } })`);
    if (ops.keys().length === 0) throw table!.bad(path, `a value, or ${ALLOWED.jsonOps}`);
    for (const op of ops.keys() as Array<(typeof JSON_OPS)[number]>) {
      const given = ops.get(op);
      let expect: JsonExpectation;
      if (op === 'less' || op === 'greater') {
        if (typeof given !== 'number' || !Number.isFinite(given)) throw ops.bad(op, ALLOWED.number);
        expect = { op, value: given };
      } else if (op === 'exists') {
        expect = { op, value: ops.boolean(op)! };
      } else {
        expect = { op, value: jsonValue(ops, op, given) };
      }
      found.push({ path, expect });
    }
  }
  return found;
}

/** A TOML value as the plain JSON value it is compared with; dates have no JSON form and are refused. */
export function jsonValue(t: FileTable, key: string, value: unknown, allowed = ALLOWED.jsonValue): unknown {
  const check = (v: unknown): boolean =>
    v instanceof Date
      ? false
      : Array.isArray(v)
        ? v.every(check)
        : typeof v === 'object' && v !== null
          ? Object.values(v).every(check)
          : typeof v !== 'number' || Number.isFinite(v);
  if (!check(value)) throw t.bad(key, allowed);
  // smol-toml's tables have no prototype; the answers they are compared with are plain JSON.
  return JSON.parse(JSON.stringify(value));
}

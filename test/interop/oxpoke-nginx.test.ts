/**
 * `oxpoke run` against Debian's nginx-light with a fixed configuration
 * (test/fixtures/nginx, see test/helpers/nginx-poke.ts): a static page, the
 * issue's /add, slow, flaky and resetting endpoints, statuses, the same over
 * TLS, and a port with nothing listening. For each: the outcome and exit
 * status, why it failed (the probe's reason, or the assertions that failed)
 * in the `poke` event in a real oxd's files, the metrics through oxd's statsd
 * port, and the same exit status as Debian's check_http on the same endpoint.
 */
import test, { ExecutionContext } from 'ava';
import { closedPort } from '../helpers/closed-port';
import type { Nginx } from '../helpers/nginx';
import { startPokeNginx } from '../helpers/nginx-poke';
import { eventsOfType } from '../helpers/oxd-events';
import { oxdWithStatsd, pokeFolder, runCheck, runCheckHttp, statsdTotals, waitFor } from '../helpers/poke-runs';
import { probeCertsForFile } from '../helpers/probe-certs';

const certs = probeCertsForFile();
const OUTCOMES = ['OK', 'WARNING', 'CRITICAL'] as const;

interface Case {
  name: string;
  /** The check's keys after its name. */
  toml: string;
  exit: 0 | 1 | 2;
  /** The probe got no answer: why (refused, reset, timeout, tls). */
  reason?: string;
  /** The answer was judged: the assertions that failed, by name. */
  failed?: string[];
  /** What the status line says. */
  line?: RegExp;
  /** check_http's arguments for the same check; null when it has none (it does not verify certificates). */
  checkHttp: string[] | null;
}

interface Endpoints {
  plain: Nginx;
  tls: Nginx;
  closed: number;
}

async function endpoints(t: ExecutionContext): Promise<Endpoints> {
  const [plain, tls, closed] = await Promise.all([
    startPokeNginx(t),
    startPokeNginx(t, { tls: { cert: certs.serverCert, key: certs.serverKey } }),
    closedPort(t),
  ]);
  return { plain, tls, closed };
}

function cases({ plain, tls, closed }: Endpoints): Case[] {
  const url = (n: Nginx, p: string): string => `url = "${n.url(p)}"\n`;
  const at = (port: number, p: string, ...more: string[]): string[] => ['-H', '127.0.0.1', '-p', String(port), '-u', p, ...more];
  const ca = `tls.ca = "${certs.ca}"\n`;
  return [
    {
      name: 'page',
      toml: `${url(plain, '/')}expect.headers."Content-Type" = "^text/html"\nexpect.body = "Served by nginx from a file"\n`,
      exit: 0,
      checkHttp: at(plain.port, '/', '-d', 'Content-Type: text/html', '-s', 'Served by nginx from a file'),
    },
    {
      name: 'add',
      toml: `${url(plain, '/add?a=2&b=2')}expect.status = [200]\nexpect.json."$.result" = 4\n`,
      exit: 0,
      checkHttp: at(plain.port, '/add?a=2&b=2', '-e', '200', '-r', '"result": 4'),
    },
    {
      name: 'add_wrong',
      toml: `${url(plain, '/add?a=2&b=2')}expect.json."$.result" = 5\n`,
      exit: 2,
      failed: ['json $.result equal'],
      line: /json \$\.result equal: expected 5, got 4/,
      checkHttp: at(plain.port, '/add?a=2&b=2', '-r', '"result": 5'),
    },
    {
      name: 'slow',
      toml: `${url(plain, '/slow?s=0.3')}expect.time.warning = "100ms"\nexpect.time.critical = "20s"\n`,
      exit: 1,
      failed: ['time'],
      checkHttp: at(plain.port, '/slow?s=0.3', '-w', '0.1', '-c', '20'),
    },
    {
      name: 'slower',
      toml: `${url(plain, '/slow?s=0.6')}expect.time.warning = "100ms"\nexpect.time.critical = "300ms"\n`,
      exit: 2,
      failed: ['time'],
      checkHttp: at(plain.port, '/slow?s=0.6', '-w', '0.1', '-c', '0.3'),
    },
    {
      name: 'timeout',
      toml: `${url(plain, '/slow?s=3')}timeout = "1s"\n`,
      exit: 2,
      reason: 'timeout',
      line: /had not answered/,
      checkHttp: at(plain.port, '/slow?s=3', '-t', '1'),
    },
    {
      name: 'timeout_in_body',
      toml: `${url(plain, '/slow-body?s=3')}timeout = "1s"\n`,
      exit: 2,
      reason: 'timeout',
      line: /was still coming \(11 bytes so far\)/,
      checkHttp: at(plain.port, '/slow-body?s=3', '-t', '1'),
    },
    {
      name: 'reset',
      toml: url(plain, '/reset'),
      exit: 2,
      reason: 'reset',
      line: /closed the connection before answering/,
      checkHttp: at(plain.port, '/reset'),
    },
    {
      name: 'status_503',
      toml: `${url(plain, '/status/503')}expect.status = [200]\n`,
      exit: 2,
      failed: ['status'],
      line: /status: expected 200, got 503/,
      checkHttp: at(plain.port, '/status/503', '-e', '200'),
    },
    {
      name: 'status_404',
      toml: url(plain, '/status/404'),
      exit: 1,
      failed: ['status'],
      line: /status: expected below 400, got 404/,
      checkHttp: at(plain.port, '/status/404'),
    },
    { name: 'status_500', toml: url(plain, '/status/500'), exit: 2, failed: ['status'], checkHttp: at(plain.port, '/status/500') },
    { name: 'status_301', toml: url(plain, '/status/301'), exit: 0, checkHttp: at(plain.port, '/status/301') },
    {
      name: 'refused',
      toml: `url = "http://127.0.0.1:${closed}/"\n`,
      exit: 2,
      reason: 'refused',
      line: new RegExp(`connection refused by 127\\.0\\.0\\.1:${closed}`),
      checkHttp: at(closed, '/'),
    },
    {
      name: 'tls_add',
      toml: `${url(tls, '/add')}${ca}expect.json."$.result" = 4\n`,
      exit: 0,
      checkHttp: at(tls.port, '/add', '-S', '-r', '"result": 4'),
    },
    {
      // The certificate has 30 days, so 29 whole days left: under 60.
      name: 'tls_days',
      toml: `${url(tls, '/')}${ca}expect.cert.warning_days = 60\n`,
      exit: 1,
      failed: ['cert'],
      checkHttp: ['-H', '127.0.0.1', '-p', String(tls.port), '-S', '-C', '60'],
    },
    {
      name: 'tls_untrusted',
      toml: url(tls, '/'),
      exit: 2,
      reason: 'tls',
      line: /is not trusted/,
      checkHttp: null,
    },
  ];
}

test('each endpoint: the outcome and exit status, why in the poke event in oxd\'s files, the metrics through oxd\'s statsd port', async (t) => {
  const [where, { oxd, statsd }] = await Promise.all([endpoints(t), oxdWithStatsd(t)]);
  const dir = pokeFolder(t);
  const all = cases(where);
  for (const c of all) {
    const r = await runCheck(t, dir, c.name, c.toml, ['--events', oxd.collect, '--statsd', `127.0.0.1:${statsd}`]);
    t.is(r.code, c.exit, `${c.name}: exit status (${r.stderr})`);
    t.true(r.stdout.startsWith(`POKE ${OUTCOMES[c.exit]} - ${c.name}: `), `${c.name}: ${r.stdout}`);
    if (c.line) t.regex(r.stdout, c.line, c.name);
  }

  // Waited for in the files themselves: oxd also writes statsd.interval events of its own.
  const events = await waitFor(() => {
    const found = eventsOfType(oxd, 'poke');
    return found.length >= all.length ? found : undefined;
  });
  t.is(events.length, all.length, 'one event a run');
  for (const c of all) {
    const event = events.find((e) => e.body.check === c.name);
    t.truthy(event, `${c.name}: its event`);
    if (!event) continue;
    const [step] = event.body.steps;
    t.is(event.body.outcome, OUTCOMES[c.exit], c.name);
    t.is(step.reason, c.reason, `${c.name}: the probe's reason`);
    const failed = event.body.assertions.filter((a: { ok: boolean }) => !a.ok).map((a: { name: string }) => a.name);
    t.deepEqual(failed, c.reason ? [c.reason] : c.failed ?? [], `${c.name}: what failed`);
    if (c.reason) t.regex(step.message, c.line ?? /./, c.name);
    else if (c.exit > 0) t.is(typeof step.body_head, 'string', `${c.name}: the failed answer's body is kept`);
  }
  const status503 = events.find((e) => e.body.check === 'status_503');
  t.like(status503.body.assertions[0], { name: 'status', expected: '200', got: '503', severity: 'CRITICAL' });
  t.is(status503.body.steps[0].status, 503);

  // Each run once in the metrics: its outcome counted, its time taken.
  const expected = Object.fromEntries(all.map((c) => [`poke.${c.name}.${OUTCOMES[c.exit].toLowerCase()}`, 1]));
  const totals = await waitFor(() => {
    const s = statsdTotals(oxd);
    return Object.keys(expected).every((k) => k in s.counters) ? s : undefined;
  });
  t.deepEqual(Object.fromEntries(Object.entries(totals.counters).filter(([k]) => k.startsWith('poke.'))), expected);
  for (const c of all) t.is(totals.timerCounts[`poke.${c.name}.time`], 1, `${c.name}: its time`);
});

test('each endpoint: the same exit status as check_http', async (t) => {
  const dir = pokeFolder(t);
  for (const c of cases(await endpoints(t))) {
    if (c.checkHttp === null) continue;
    const ours = await runCheck(t, dir, c.name, c.toml);
    const theirs = await runCheckHttp(t, c.checkHttp);
    t.is(theirs.code, c.exit, `${c.name}: check_http`);
    t.is(ours.code, theirs.code, `${c.name}: oxpoke as check_http`);
  }
});

test('/flaky: every run, by oxpoke or check_http, has the outcome of what nginx logged it answered; each sees both', async (t) => {
  const [nginx, { oxd, statsd }] = await Promise.all([startPokeNginx(t), oxdWithStatsd(t)]);
  const dir = pokeFolder(t);
  // Two runs of each in turn: with one connection a run, each tool gets an even and an odd one, so a 200 and a 503.
  const tools = ['oxpoke', 'oxpoke', 'check_http', 'check_http', 'oxpoke', 'oxpoke', 'check_http', 'check_http', 'oxpoke', 'oxpoke', 'check_http', 'check_http'] as const;
  const runs: Array<{ tool: (typeof tools)[number]; uri: string; code: number | null }> = [];
  for (const [i, tool] of tools.entries()) {
    const uri = `/flaky?by=${tool}&run=${i + 1}`;
    const r = tool === 'oxpoke'
      ? await runCheck(t, dir, 'flaky', `url = "${nginx.url(uri)}"\n`, ['--events', oxd.collect, '--statsd', `127.0.0.1:${statsd}`])
      : await runCheckHttp(t, ['-H', '127.0.0.1', '-p', String(nginx.port), '-u', uri]);
    runs.push({ tool, uri, code: r.code });
  }

  // nginx writes a request's line once it has sent the answer, which the tool may have read before.
  const logged = await waitFor(() => {
    const byUri = new Map(nginx.requests().map((r) => [r.uri, r]));
    return runs.every((run) => byUri.has(run.uri)) ? byUri : undefined;
  });
  t.is(nginx.requests().length, runs.length, 'one request a run');
  const seen = { oxpoke: new Set<number>(), check_http: new Set<number>() };
  for (const run of runs) {
    const answer = logged.get(run.uri)!;
    t.is(answer.connectionRequest, 1, `${run.uri}: a connection of its own`);
    t.is(answer.status, answer.connection % 2 === 1 ? 503 : 200, `${run.uri}: connection ${answer.connection}`);
    t.is(run.code, answer.status === 200 ? 0 : 2, `${run.uri}: nginx answered ${answer.status}`);
    seen[run.tool].add(answer.status);
  }
  t.deepEqual([...seen.oxpoke].sort(), [200, 503]);
  t.deepEqual([...seen.check_http].sort(), [200, 503]);

  // oxpoke's runs in oxd's files and metrics: as many failures as nginx logged 503s for it.
  const ours = runs.filter((run) => run.tool === 'oxpoke');
  const events = await waitFor(() => {
    const found = eventsOfType(oxd, 'poke');
    return found.length >= ours.length ? found : undefined;
  });
  t.is(events.length, ours.length);
  for (const run of ours) {
    const event = events.find((e) => e.body.steps[0].request === `GET ${nginx.url(run.uri)}`);
    const status = logged.get(run.uri)!.status;
    t.like(event?.body, { check: 'flaky', outcome: status === 200 ? 'OK' : 'CRITICAL' }, run.uri);
    t.is(event?.body.steps[0].status, status, run.uri);
    if (status === 503) t.like(event?.body.assertions[0], { name: 'status', ok: false, got: '503' }, run.uri);
  }
  const failures = ours.filter((run) => logged.get(run.uri)!.status === 503).length;
  const totals = await waitFor(() => {
    const s = statsdTotals(oxd);
    return (s.counters['poke.flaky.ok'] ?? 0) + (s.counters['poke.flaky.critical'] ?? 0) >= ours.length ? s : undefined;
  });
  t.is(totals.counters['poke.flaky.critical'], failures);
  t.is(totals.counters['poke.flaky.ok'], ours.length - failures);
  t.is(totals.timerCounts['poke.flaky.time'], ours.length);
});

/**
 * `oxpoke run` and Debian's monitoring-plugins `check_http` on the same
 * endpoints give the same exit status (0 OK, 1 WARNING, 2 CRITICAL), so a
 * check moved from one to the other keeps its meaning under Nagios or
 * Icinga: a good answer, a 500, a slow answer over the warning and over
 * the critical limit, a body that does not match, nothing listening, and a
 * certificate close to its end.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { closedPort } from '../helpers/closed-port';
import { pokeFolder, runCheck, runCheckHttp } from '../helpers/poke-runs';
import { makeProbeCerts } from '../helpers/probe-certs';
import { listen } from '../helpers/probe-servers';

/** /add answers {"result":4}; /fail a 500; /delay?ms=N after N ms. */
async function service(t: ExecutionContext): Promise<number> {
  const timers = new Set<NodeJS.Timeout>();
  t.teardown(() => timers.forEach(clearTimeout));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const answer = (status: number) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { result: 4 } : { error: 'down' }));
    };
    if (url.pathname === '/fail') return answer(500);
    if (url.pathname === '/delay') {
      // The server's own pace, not the test waiting: the answer comes this much later.
      const timer = setTimeout(() => (timers.delete(timer), answer(200)), Number(url.searchParams.get('ms')));
      timers.add(timer);
      return;
    }
    answer(200);
  });
  return listen(t, server);
}

async function oxpoke(t: ExecutionContext, dir: string, name: string, toml: string): Promise<number | null> {
  return (await runCheck(t, dir, name, toml)).code;
}

async function checkHttp(t: ExecutionContext, args: string[]): Promise<number | null> {
  return (await runCheckHttp(t, args)).code;
}

test('plain HTTP: the same exit status as check_http for an answer that is good, 500, slow, slower, wrong, or not there', async (t) => {
  const port = await service(t);
  const dir = pokeFolder(t);
  const closed = await closedPort(t);
  const url = (p: string, at = port): string => `url = "http://127.0.0.1:${at}${p}"\n`;
  const host = (at = port): string[] => ['-H', '127.0.0.1', '-p', String(at)];
  const cases: Array<[string, string, string[], number]> = [
    ['good', `${url('/add')}expect.status = [200]\nexpect.body = '"result":4'\n`, [...host(), '-u', '/add', '-e', '200', '-r', '"result":4'], 0],
    ['error', `${url('/fail')}expect.status = [200]\n`, [...host(), '-u', '/fail', '-e', '200'], 2],
    ['slow', `${url('/delay?ms=300')}expect.time.warning = "100ms"\nexpect.time.critical = "20s"\n`, [...host(), '-u', '/delay?ms=300', '-w', '0.1', '-c', '20'], 1],
    ['slower', `${url('/delay?ms=600')}expect.time.warning = "100ms"\nexpect.time.critical = "300ms"\n`, [...host(), '-u', '/delay?ms=600', '-w', '0.1', '-c', '0.3'], 2],
    ['wrong', `${url('/add')}expect.body = '"result":5'\n`, [...host(), '-u', '/add', '-r', '"result":5'], 2],
    ['nothing', `${url('/add', closed)}expect.status = [200]\n`, [...host(closed), '-u', '/add'], 2],
  ];
  for (const [name, toml, args, expected] of cases) {
    const ours = await oxpoke(t, dir, name, toml);
    const theirs = await checkHttp(t, args);
    t.is(theirs, expected, `${name}: check_http`);
    t.is(ours, theirs, `${name}: oxpoke as check_http`);
  }
});

test('HTTPS: a certificate 2 days from its end, against warning/critical day limits: the same exit status as check_http -C', async (t) => {
  const dir = pokeFolder(t);
  const certs = await makeProbeCerts(dir);
  const server = https.createServer({ cert: fs.readFileSync(certs.nearCert), key: fs.readFileSync(certs.nearKey) }, (_req, res) => res.end('ok'));
  const port = await listen(t, server);
  // The certificate has a little under 2 days left: 1 whole day, as both count.
  for (const [name, warning, critical, expected] of [
    ['critical', 30, 7, 2],
    ['warning', 30, 0, 1],
    ['fine', 0, null, 0],
  ] as const) {
    const limits = `expect.cert.warning_days = ${warning}\n${critical === null ? '' : `expect.cert.critical_days = ${critical}\n`}`;
    const toml = `url = "https://127.0.0.1:${port}/"\ntls.ca = "${certs.ca}"\n${limits}`;
    const ours = await oxpoke(t, dir, `cert_${name}`, toml);
    const theirs = await checkHttp(t, ['-H', '127.0.0.1', '-p', String(port), '-S', '-C', critical === null ? `${warning}` : `${warning},${critical}`]);
    t.is(theirs, expected, `${name}: check_http`);
    t.is(ours, theirs, `${name}: oxpoke as check_http`);
  }
});

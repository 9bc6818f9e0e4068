/**
 * The oxpoke load benchmark (figures, not pass/fail): `oxpoke load` beside
 * wrk (Debian) and autocannon (npm), in one run, against the same local
 * nginx (Debian's nginx-light, one worker, no access log, its defaults
 * otherwise: a connection closed after 1000 requests), the same URLs,
 * the same concurrency and duration, each generator in a process of its own
 * (poke-tools.ts):
 *
 * - static: a small static file (`/`, 96 bytes), oxpoke checking status 200;
 * - add: the check, `/add?a=2&b=2` answering `{"result": 4}`,
 *   oxpoke checking status 200 and `$.result` = 4 in every answer;
 * - add-varied: the same check on `/add-varied?a=2&b=2`, whose answer also
 *   carries nginx's $request_id, so no two bodies are alike: oxpoke judges
 *   an answer identical to the last one by the results it remembers
 *   (assertions.ts), and this target measures the judging of new ones.
 *
 * Beside them, `node (bare)` (bare-http-client.ts): raw keep-alive sockets
 * writing the same request bytes, answers framed by Content-Length and not
 * judged, the least any Node generator does: what a generator written for
 * Node can reach on this machine. `oxpoke/node (bare)` shows how much of
 * that oxpoke's judging of every answer leaves.
 *
 * The goal: oxpoke at least as fast as autocannon, and at least 70%
 * of wrk. The machine has 2 cores, shared by the generator and nginx (and
 * whatever else runs here): nginx's CPU is shown beside each trial, and the
 * generator's CPU per request, which depends less on the neighbours than
 * requests/s does. Rounds alternate the order of the tools; the table shows
 * each tool's median round by requests/s.
 *
 *   node build/test/bench/poke-run.js [--concurrency 8,64] [--seconds 10] [--rounds 3]
 *        [--targets static,add,add-varied] [--tools wrk,autocannon,'node (bare)',oxpoke,'oxpoke x2'] [--cpu-prof DIR]
 *
 * --cpu-prof: each oxpoke trial writes a V8 CPU profile there, and its top
 * functions are logged (writeBuffer's share is mostly the time the write
 * system call spends handing the request to nginx over loopback).
 *
 * Prints tables; writes JSON to bench-results/poke.json.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startNginx } from '../helpers/nginx';
import { REPO } from '../helpers/oxd-process';
import { runBenchmark, stopChildrenOnSignal } from './line-child';
import { busyProcesses } from './proc-stats';
import { formatTop } from './profile-summary';
import { formatGoals, Goal, int, table } from './report-table';
import { BARE_CLIENT, OXPOKE_BUNDLE, ToolName, TOOLS, trial, Trial, TrialSpec, withChildren } from './poke-tools';

const log = (text: string): boolean => process.stderr.write(`[poke-bench] ${text}\n`);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

const TARGETS: Record<string, { path: string; check: string }> = {
  static: { path: '/', check: '[[check]]\nname = "static"\nurl = "URL"\nexpect.status = [200]\n' },
  add: { path: '/add?a=2&b=2', check: '[[check]]\nname = "add"\nurl = "URL"\nexpect.status = [200]\nexpect.json."$.result" = 4\n' },
  'add-varied': { path: '/add-varied?a=2&b=2', check: '[[check]]\nname = "add-varied"\nurl = "URL"\nexpect.status = [200]\nexpect.json."$.result" = 4\n' },
};

const ms = (v: number): string => (Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));

/** The trial with the median requests/s of each tool, target and concurrency. */
function medians(trials: Trial[]): Trial[] {
  const groups = new Map<string, Trial[]>();
  for (const t of trials) {
    const key = `${t.target} ${t.concurrency} ${t.tool}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()].map((g) => [...g].sort((a, b) => a.rps - b.rps)[Math.floor((g.length - 1) / 2)]);
}

function formatTrials(rows: Trial[]): string {
  return table(
    ['tool', 'target', 'conc.', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'CPU µs/req', 'nginx CPU'],
    rows.map((t) => [
      t.tool, t.target, String(t.concurrency), int(t.rps), ms(t.p50), ms(t.p90), ms(t.p99), int(t.errors),
      t.requests > 0 ? ((t.toolCpu / t.requests) * 1e6).toFixed(1) : '-', `${Math.round((t.nginxCpu / t.wallSeconds) * 100)}%`,
    ]),
  );
}

function ratios(rows: Trial[]): { text: string; goals: Goal[] } {
  const goals: Goal[] = [];
  const lines: string[][] = [];
  const keys = [...new Set(rows.map((t) => `${t.target} ${t.concurrency}`))];
  for (const key of keys) {
    const of = (tool: ToolName): Trial | undefined => rows.find((t) => `${t.target} ${t.concurrency}` === key && t.tool === tool);
    const ox = of('oxpoke');
    const ac = of('autocannon');
    const wrk = of('wrk');
    const two = of('oxpoke x2');
    const bare = of('node (bare)');
    if (ox === undefined) continue;
    const r = (other: Trial | undefined): number => (other === undefined ? NaN : ox.rps / other.rps);
    const cpu = (t: Trial | undefined): number => (t === undefined ? NaN : t.toolCpu / t.requests);
    lines.push([key.replace(' ', ' c'), r(ac).toFixed(2), r(wrk).toFixed(2), r(bare).toFixed(2), (cpu(ox) / cpu(ac)).toFixed(2), (cpu(ox) / cpu(wrk)).toFixed(2), two ? (two.rps / ox.rps).toFixed(2) : '-']);
    if (ac) goals.push({ what: `${key.replace(' ', ' c')}: oxpoke / autocannon req/s`, measured: r(ac).toFixed(2), goal: '>= 1', met: r(ac) >= 1 });
    if (wrk) goals.push({ what: `${key.replace(' ', ' c')}: oxpoke / wrk req/s`, measured: r(wrk).toFixed(2), goal: '>= 0.70', met: r(wrk) >= 0.7 });
  }
  const text = table(['target', 'oxpoke/autocannon', 'oxpoke/wrk', 'oxpoke/node (bare)', 'CPU/req vs autocannon', 'CPU/req vs wrk', 'oxpoke x2 / oxpoke'], lines);
  return { text, goals };
}

async function main(): Promise<void> {
  for (const file of [OXPOKE_BUNDLE, BARE_CLIENT, '/usr/bin/wrk', '/usr/sbin/nginx', path.join(REPO, 'node_modules', 'autocannon', 'autocannon.js')]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run make setup build first`);
  }
  const concurrencies = list(arg('--concurrency') ?? '8,64').map(Number);
  const seconds = Number(arg('--seconds') ?? 10);
  const rounds = Number(arg('--rounds') ?? 3);
  const targets = list(arg('--targets') ?? 'static,add,add-varied');
  const tools = list(arg('--tools') ?? TOOLS.join(',')) as ToolName[];
  for (const t of tools) if (!TOOLS.includes(t)) throw new Error(`--tools: ${t} is not one of ${TOOLS.join(', ')}`);
  const cpuProfDir = arg('--cpu-prof') ? path.resolve(arg('--cpu-prof')!) : undefined;
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });

  const cleanups: Array<() => void | Promise<void>> = [];
  const teardown = { teardown: (fn: () => void | Promise<void>) => void cleanups.push(fn) };
  stopChildrenOnSignal(log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-bench-poke-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    fs.mkdirSync(path.join(dir, 'html'));
    fs.writeFileSync(path.join(dir, 'html', 'index.html'), `<!doctype html><title>oxpoke</title><p>${'a small static file, '.repeat(3)}</p>\n`.slice(0, 95) + '\n');
    const nginx = await startNginx(teardown, {
      workers: 1,
      accessLog: false,
      server: [
        `root ${dir}/html;`,
        `location = /add { default_type application/json; return 200 '{"result": 4}'; }`,
        `location = /add-varied { default_type application/json; return 200 '{"result": 4, "request": "$request_id"}'; }`,
      ].join('\n'),
    });
    const nginxPids = withChildren(nginx.pid);
    const checkFile = path.join(dir, 'checks.toml');
    fs.writeFileSync(checkFile, targets.map((name) => TARGETS[name].check.replace('URL', nginx.url(TARGETS[name].path))).join('\n'));

    const busy = await busyProcesses(1000, 0.1, nginxPids);
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, kernel: os.release(), loadavgBefore: os.loadavg() };
    process.stdout.write(
      `oxpoke load benchmark: ${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, load average before ${machine.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}\n` +
        `nginx-light, 1 worker (pids ${nginxPids.join(', ')}), on ${nginx.url('')}; ${seconds} s per trial, ${rounds} round(s); ` +
        `the ${machine.cpus} cores are shared by the load generator and nginx\n` +
        busy.map((b) => `WARNING: busy before the start, not ours: pid ${b.pid} at ${Math.round(b.share * 100)}% of a core: ${b.command}\n`).join('') +
        '\n',
    );

    const spec = (target: string, concurrency: number): TrialSpec => ({
      target, url: nginx.url(TARGETS[target].path), checkFile, check: target, concurrency, seconds, nginxPids, cpuProfDir,
    });
    log('warming up nginx and the page cache: oxpoke for 1 s');
    await trial('oxpoke', { ...spec(targets[0], concurrencies[0]), seconds: 1, cpuProfDir: undefined });

    const trials: Trial[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        for (const concurrency of concurrencies) {
          // Each round starts with another tool, so none always meets the machine first.
          const order = tools.map((_, i) => tools[(i + round - 1) % tools.length]);
          for (const tool of order) {
            const t = await trial(tool, spec(target, concurrency));
            log(`round ${round}: ${tool} ${target} c${concurrency}: ${int(t.rps)} req/s, p50 ${ms(t.p50)} ms, p99 ${ms(t.p99)} ms, ${t.errors} errors, nginx ${Math.round((t.nginxCpu / t.wallSeconds) * 100)}% of a core`);
            if (t.profile) log(`\n${formatTop(t.profile, 25)}\n`);
            trials.push(t);
          }
        }
      }
    }

    const rows = medians(trials).sort((a, b) => a.target.localeCompare(b.target) || a.concurrency - b.concurrency || tools.indexOf(a.tool) - tools.indexOf(b.tool));
    const { text, goals } = ratios(rows);
    process.stdout.write(
      `${formatTrials(rows)}\n` +
        'req/s: requests (oxpoke: runs, each judged by its check) over the run; latency percentiles as each tool reports them (autocannon: whole ms);\n' +
        'errors: wrk non-2xx/3xx + socket errors, autocannon errors + non-2xx + timeouts, node (bare) non-2xx/3xx + socket errors, oxpoke runs not OK; CPU µs/req: the generator\'s\n' +
        'utime + stime per request, start-up included; nginx CPU: its worker\'s share of one core over the trial.\n' +
        "oxpoke x2: two oxpoke processes with half the concurrency each, summed (latency: the slower one's), for what a second generator thread could add.\n\n" +
        `${text}\n\n${formatGoals(goals)}\n\n`,
    );
    const loadAfter = os.loadavg();
    process.stdout.write(`load average after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}: the machine is shared, figures are indicative; compare ratios within one run.\n`);
    const out = path.join(REPO, 'bench-results', 'poke.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ benchmark: 'poke', date: new Date().toISOString(), machine, loadAfter, busyBefore: busy, seconds, rounds, trials, medians: rows, goals }, null, 2) + '\n');
    log(`figures written to ${path.relative(REPO, out)}`);
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

runBenchmark('poke bench', main);

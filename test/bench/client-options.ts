/**
 * The client benchmark's settings: flags, else environment, else defaults.
 * (BENCH_CLIENT_* so that `make bench` can run both benchmarks without the
 * collect benchmark's BENCH_EVENTS & co. leaking into this one.)
 */

export type ScenarioKey = 'blueox' | 'pino' | 'unconfigured' | 'zmq' | 'encode' | 'frame' | 'record';

export const SCENARIOS: ScenarioKey[] = ['blueox', 'pino', 'unconfigured', 'zmq', 'encode', 'frame', 'record'];

export interface ClientBenchOptions {
  events: number;
  batch: number;
  warmup: number;
  iterations: number;
  rounds: number;
  scenarios: ScenarioKey[];
  cpuProfDir: string | null;
  jsonPath: string;
}

export const CLIENT_USAGE = `usage: node build/test/bench/client-run.js [options]   (every option also reads an environment variable)
  --events N        events (log lines) in each timed window                BENCH_CLIENT_EVENTS     (300000)
  --batch K         events per event-loop turn (await setImmediate between) BENCH_CLIENT_BATCH      (500)
  --warmup N        events run (and drained) before each timed window       BENCH_CLIENT_WARMUP     (30000)
  --iterations M    calls per loop for the unconfigured (no-op) figures     BENCH_CLIENT_ITERATIONS (10000000)
  --rounds R        run every scenario R times, interleaved; medians are reported
                                                                            BENCH_CLIENT_ROUNDS     (3)
  --only LIST       scenarios, from ${SCENARIOS.join(',')}
                                                                            BENCH_CLIENT_ONLY       (all)
  --cpu-prof DIR    after the rounds, one more blueox run under node --cpu-prof (kept in DIR, not in
                    the medians); prints its top functions by self time    BENCH_CLIENT_CPU_PROF
  --json PATH       where to write the figures                             BENCH_CLIENT_JSON       (bench-results/client.json)`;

function positive(name: string, text: string, min = 1): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, not ${JSON.stringify(text)}`);
  return n;
}

export function parseClientOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ClientBenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') throw Object.assign(new Error(CLIENT_USAGE), { usage: true });
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument ${JSON.stringify(a)}\n${CLIENT_USAGE}`);
    flags.set(a.slice(2), argv[++i]);
  }
  const known = ['events', 'batch', 'warmup', 'iterations', 'rounds', 'only', 'cpu-prof', 'json'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}\n${CLIENT_USAGE}`);
  const get = (flag: string, envName: string, fallback: string): string => flags.get(flag) ?? env[envName] ?? fallback;

  const only = get('only', 'BENCH_CLIENT_ONLY', SCENARIOS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of only) if (!SCENARIOS.includes(s as ScenarioKey)) throw new Error(`--only takes ${SCENARIOS.join(', ')}; not ${JSON.stringify(s)}`);
  return {
    events: positive('--events', get('events', 'BENCH_CLIENT_EVENTS', '300000')),
    batch: positive('--batch', get('batch', 'BENCH_CLIENT_BATCH', '500')),
    warmup: positive('--warmup', get('warmup', 'BENCH_CLIENT_WARMUP', '30000'), 0),
    iterations: positive('--iterations', get('iterations', 'BENCH_CLIENT_ITERATIONS', '10000000'), 1000),
    rounds: positive('--rounds', get('rounds', 'BENCH_CLIENT_ROUNDS', '3')),
    // Keep the listed order of SCENARIOS, whatever order --only gave.
    scenarios: SCENARIOS.filter((s) => only.includes(s)),
    cpuProfDir: flags.get('cpu-prof') ?? env.BENCH_CLIENT_CPU_PROF ?? null,
    jsonPath: get('json', 'BENCH_CLIENT_JSON', 'bench-results/client.json'),
  };
}

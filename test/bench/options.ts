/**
 * The benchmark's settings: flags, else environment, else defaults.
 */
import type { ReceiverKey } from './receivers';
import type { SenderKind } from './measure';

export interface BenchOptions {
  events: number;
  senders: number;
  senderKinds: SenderKind[];
  warmup: number;
  batch: number;
  pollMs: number;
  rounds: number;
  maxSeconds: number;
  receivers: ReceiverKey[];
  cpuProfDir: string | null;
  jsonPath: string;
  prewarmMb: number;
}

export const USAGE = `usage: node build/test/bench/run.js [options]   (every option also reads an environment variable)
  --events N          events in each timed window, all senders together   BENCH_EVENTS   (3000000)
  --senders S         sender processes (2-4 is the interesting range)      BENCH_SENDERS  (3)
  --sender KIND       node (raw ZMTP over net), pyzmq (Debian python3-zmq), or both
                                                                             BENCH_SENDER   (node)
  --warmup N          events sent and counted before each timed window    BENCH_WARMUP   (150000)
  --batch K           messages pre-encoded in each sender's buffer         BENCH_BATCH    (1024)
  --poll-ms MS        progress/STATUS poll period during the load (0 = back to back)
                                                                             BENCH_POLL_MS  (5)
  --rounds R          repeat every configuration R times (interleaved)     BENCH_ROUNDS   (1)
  --max-seconds T     cut a timed window off after T s and report what got through
                                                                             BENCH_MAX_SECONDS (60)
  --only LIST         receivers to run, from oxd,b1,b2                     BENCH_ONLY     (oxd,b1,b2)
  --cpu-prof DIR      profile oxd's timed window (V8 sampler), keep the .cpuprofile in DIR, print top functions
                                                                             BENCH_CPU_PROF
  --json PATH         where to write the figures                          BENCH_JSON     (bench-results/collect.json)
  --prewarm-mb M      write and delete M MiB in the temp folder first, so the file writes do not
                      pay for guest memory the VM has never touched (0 = off) BENCH_PREWARM_MB (2048)`;

function positive(name: string, text: string, min = 1): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, not ${JSON.stringify(text)}`);
  return n;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') throw Object.assign(new Error(USAGE), { usage: true });
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
    flags.set(a.slice(2), argv[++i]);
  }
  const known = ['events', 'senders', 'sender', 'warmup', 'batch', 'poll-ms', 'rounds', 'max-seconds', 'only', 'cpu-prof', 'json', 'prewarm-mb'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const get = (flag: string, envName: string, fallback: string): string => flags.get(flag) ?? env[envName] ?? fallback;

  const kind = get('sender', 'BENCH_SENDER', 'node');
  const kinds: Record<string, SenderKind[]> = { node: ['node'], pyzmq: ['pyzmq'], both: ['node', 'pyzmq'] };
  if (!kinds[kind]) throw new Error(`--sender must be node, pyzmq or both, not ${JSON.stringify(kind)}`);
  const receivers = get('only', 'BENCH_ONLY', 'oxd,b1,b2').split(',').map((s) => s.trim()).filter(Boolean);
  for (const r of receivers) if (!['oxd', 'b1', 'b2'].includes(r)) throw new Error(`--only takes oxd, b1, b2; not ${JSON.stringify(r)}`);
  return {
    events: positive('--events', get('events', 'BENCH_EVENTS', '3000000')),
    senders: positive('--senders', get('senders', 'BENCH_SENDERS', '3')),
    senderKinds: kinds[kind],
    warmup: positive('--warmup', get('warmup', 'BENCH_WARMUP', '150000'), 0),
    batch: positive('--batch', get('batch', 'BENCH_BATCH', '1024')),
    pollMs: positive('--poll-ms', get('poll-ms', 'BENCH_POLL_MS', '5'), 0),
    rounds: positive('--rounds', get('rounds', 'BENCH_ROUNDS', '1')),
    maxSeconds: positive('--max-seconds', get('max-seconds', 'BENCH_MAX_SECONDS', '60')),
    receivers: receivers as ReceiverKey[],
    cpuProfDir: flags.get('cpu-prof') ?? env.BENCH_CPU_PROF ?? null,
    jsonPath: get('json', 'BENCH_JSON', 'bench-results/collect.json'),
    prewarmMb: positive('--prewarm-mb', get('prewarm-mb', 'BENCH_PREWARM_MB', '2048'), 0),
  };
}

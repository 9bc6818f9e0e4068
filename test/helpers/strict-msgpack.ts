/**
 * Python's strict msgpack reader (test/helpers/strict_msgpack.py under
 * Debian's /usr/bin/python3) as the judge of bodies and log files: what the
 * original's tools and any script using `msgpack.Unpacker` can read.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './oxd-process';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(REPO, 'test', 'helpers', 'strict_msgpack.py');

export interface FileReading {
  values: number;
  not_maps: number;
  consumed: number;
  size: number;
  /** The reader's exception, null when it read every value. */
  error: string | null;
}

function run(args: string[], input: Buffer | null, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`strict_msgpack.py ${args[0]} ended with ${code ?? signal}: ${err}`));
    });
    if (input) child.stdin!.end(input);
  });
}

/** Per body: whether it is exactly one map that Python's strict reader decodes (within oxd's depth). */
export async function strictVerdicts(bodies: Buffer[], timeoutMs = 600_000): Promise<boolean[]> {
  const parts: Buffer[] = [];
  for (const body of bodies) {
    const n = Buffer.alloc(4);
    n.writeUInt32BE(body.length);
    parts.push(n, body);
  }
  const out = (await run(['bodies'], Buffer.concat(parts), timeoutMs)).toString('latin1');
  if (out.length !== bodies.length) throw new Error(`strict_msgpack.py judged ${out.length} of ${bodies.length} bodies`);
  return [...out].map((c) => c === '1');
}

/** Reads each file to the end with a strict msgpack.Unpacker. */
export async function strictRead(files: string[], timeoutMs = 600_000): Promise<Record<string, FileReading>> {
  if (files.length === 0) return {};
  return JSON.parse((await run(['files', ...files], null, timeoutMs)).toString('utf8'));
}

/** The files that a strict reader cannot read completely, as messages (empty when all are fine). */
export async function unreadableFiles(files: string[]): Promise<string[]> {
  const report = await strictRead(files);
  return Object.entries(report)
    .filter(([, r]) => r.error !== null || r.not_maps > 0 || r.consumed !== r.size || r.values === 0)
    .map(([f, r]) => `${f}: ${JSON.stringify(r)}`);
}

/**
 * The booted-Debian system test's results, as the guest wrote them and the host
 * harness (run-system-test.sh) brought them back: observations (obs.tsv), the
 * stages that ran (stages.tsv), saved command outputs, the journal and the event
 * files. With BLUEOX_SYSTEM_RESULTS set they are read from that folder (make
 * system-test runs the harness first); otherwise the harness is run here, once.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../..');
const HARNESS = path.join(ROOT, 'test/system/run-system-test.sh');

export interface Stage {
  name: string;
  exit: number;
  ms: number;
}

export class Results {
  readonly obs = new Map<string, string>();
  readonly stages: Stage[];
  readonly host: { image_cached: number; debs: string[]; timing_s: Record<string, number> };

  constructor(readonly dir: string) {
    if (!fs.existsSync(path.join(dir, 'obs.tsv'))) {
      throw new Error(`no results in ${dir} (obs.tsv missing): the guest did not run; see ${path.dirname(dir)}/console.log`);
    }
    for (const line of this.text('obs.tsv').split('\n')) {
      const tab = line.indexOf('\t');
      if (tab > 0) this.obs.set(line.slice(0, tab), line.slice(tab + 1));
    }
    this.stages = this.text('stages.tsv')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [name, exit, ms] = l.split('\t');
        return { name, exit: Number(exit), ms: Number(ms) };
      });
    this.host = JSON.parse(this.text('host.json'));
  }

  /** An observation; a missing one is reported by name. */
  get(key: string): string {
    const v = this.obs.get(key);
    return v === undefined ? `<no observation ${key}>` : v;
  }

  /** A saved file's text ('' when the guest did not save it). */
  text(name: string): string {
    const file = path.join(this.dir, name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  /** The last lines of a saved output, for failure messages. */
  tail(name: string, lines = 12): string {
    const t = this.text(name).trimEnd().split('\n').slice(-lines).join('\n    ');
    return `\n  ${name}:\n    ${t || '(empty or missing)'}`;
  }

  /** Observations that are "ok <ms>" / "timeout <ms>" condition waits. */
  waited(key: string): boolean {
    return this.get(key).startsWith('ok ');
  }

  json(name: string): any {
    try {
      return JSON.parse(this.text(name));
    } catch {
      return null;
    }
  }

  /** Lines of the oxd units' journal that mention `pattern`. */
  journalLines(pattern: RegExp): string[] {
    return this.text('journal-oxd.txt')
      .split('\n')
      .filter((l) => pattern.test(l));
  }
}

function runHarness(runDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [HARNESS, runDir], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${HARNESS} failed (${signal ?? `exit ${code}`}); see ${runDir}`)),
    );
  });
}

let loaded: Promise<Results> | null = null;

export function results(): Promise<Results> {
  loaded ??= (async () => {
    const given = process.env.BLUEOX_SYSTEM_RESULTS;
    if (given) return new Results(path.resolve(given));
    const runDir = path.join(ROOT, 'build/system-test');
    await runHarness(runDir);
    return new Results(path.join(runDir, 'results'));
  })();
  return loaded;
}

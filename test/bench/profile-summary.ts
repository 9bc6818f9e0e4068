/**
 * Top functions by self time in a V8 .cpuprofile (what `node --cpu-prof`
 * writes). Usable on its own: node build/test/bench/profile-summary.js FILE [N]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  selfMs: number;
  share: number;
}

export function topFunctions(file: string, n = 15): { totalMs: number; idleMs: number; top: FunctionTime[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    const where = f.url ? ` ${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, selfMs: ms, share: ms / total }));
  return { totalMs: total, idleMs: idle, top };
}

export function formatTop(file: string, n = 15): string {
  const { totalMs, idleMs, top } = topFunctions(file, n);
  const lines = [
    `CPU profile ${file}: ${(totalMs / 1000).toFixed(2)} s on the main thread sampled busy, ${(idleMs / 1000).toFixed(2)} s idle`,
    '   self ms   share  function (bundle position)',
  ];
  for (const t of top) {
    lines.push(`${t.selfMs.toFixed(0).padStart(10)}  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.name}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node profile-summary.js FILE.cpuprofile [N]\n');
    process.exit(2);
  }
  process.stdout.write(formatTop(file, Number(process.argv[3] ?? 15)) + '\n');
}

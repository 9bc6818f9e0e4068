/**
 * Where a V8 .cpuprofile of the oxd bundle spent its time, by source file:
 * esbuild marks each module of dist/oxd.js with a `// src/...` line, so a
 * frame's line in the bundle names the file it came from. Each sample goes
 * to the innermost frame of the bundle on its stack, so what Node's
 * built-ins (Buffer, strings, regular expressions) do for a file counts for
 * that file; samples with no bundle frame are Node's own work (the reading
 * of sockets, timers) and the garbage collector is shown apart.
 *
 *   node build/test/bench/profile-by-source.js FILE.cpuprofile [BUNDLE]
 */
import * as fs from 'node:fs';
import { OXD_BUNDLE } from '../helpers/oxd-process';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SourceTime {
  source: string;
  ms: number;
  share: number;
}

/** The bundle's module markers: the source file of each line from there on. */
function moduleStarts(bundle: string): Array<{ line: number; source: string }> {
  const starts: Array<{ line: number; source: string }> = [];
  fs.readFileSync(bundle, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text);
      if (m) starts.push({ line: i, source: m[1] });
    });
  return starts;
}

function sourceAt(starts: Array<{ line: number; source: string }>, line: number): string {
  let lo = 0;
  let hi = starts.length - 1;
  if (hi < 0 || line < starts[0].line) return '(bundle prelude)';
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid].line <= line) lo = mid;
    else hi = mid - 1;
  }
  return starts[lo].source;
}

export function timeBySource(file: string, bundle = OXD_BUNDLE): { totalMs: number; idleMs: number; sources: SourceTime[] } {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const starts = moduleStarts(bundle);
  const parent = new Map<number, ProfileNode>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node);
  }
  const bucketOf = new Map<number, string>();
  const bucket = (node: ProfileNode): string => {
    const known = bucketOf.get(node.id);
    if (known !== undefined) return known;
    const f = node.callFrame;
    let b: string;
    if (f.functionName === '(garbage collector)' || f.functionName === '(idle)' || f.functionName === '(program)') b = f.functionName;
    else if (f.url.endsWith('oxd.js')) b = sourceAt(starts, f.lineNumber);
    else {
      const up = parent.get(node.id);
      b = up === undefined || up.callFrame.functionName === '(root)' ? '(node, no oxd frame)' : bucket(up);
    }
    bucketOf.set(node.id, b);
    return b;
  };
  const ms = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const b = bucket(byId.get(id)!);
    if (b === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    ms.set(b, (ms.get(b) ?? 0) + dt);
  });
  const sources = [...ms.entries()].sort((a, b) => b[1] - a[1]).map(([source, t]) => ({ source, ms: t, share: t / total }));
  return { totalMs: total, idleMs: idle, sources };
}

export function formatBySource(file: string, n = 20, bundle = OXD_BUNDLE): string {
  const { totalMs, idleMs, sources } = timeBySource(file, bundle);
  const lines = [`time by source file (with the built-ins each calls), ${(totalMs / 1000).toFixed(2)} s busy, ${(idleMs / 1000).toFixed(2)} s idle:`, '   ms   share  source'];
  for (const s of sources.slice(0, n)) lines.push(`${s.ms.toFixed(0).padStart(5)}  ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.source}`);
  return lines.join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node profile-by-source.js FILE.cpuprofile [BUNDLE]\n');
    process.exit(2);
  }
  process.stdout.write(formatBySource(file, 30, process.argv[3] ?? OXD_BUNDLE) + '\n');
}

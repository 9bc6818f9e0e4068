/**
 * How the benchmarks print their figures: aligned tables, numbers with
 * thousands separators, and the goals an issue names beside what was
 * measured.
 */

export interface Goal {
  what: string;
  measured: string;
  goal: string;
  /** null: a figure reported, not a goal. */
  met: boolean | null;
}

export const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');
export const mb = (b: number | null): string => (b === null ? '-' : `${Math.round(b / 1048576)} MB`);

/** The first column left-aligned, the others right-aligned. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [head, ...rows].map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

export function formatGoals(gs: Goal[]): string {
  return table(['goal', 'measured', 'wanted', ''], gs.map((g) => [g.what, g.measured, g.goal, g.met === null ? '' : g.met ? 'ok' : 'MISS']));
}

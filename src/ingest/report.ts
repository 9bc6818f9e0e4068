/**
 * What SIGUSR1 prints: one line for the connection to oxd, one per
 * followed file (or for standard input).
 */
import type { Stats } from '../client';
import type { FileCounts } from './file-reader';

export interface FileReport {
  path: string;
  type: string;
  phase: string;
  inode: string | null;
  offset: number;
  size: number | null;
  retired: number;
  counts: FileCounts;
}

export function formatReport(endpoint: string, handed: number, stats: Stats, files: FileReport[]): string {
  const lines = [
    `oxingest: status: oxd ${endpoint} ${stats.connected ? 'connected' : 'not connected'}: lines handed=${handed} sent=${stats.sent} ` +
      `waiting=${stats.queued} dropped=${stats.dropped} refused=${stats.refused}` +
      (stats.lastError && !stats.connected ? ` last-error=${JSON.stringify(stats.lastError)}` : ''),
  ];
  for (const f of files) {
    lines.push(
      `oxingest: status: file ${f.path} type=${f.type} state=${f.phase} inode=${f.inode ?? '-'} offset=${f.offset} ` +
        `size=${f.size ?? '-'} lines=${f.counts.lines} split=${f.counts.split} truncated=${f.counts.truncated}` +
        (f.retired > 0 ? ` old-files-open=${f.retired}` : ''),
    );
  }
  return lines.join('\n') + '\n';
}

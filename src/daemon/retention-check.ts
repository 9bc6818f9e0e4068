/**
 * The flush/retention trap: carbon keeps one point per precision step of the
 * finest retention that applies to a name, and the last value written in a
 * step wins. If oxd writes every 10 s into 60 s points, five intervals out of
 * six are overwritten and counts come out six times too low; the other way
 * round, graphs show gaps. When carbon's storage-schemas.conf can be read,
 * every section that governs a name oxd writes is checked against
 * statsd_flush_ms, and each mismatch is reported naming the section.
 */
import * as fs from 'node:fs';
import type { OxdSettings } from '../config/oxd-settings';
import { DEFAULTS } from '../config/oxd-settings';
import { describeError } from '../errors';
import { CARBON_FALLBACK_SCHEMA, finestRetentionFor, parseStorageSchemas } from '../protocol/carbon-schemas';

/** One name per kind of series oxd writes, under the configured namespace. */
function sampleNames(s: OxdSettings): string[] {
  const sfx = s.graphiteGlobalSuffix ? `.${s.graphiteGlobalSuffix}` : '';
  if (s.graphiteLegacyNamespace) {
    return ['stats.NAME', 'stats_counts.NAME', 'stats.timers.NAME.upper_90', 'stats.gauges.NAME', 'stats.sets.NAME.count', `${s.statsdPrefixStats}.numStats`].map((n) => n + sfx);
  }
  const join = (...parts: string[]): string => parts.filter((p) => p !== '').join('.') + sfx;
  const g = s.graphiteGlobalPrefix;
  return [
    join(g, s.graphitePrefixCounter, 'NAME', 'rate'),
    join(g, s.graphitePrefixCounter, 'NAME', 'count'),
    join(g, s.graphitePrefixTimer, 'NAME', 'upper_90'),
    join(g, s.graphitePrefixGauge, 'NAME'),
    join(g, s.graphitePrefixSet, 'NAME', 'count'),
    join(g, s.statsdPrefixStats, 'numStats'),
  ];
}

/** What is wrong between carbon's retentions and the flush interval; empty when nothing is (or nothing can be said). */
export function retentionProblems(s: OxdSettings): string[] {
  const file = s.graphiteSchemas;
  if (s.graphite === null || file === null) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    // Carbon usually runs on another machine: only a path the administrator chose must be there.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && file === DEFAULTS.graphiteSchemas) return [];
    return [`cannot check carbon's retentions: ${describeError(err)} (set graphite_schemas to carbon's storage-schemas.conf, or "" to skip the check)`];
  }
  let schemas;
  try {
    schemas = parseStorageSchemas(text);
  } catch (err) {
    return [`cannot check carbon's retentions in ${file}: ${describeError(err)}`];
  }
  const flushS = s.statsdFlushMs / 1000;
  const problems = new Map<string, string>();
  for (const name of sampleNames(s)) {
    const r = finestRetentionFor(schemas, name) ?? CARBON_FALLBACK_SCHEMA;
    if (r.seconds === flushS || problems.has(r.section)) continue;
    const shown = name.replace('NAME', '*');
    const effect =
      r.seconds > flushS
        ? `each point holds only the last of ${r.seconds / flushS} intervals, so counts and rates come out too low`
        : `oxd writes a point every ${flushS} s, so ${r.seconds}-second points in between stay empty`;
    problems.set(
      r.section,
      `${file}: section [${r.section}] gives ${shown} ${r.seconds}-second points but statsd_flush_ms is ${s.statsdFlushMs}: ${effect}; ` +
        `make the finest retention of [${r.section}] ${flushS}s, or set statsd_flush_ms = ${r.seconds * 1000}`,
    );
  }
  return [...problems.values()];
}

/**
 * carbon's storage-schemas.conf, read as carbon-cache 1.1.7 reads it, so oxd
 * can tell which whisper precision a metric will get (a statsd interval
 * finer than that precision only overwrites its own points).
 *
 * The file is Python ConfigParser text: `[section]` headers, `key = value` or
 * `key: value` options (keys case-insensitive), whole-line `#` and `;`
 * comments, indented continuation lines, `%(key)s` interpolation. Sections
 * are tried in the order they appear and the first whose `pattern` (a
 * Python regular expression, searched anywhere in the name) matches wins.
 * `retentions` is a comma-separated list of `precision:duration` archives,
 * each a number with an optional unit s, m, h, d, w or y (a bare number is
 * seconds as precision and a count of points as duration). carbon 1.1.7
 * takes only these one-letter units: `1min` stops it, even though
 * whisper's own tools would accept it.
 *
 * What stops carbon from starting (a bad retention, a pattern that is not a
 * regular expression, a duplicated section) throws here; what carbon skips
 * with a log line (a section without pattern or retentions, an archive list
 * whisper refuses) is skipped here and reported in `skipped`.
 */
import { BlueOxError } from '../errors';

export interface CarbonArchive {
  secondsPerPoint: number;
  points: number;
}

export interface CarbonSchema {
  section: string;
  pattern: string;
  regex: RegExp;
  /** Finest first, as whisper orders them. */
  archives: CarbonArchive[];
}

export interface CarbonSchemas {
  schemas: CarbonSchema[];
  /** Sections carbon ignores, and why. */
  skipped: Array<{ section: string; reason: string }>;
}

/**
 * What carbon uses for a metric no section matches: one archive of minutely
 * points for 7 days (carbon/storage.py defaultSchema).
 */
export const CARBON_FALLBACK_SCHEMA = { section: 'default', seconds: 60 } as const;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

function fail(message: string): never {
  throw new BlueOxError('ECARBON_SCHEMAS', `storage-schemas.conf: ${message}`);
}

/** One `precision:duration` archive, as carbon.util.parseRetentionDef reads it. */
export function parseRetention(def: string): CarbonArchive {
  const parts = def.trim().split(':');
  if (parts.length !== 2) fail(`"${def.trim()}" is not a retention: write precision:duration, e.g. 10s:1d`);
  const [precisionText, pointsText] = parts;
  const precision = /^\d+$/.test(precisionText) ? Number(precisionText) : withUnit(precisionText, 'precision');
  if (precision === 0) fail(`"${def.trim()}": the precision must be at least one second`);
  const points = /^\d+$/.test(pointsText) ? Number(pointsText) : Math.trunc(withUnit(pointsText, 'retention') / precision);
  return { secondsPerPoint: precision, points };
}

function withUnit(text: string, what: string): number {
  const m = /^(\d+)([a-z]+)$/.exec(text);
  if (!m) fail(`invalid ${what} specification "${text}": write a number with one of the units s, m, h, d, w, y`);
  const unit = UNITS[m[2]];
  if (unit === undefined) fail(`invalid unit "${m[2]}" in "${text}": carbon takes s, m, h, d, w or y`);
  return Number(m[1]) * unit;
}

/** Why whisper would refuse these archives (whisper.validateArchiveList), or null. */
export function archiveListProblem(archives: CarbonArchive[]): string | null {
  const sorted = [...archives].sort((a, b) => a.secondsPerPoint - b.secondsPerPoint);
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i];
    const b = sorted[i + 1];
    if (a.secondsPerPoint === b.secondsPerPoint) return `two archives with the same precision (${a.secondsPerPoint}s)`;
    if (b.secondsPerPoint % a.secondsPerPoint !== 0) return `precision ${a.secondsPerPoint}s does not evenly divide ${b.secondsPerPoint}s`;
    if (b.secondsPerPoint * b.points <= a.secondsPerPoint * a.points) return `the ${b.secondsPerPoint}s archive does not cover more time than the ${a.secondsPerPoint}s one`;
    const perConsolidation = Math.floor(b.secondsPerPoint / a.secondsPerPoint);
    if (a.points < perConsolidation) return `the ${a.secondsPerPoint}s archive has fewer than the ${perConsolidation} points the ${b.secondsPerPoint}s one consolidates`;
  }
  return null;
}

export function parseStorageSchemas(text: string): CarbonSchemas {
  const { order, sections, defaults } = readIni(text);
  const schemas: CarbonSchema[] = [];
  const skipped: CarbonSchemas['skipped'] = [];
  for (const name of order) {
    const own = name === 'DEFAULT' ? new Map<string, string>() : sections.get(name);
    if (own === undefined) fail(`section [${name}] could not be read`);
    const raw = new Map([...defaults, ...own]);
    // Carbon reads a section with items(), which interpolates every option in it.
    const options = new Map([...raw].map(([k, v]) => [k, interpolate(v, raw, name)]));
    const retentions = options.get('retentions');
    if (retentions === undefined) {
      skipped.push({ section: name, reason: 'no retentions' });
      continue;
    }
    const archives = retentions.split(',').map(parseRetention);
    const pattern = options.get('pattern');
    if (!pattern) {
      skipped.push({ section: name, reason: 'no pattern' });
      continue;
    }
    const regex = pythonRegex(pattern, name);
    const problem = archiveListProblem(archives);
    if (problem !== null) {
      skipped.push({ section: name, reason: problem });
      continue;
    }
    archives.sort((a, b) => a.secondsPerPoint - b.secondsPerPoint);
    schemas.push({ section: name, pattern, regex, archives });
  }
  return { schemas, skipped };
}

/**
 * The section that decides `metricName`'s whisper file and that file's finest precision;
 * null when no section matches (carbon then uses CARBON_FALLBACK_SCHEMA).
 */
export function finestRetentionFor(schemas: CarbonSchemas | CarbonSchema[], metricName: string): { section: string; seconds: number } | null {
  const list = Array.isArray(schemas) ? schemas : schemas.schemas;
  for (const s of list) {
    if (s.regex.test(metricName)) return { section: s.section, seconds: s.archives[0].secondsPerPoint };
  }
  return null;
}

interface Ini {
  /** Section names in file order, as carbon's OrderedConfigParser lists them. */
  order: string[];
  sections: Map<string, Map<string, string>>;
  defaults: Map<string, string>;
}

/** Python's ConfigParser (strict, default delimiters and comment prefixes), enough for this file. */
function readIni(text: string): Ini {
  const order: string[] = [];
  const sections = new Map<string, Map<string, string>>();
  const defaults = new Map<string, string>();
  let current: Map<string, string> | null = null;
  let currentName = '';
  let option: string | null = null;
  let optionIndent = 0;
  const values = new Map<Map<string, string>, Map<string, string[]>>();
  const lines = text.split(/\r\n|\n|\r/);
  lines.forEach((line, i) => {
    const value = line.trim();
    // carbon lists sections by scanning for lines that look like headers, apart from ConfigParser.
    if (value.startsWith('[') && value.endsWith(']')) order.push(value.slice(1, -1));
    if (value.startsWith('#') || value.startsWith(';')) return;
    if (value === '') {
      if (current !== null && option !== null) values.get(current)!.get(option)!.push('');
      return;
    }
    const indent = line.length - line.trimStart().length;
    if (current !== null && option !== null && indent > optionIndent) {
      values.get(current)!.get(option)!.push(value);
      return;
    }
    const header = /^\[(.+)\]/.exec(value);
    if (header) {
      currentName = header[1];
      if (currentName === 'DEFAULT') {
        current = defaults;
      } else {
        if (sections.has(currentName)) fail(`section [${currentName}] appears twice (line ${i + 1}); carbon refuses to start`);
        current = new Map();
        sections.set(currentName, current);
      }
      if (!values.has(current)) values.set(current, new Map());
      option = null;
      optionIndent = indent;
      return;
    }
    if (current === null) fail(`line ${i + 1} comes before any [section] header`);
    const opt = /^(.*?)\s*([=:])\s*(.*)$/.exec(value);
    if (!opt || opt[1] === '') fail(`line ${i + 1} of [${currentName}] is neither "key = value" nor a comment: ${JSON.stringify(line)}`);
    const key = opt[1].trimEnd().toLowerCase();
    const own = values.get(current)!;
    if (own.has(key)) fail(`"${key}" appears twice in [${currentName}] (line ${i + 1}); carbon refuses to start`);
    own.set(key, [opt[3].trim()]);
    option = key;
    optionIndent = indent;
  });
  for (const [section, opts] of values) {
    for (const [key, parts] of opts) section.set(key, parts.join('\n').trimEnd());
  }
  return { order, sections, defaults };
}

/** ConfigParser's BasicInterpolation: `%%` is `%`, `%(key)s` is that option's value. */
function interpolate(raw: string, options: Map<string, string>, section: string, depth = 0): string {
  if (depth > 10) fail(`[${section}]: interpolation nested too deeply in "${raw}"`);
  return raw.replace(/%(%|\(([^)]*)\)s|)/g, (all, _p, key: string | undefined) => {
    if (all === '%%') return '%';
    if (key === undefined) fail(`[${section}]: a lone "%" in "${raw}": write %% for a percent sign`);
    const v = options.get(key.toLowerCase());
    if (v === undefined) fail(`[${section}]: "${raw}" refers to %(${key})s, which is not set`);
    return interpolate(v, options, section, depth + 1);
  });
}

/**
 * A Python pattern as a JavaScript RegExp: the common syntax is the same; named groups,
 * \A, \Z and leading inline flags are translated.
 */
function pythonRegex(pattern: string, section: string): RegExp {
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1]) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else if (f !== 'a' && f !== 'u') fail(`[${section}]: pattern ${JSON.stringify(pattern)} uses the (?${f}) flag, which oxd cannot follow`);
    }
  }
  source = source
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    // \A and \Z (not after another backslash) are the start and end of the whole name.
    .replace(/\\\\|\\A|\\Z/g, (m) => (m === '\\A' ? '(?<![\\s\\S])' : m === '\\Z' ? '(?![\\s\\S])' : m));
  try {
    return new RegExp(source, flags);
  } catch (err) {
    fail(`[${section}]: pattern ${JSON.stringify(pattern)} is not a regular expression: ${(err as Error).message}`);
  }
}

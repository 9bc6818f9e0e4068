/**
 * Reading an oxpoke check file (TOML, doc/poke.md) into checks: `[[check]]`
 * tables (one request each), `[[scenario]]` tables with their
 * `[[scenario.step]]`s, and `[defaults]` for all of them. Strict: an unknown
 * key, a wrong type or a bad value stops the file from loading with a
 * message naming the file, the line, the key and what is allowed, because a
 * check with a typo in it would silently check something else.
 */
import * as fs from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { BlueOxError } from '../errors';
import { Check, Schedule, Step } from './check';
import { EMPTY_LAYER, Layer, REQUEST_LAYER_KEYS, SCHEDULE_KEYS, readLayer } from './check-layer';
import { readStep } from './check-step';
import { formatDuration } from './durations';
import { FileTable } from './file-table';
import { PokeFileError } from './poke-file-error';
import { locateKeys } from './toml-lines';

export const ALLOWED = {
  name: '1 to 64 letters, digits, "_", "." or "-" (it becomes a metric name)',
  uniqueName: 'each check and scenario of a file needs a name of its own',
  check: 'written as [[check]] tables, one for each check',
  scenario: 'written as [[scenario]] tables, one for each scenario',
  step: 'written as [[scenario.step]] tables after their [[scenario]], one for each step',
  defaults: 'a table: [defaults]',
  steps: 'a scenario runs one or more [[scenario.step]] tables, written after its [[scenario]], in order',
};

export const DEFAULT_SCHEDULE: Schedule = { intervalMs: 60_000, jitterMs: 0, retries: 0, failures: 1, window: 1 };

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SCENARIO_KEYS = ['name', 'step', ...SCHEDULE_KEYS, ...REQUEST_LAYER_KEYS];
const DEFAULTS_KEYS = [...REQUEST_LAYER_KEYS, ...SCHEDULE_KEYS];

/** The checks and scenarios of `file`, in the order written. */
export function readCheckFile(file: string): Check[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new BlueOxError('EPOKEFILE', `cannot read the check file ${file}: ${(err as Error).message}`);
  }
  return parseChecks(text, file);
}

/** The checks and scenarios `text` holds; `file` names it in messages, and relative paths in it are taken from its folder. */
export function parseChecks(text: string, file: string): Check[] {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    throw new PokeFileError(file, err.line, '', `not valid TOML (column ${err.column}): ${err.message.split('\n')[0]}`, 'a check file is TOML (https://toml.io)');
  }
  const root = new FileTable({ file, lines: locateKeys(text) }, [], doc);
  root.only(['check', 'scenario', 'defaults'], 'a check file');
  const defaultsTable = root.table('defaults', ALLOWED.defaults);
  defaultsTable?.only(DEFAULTS_KEYS, '[defaults]');
  const defaults = defaultsTable === undefined ? EMPTY_LAYER : readLayer(defaultsTable, EMPTY_LAYER);

  const read = [
    ...root.tables('check', ALLOWED.check).map((t) => ({ t, check: readCheck(t, defaults) })),
    ...root.tables('scenario', ALLOWED.scenario).map((t) => ({ t, check: readScenario(t, defaults) })),
  ].sort((a, b) => a.check.line - b.check.line);
  const named = new Map<string, FileTable>();
  for (const { t, check } of read) {
    const first = named.get(check.name);
    if (first !== undefined) {
      throw t.error('name', `${t.name('name')} = ${JSON.stringify(check.name)} is not allowed`, `${ALLOWED.uniqueName}, and ${first.name()} (line ${first.line()}) is also named so`);
    }
    named.set(check.name, t);
  }
  return read.map(({ check }) => check);
}

function readCheck(t: FileTable, defaults: Layer): Check {
  const name = readName(t);
  const { step, layer } = readStep(t, {
    ownKeys: SCHEDULE_KEYS,
    elsewhere: {
      capture: 'capture is for the steps of a [[scenario]]; a check has no later step to use the value',
      step: 'steps belong to a [[scenario]]; a [[check]] is one request',
    },
    noun: 'check',
    base: defaults,
    inScenario: false,
    captured: new Set(),
  });
  return { name, file: t.source.file, line: t.line(), steps: [step], schedule: readSchedule(layer) };
}

function readScenario(t: FileTable, defaults: Layer): Check {
  t.only(SCENARIO_KEYS, 'a scenario');
  const name = readName(t);
  const layer = readLayer(t, defaults);
  const stepTables = t.tables('step', ALLOWED.step);
  if (stepTables.length === 0) throw t.error(undefined, `${t.name()} (${name}) has no steps`, ALLOWED.steps);

  const captured = new Set<string>();
  const stepNames = new Map<string, FileTable>();
  const steps = stepTables.map((st): Step => {
    const stepName = st.string('name', ALLOWED.name, (text) => NAME.test(text));
    if (stepName !== undefined) {
      const first = stepNames.get(stepName);
      if (first !== undefined) {
        throw st.error('name', `${st.name('name')} = ${JSON.stringify(stepName)} is not allowed`, `the steps of a scenario need names of their own, and ${first.name()} (line ${first.line()}) is also named so`);
      }
      stepNames.set(stepName, st);
    }
    const { step } = readStep(st, {
      ownKeys: ['capture'],
      elsewhere: Object.fromEntries(SCHEDULE_KEYS.map((key) => [key, `${key} is set for the whole scenario, in [[scenario]] (or in [defaults])`])),
      noun: 'step',
      base: layer,
      inScenario: true,
      captured: new Set(captured),
    });
    for (const capture of step.capture) captured.add(capture.name);
    return stepName === undefined ? step : { name: stepName, ...step };
  });
  return { name, file: t.source.file, line: t.line(), steps, schedule: readSchedule(layer) };
}

function readName(t: FileTable): string {
  const name = t.string('name', ALLOWED.name, (text) => NAME.test(text));
  if (name === undefined) throw t.error(undefined, `${t.name()} has no name`, `name is required: ${ALLOWED.name}`);
  return name;
}

function readSchedule(layer: Layer): Schedule {
  const { intervalMs: interval, jitterMs: jitter } = layer;
  const schedule: Schedule = {
    intervalMs: interval?.value ?? DEFAULT_SCHEDULE.intervalMs,
    jitterMs: jitter?.value ?? DEFAULT_SCHEDULE.jitterMs,
    retries: layer.retries?.value ?? DEFAULT_SCHEDULE.retries,
    failures: layer.threshold?.value.failures ?? DEFAULT_SCHEDULE.failures,
    window: layer.threshold?.value.window ?? DEFAULT_SCHEDULE.window,
  };
  if (jitter !== undefined && schedule.jitterMs > schedule.intervalMs) {
    // Name the one written closer to the check: that is the one to change.
    if (interval !== undefined && interval.table.path.length > jitter.table.path.length) {
      throw interval.table.bad('interval', `at least as long as the jitter (${formatDuration(jitter.value)}, ${jitter.table.name('jitter')} at line ${jitter.table.line('jitter')})`);
    }
    throw jitter.table.bad('jitter', `no longer than the interval (${formatDuration(schedule.intervalMs)})`);
  }
  return schedule;
}

/**
 * Reading /etc/blueox/oxd.conf (TOML, one `key = value` per setting) into
 * checked settings. Strict: a syntax error names the file, line and column;
 * an unknown key or a bad value stops start-up naming the file, the key and
 * what is allowed, because a typo that is silently ignored is a setting that
 * silently does not apply.
 */
import * as fs from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import { BlueOxError } from '../errors';
import { ConfigError } from './errors';
import { fieldForKey, OxdSettings, parseSetting, settingKeys } from './oxd-settings';

export const DEFAULT_CONFIG_FILE = '/etc/blueox/oxd.conf';

/**
 * The settings `file` sets (only those). A missing file is an error only
 * when `required` (it was named explicitly); otherwise it sets nothing.
 */
export function readConfigFile(file: string, required: boolean): Partial<OxdSettings> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return {};
    throw new BlueOxError('ECONFIG', `cannot read the configuration file ${file}: ${(err as Error).message}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      throw new BlueOxError('ECONFIG', `${file}:${err.line}:${err.column}: not valid TOML: ${err.message.split('\n')[0]}`);
    }
    throw err;
  }
  const settings: Partial<OxdSettings> = {};
  for (const [key, value] of Object.entries(doc)) {
    const field = fieldForKey(key);
    if (field === undefined) {
      throw new ConfigError(file, key, `one of the known keys (${settingKeys().join(', ')})`, value);
    }
    (settings as Record<string, unknown>)[field] = parseSetting(field, value, file);
  }
  return settings;
}

/** Settings from OXD_<KEY> variables (e.g. OXD_LOG_PATH), and the original's BLUEOX_HOST / BLUEOX_CLIENT_HOST. */
export function readEnvironment(env: NodeJS.ProcessEnv): Partial<OxdSettings> {
  const settings: Partial<OxdSettings> = {};
  if (env.BLUEOX_HOST) settings.collect = parseSetting('collect', env.BLUEOX_HOST, 'environment BLUEOX_HOST');
  if (env.BLUEOX_CLIENT_HOST) settings.control = parseSetting('control', env.BLUEOX_CLIENT_HOST, 'environment BLUEOX_CLIENT_HOST');
  for (const key of settingKeys()) {
    const name = `OXD_${key.toUpperCase()}`;
    const value = env[name];
    if (value === undefined) continue;
    const field = fieldForKey(key)!;
    (settings as Record<string, unknown>)[field] = parseSetting(field, value, `environment ${name}`);
  }
  return settings;
}

import { BlueOxError } from '../errors';

/**
 * A setting that cannot be used. The message names where the value came from
 * (a file, a flag or an environment variable), the key, what was given and
 * what is allowed, so the fix is obvious from the one line.
 */
export class ConfigError extends BlueOxError {
  constructor(
    readonly source: string,
    readonly key: string,
    readonly allowed: string,
    given: unknown,
  ) {
    super('ECONFIG', `${source}: ${key} = ${JSON.stringify(given)} is not allowed; ${key} must be ${allowed}`);
    this.name = 'ConfigError';
  }
}

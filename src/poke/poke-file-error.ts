import { BlueOxError } from '../errors';

/**
 * A check file oxpoke cannot use. The message starts with `file:line:` (so
 * editors jump to it) and names the key, as a dotted path counted from 1
 * (`check[2].expect.status`), what was written and what is allowed, so the
 * fix is obvious from the one line. `key` and `allowed` are kept apart for
 * callers and tests.
 */
export class PokeFileError extends BlueOxError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly key: string,
    problem: string,
    readonly allowed: string,
  ) {
    super('EPOKEFILE', `${file}:${line}: ${problem}; ${allowed}`);
    this.name = 'PokeFileError';
  }
}

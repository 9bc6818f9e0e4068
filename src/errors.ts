/**
 * Every error BlueOx raises for a person to read carries a stable code (for
 * scripts, tests and log searches) and a message that says what to do.
 *
 * @example
 * ```ts
 * try { blueox.context('..bad', run); } catch (err) { if (err instanceof blueox.BlueOxError) console.error(err.code); }
 * ```
 */
export class BlueOxError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'BlueOxError';
    this.code = code;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** The text to show for any thrown value, with its code when it has one. */
export function describeError(err: unknown): string {
  if (err instanceof BlueOxError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node's system errors already start their message with the code.
    return code && !err.message.startsWith(`${code}:`) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/**
 * `${NAME}` in a scenario step's URL, header values and body: a value an
 * earlier step captured. `$${` writes a literal `${`. The file reader uses
 * placeholderNames to refuse names no earlier step captures; the probes use
 * fillPlaceholders when they build the request.
 */

/** What a capture may be called: it is written inside `${...}`. */
export const CAPTURE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const PLACEHOLDER = /\$(\$?)\{([^}]*)\}/g;

/** The names `text` uses, in order, as written (they may not be valid names). */
export function placeholderNames(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) if (match[1] === '') names.push(match[2]);
  return names;
}

/** `text` with each `${NAME}` replaced by its value and each `$${` by `${`. */
export function fillPlaceholders(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, escaped: string, name: string) => {
    if (escaped !== '') return whole.slice(1);
    const value = values.get(name);
    // The file reader made sure every name is captured before it is used; a capture
    // that found nothing fails its step, so this is only reached by a caller's mistake.
    if (value === undefined) throw new Error(`no value captured for \${${name}}`);
    return value;
  });
}

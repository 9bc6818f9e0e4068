/**
 * Sizes as check files write them: a number of bytes (an integer), or a text
 * with a unit: "512B", "64KiB", "1MiB", "1GiB" (powers of 1024) or "10kB",
 * "1MB", "1GB" (powers of 1000).
 */

const UNIT_BYTES: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  kB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};
const SIZE = /^(\d+(?:\.\d+)?) ?(B|KiB|MiB|GiB|kB|MB|GB)$/;

/** Bytes (rounded to whole bytes), or undefined when `value` is not a size. */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = SIZE.exec(value);
  return match === null ? undefined : Math.round(Number(match[1]) * UNIT_BYTES[match[2]]);
}

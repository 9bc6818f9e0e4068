/**
 * A seeded pseudo-random source (mulberry32) for fuzz tests, so any failure
 * reproduces: the seed is printed with the assertions, HOSTILE_SEED=<n> replays it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** HOSTILE_SEED from the environment, else one derived from the clock. */
export const SEED = Number(process.env.HOSTILE_SEED ?? Date.now() % 0x7fffffff);

export function randomBytes(rand: () => number, n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
}

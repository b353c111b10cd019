// Seeded random numbers for the property tests.

/** mulberry32: small, fast, and the same sequence for a seed on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `runOnce` for `runs` consecutive seeds (or MODELSHIP_PROPERTY_SEED alone) per mode, naming the seed that failed. */
export function forSeeds<M>(runs: number, modes: readonly M[], runOnce: (seed: number, mode: M) => void): void {
  const fixed = process.env['MODELSHIP_PROPERTY_SEED'];
  const base = fixed !== undefined ? Number(fixed) : (Date.now() % 1_000_000);
  const seeds = fixed !== undefined ? [base] : Array.from({ length: runs }, (_, i) => base + i);
  for (const mode of modes) {
    for (const seed of seeds) {
      try {
        runOnce(seed, mode);
      } catch (err) {
        process.stderr.write(`property failure: replay with MODELSHIP_PROPERTY_SEED=${seed}\n`);
        throw err;
      }
    }
  }
}

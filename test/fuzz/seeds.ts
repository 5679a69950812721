// Every fuzz run uses a fixed seed (the same inputs each time, so a failure reproduces) and a
// random one (new inputs each run); a failure names its seed. FUZZ_SEED=<n> replays one.
import fc from "fast-check";

export const FIXED_SEED = 20_261_201;

export function runSeeds(): number[] {
  const replay = process.env.FUZZ_SEED;
  if (replay) return [Number(replay)];
  return [FIXED_SEED, Math.floor(Math.random() * 2 ** 31)];
}

/** fc.assert under each seed; the error says which seed failed and how to replay it. */
export function assertForSeeds<T>(property: fc.IProperty<T> | fc.IAsyncProperty<T>, numRuns: number): Promise<void> | void {
  const seeds = runSeeds();
  const run = (seed: number) => {
    try {
      fc.assert(property as fc.IProperty<T>, { seed, numRuns });
    } catch (e) {
      const cause = (e as Error).cause;
      const why = cause instanceof Error ? `${cause.name}: ${cause.message}\n${cause.stack?.split("\n").slice(1, 6).join("\n")}` : String(cause ?? "");
      throw new Error(`fuzz property failed with seed ${seed} (replay: FUZZ_SEED=${seed}):\n${(e as Error).message}\n${why}`);
    }
  };
  for (const seed of seeds) run(seed);
}

/** A random number for the raw fuzzer's own generator, printed with any failure. */
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

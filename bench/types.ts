/** Shared shapes and helpers of the benchmark harness (`npm run bench`). */

/** One measured case. `ratio = baselineSeconds / seconds` (> 1: ours is faster than the baseline). */
export interface BenchResult {
  case: string;
  /** Best wall time of our implementation, seconds. */
  seconds: number;
  /** Best wall time of the baseline (e.g. ml-matrix) on the same input in the same run. */
  baselineSeconds?: number;
  ratio?: number;
  /** Extra figures (GFLOP/s, sizes, errors, …). */
  extra?: Record<string, number>;
  /** Where it ran (filled in by the harness for every result). */
  env?: BenchEnvironment;
}

/** The machine and linear-algebra set-up of a result: CPU model, cores, backend, BLAS build and threads. */
export interface BenchEnvironment {
  cpu: string;
  cores: number;
  backend: string;
  /** The BLAS library's build string and thread count (native), or the pure TypeScript GEMM's. */
  blas: string;
  /** Threads of the active backend's GEMM (OpenBLAS threads, or pure-TS GEMM workers). */
  threads: number;
}

/** A benchmark module: `bench/<name>.bench.ts` exports these. */
export interface BenchModule {
  name: string;
  run(): Promise<BenchResult[]>;
}

/**
 * Best-of wall time of `fn` in seconds: one warm-up call, then repeats until `minTotal` seconds
 * have been spent or `maxReps` calls made (at least one).
 */
export function timeBest(fn: () => void, opts: { minTotal?: number; maxReps?: number; warmup?: boolean } = {}): number {
  const minTotal = opts.minTotal ?? 0.5;
  const maxReps = opts.maxReps ?? 20;
  if (opts.warmup ?? true) fn();
  let best = Infinity;
  let total = 0;
  for (let r = 0; r < maxReps && (r === 0 || total < minTotal); r++) {
    const t0 = performance.now();
    fn();
    const dt = (performance.now() - t0) / 1000;
    best = Math.min(best, dt);
    total += dt;
  }
  return best;
}

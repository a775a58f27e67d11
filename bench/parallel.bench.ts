/**
 * Parallel pure-TS GEMM (worker_threads, `enableParallelGemm`) against the single-threaded js
 * kernel, square n = 500 and 1000, same inputs, same run; also SYRK A Aᵀ at n = 1000. Threads:
 * `SNTK_THREADS`, else `os.availableParallelism()`. `maxAbsDiff` compares the two results (0: the
 * same kernel, the same summation order).
 */
import { createRng, gemm, randomNormalMatrix, setBackend, syrk, zeros } from '../src/linalg/index.js';
import { gemmBlocked } from '../src/linalg/gemm-kernel.js';
import { jsBackend } from '../src/linalg/js-backend.js';
import { disableParallelGemm, enableParallelGemm } from '../src/linalg/parallel/index.js';
import { timeBest, type BenchResult } from './types.js';

export const name = 'parallel';

export async function run(): Promise<BenchResult[]> {
  setBackend('js');
  const threads = await enableParallelGemm();
  const out: BenchResult[] = [];
  const rng = createRng(99);
  try {
    for (const n of [500, 1000]) {
      const A = randomNormalMatrix(n, n, rng), B = randomNormalMatrix(n, n, rng);
      const Cs = zeros(n, n), Cp = zeros(n, n);
      const flops = 2 * n ** 3;
      const ts = timeBest(() => gemmBlocked(false, false, 1, A, B, 0, Cs), { minTotal: 1, maxReps: 5 });
      const tp = timeBest(() => gemm(A, B, { out: Cp }), { minTotal: 1, maxReps: 5 });
      let d = 0;
      for (let i = 0; i < n * n; i++) d = Math.max(d, Math.abs(Cs.data[i]! - Cp.data[i]!));
      out.push({ case: `gemm n=${n} ${threads} threads vs 1`, seconds: tp, baselineSeconds: ts, ratio: ts / tp, extra: { n, threads, gflops: flops / tp / 1e9, baselineGflops: flops / ts / 1e9, maxAbsDiff: d } });
    }
    const n = 1000;
    const A = randomNormalMatrix(n, n, rng);
    const Ss = zeros(n, n);
    const ts = timeBest(() => jsBackend.syrk(false, 1, A, Ss), { minTotal: 1, maxReps: 5 });
    let Sp = zeros(1, 1);
    const tp = timeBest(() => (Sp = syrk(A)), { minTotal: 1, maxReps: 5 });
    let d = 0;
    for (let i = 0; i < n * n; i++) d = Math.max(d, Math.abs(Ss.data[i]! - Sp.data[i]!));
    out.push({ case: `syrk AAᵀ n=${n} ${threads} threads vs 1`, seconds: tp, baselineSeconds: ts, ratio: ts / tp, extra: { n, threads, gflops: n ** 3 / tp / 1e9, baselineGflops: n ** 3 / ts / 1e9, maxAbsDiff: d } });
  } finally {
    disableParallelGemm();
  }
  return out;
}

/**
 * GEMM throughput: our register-blocked kernel (`gemm`, js backend) vs ml-matrix's `mmul`, square
 * n × n at n = 250, 500, 1000, same inputs, same run. Also SYRK (A Aᵀ) at n = 500.
 */
import { Matrix as MlMatrix } from 'ml-matrix';
import { createRng, gemm, randomNormalMatrix, syrk, setBackend, zeros } from '../src/linalg/index.js';
import { timeBest, type BenchResult } from './types.js';

export const name = 'gemm';

export async function run(): Promise<BenchResult[]> {
  setBackend('js');
  const out: BenchResult[] = [];
  const rng = createRng(2024);
  for (const n of [250, 500, 1000]) {
    const A = randomNormalMatrix(n, n, rng);
    const B = randomNormalMatrix(n, n, rng);
    const C = zeros(n, n);
    const mlA = new MlMatrix(n, n);
    const mlB = new MlMatrix(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        mlA.set(i, j, A.data[i * n + j]!);
        mlB.set(i, j, B.data[i * n + j]!);
      }
    }
    const flops = 2 * n * n * n;
    const ours = timeBest(() => gemm(A, B, { out: C }), { minTotal: 1 });
    const base = timeBest(() => mlA.mmul(mlB), { minTotal: 1, maxReps: n >= 1000 ? 2 : 5, warmup: n < 1000 });
    // Agreement check between the two products.
    const P = mlA.mmul(mlB);
    let err = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) err = Math.max(err, Math.abs(P.get(i, j) - C.data[i * n + j]!));
    out.push({
      case: `gemm n=${n}`,
      seconds: ours,
      baselineSeconds: base,
      ratio: base / ours,
      extra: { n, gflops: flops / ours / 1e9, baselineGflops: flops / base / 1e9, maxAbsDiff: err },
    });
    if (n === 500) {
      const tt = timeBest(() => gemm(A, B, { out: C, transA: true, transB: true }), { minTotal: 0.5 });
      out.push({ case: `gemm AᵀBᵀ n=${n}`, seconds: tt, extra: { n, gflops: flops / tt / 1e9 } });
      const ts = timeBest(() => syrk(A), { minTotal: 0.5 });
      out.push({ case: `syrk AAᵀ n=${n}`, seconds: ts, baselineSeconds: ours, ratio: ours / ts, extra: { n, gflops: flops / 2 / ts / 1e9 } });
    }
  }
  return out;
}

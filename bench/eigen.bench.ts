/**
 * Symmetric eigen-decomposition, js backend, against ml-matrix's `EigenvalueDecomposition`
 * (`assumeSymmetric`, which always computes vectors), same input, same run: values only
 * (`symmetricEigen(A, {vectors: false})`: blocked tridiagonalisation + QL without vectors) and
 * with vectors, at n = 500, 1120, 2000. `maxRelDiff` is max|λ − λ_ml| / max|λ_ml|. Also the
 * general eigensolver with left and right vectors at n = 200 vs ml-matrix (right vectors only).
 * `BENCH_EIGEN_SIZES=500,1120` overrides the sizes.
 */
import { Matrix as MlMatrix, EigenvalueDecomposition } from 'ml-matrix';
import { createRng, generalEigen, randomNormalMatrix, setBackend, symmetricEigen, zeros } from '../src/linalg/index.js';
import { timeBest, type BenchResult } from './types.js';

export const name = 'eigen';

export async function run(): Promise<BenchResult[]> {
  setBackend('js');
  const out: BenchResult[] = [];
  const rng = createRng(7);
  const sizes = (process.env.BENCH_EIGEN_SIZES ?? '500,1120,2000').split(',').map(Number);
  for (const n of sizes) {
    const G = randomNormalMatrix(n, n, rng);
    const S = zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S.data[i * n + j] = G.data[i * n + j]! + G.data[j * n + i]!;
    const mlS = new MlMatrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mlS.set(i, j, S.data[i * n + j]!);
    let mlValues: number[] = [];
    const base = timeBest(() => (mlValues = new EigenvalueDecomposition(mlS, { assumeSymmetric: true }).realEigenvalues), { minTotal: 0, maxReps: 1, warmup: false });
    let mx = 0;
    for (const x of mlValues) mx = Math.max(mx, Math.abs(x));
    const diff = (v: Float64Array): number => {
      let d = 0;
      for (let i = 0; i < n; i++) d = Math.max(d, Math.abs(v[i]! - mlValues[i]!));
      return d / mx;
    };
    let vals: Float64Array = new Float64Array(0);
    const tv = timeBest(() => (vals = symmetricEigen(S, { vectors: false }).values), { minTotal: 0, maxReps: n > 1000 ? 1 : 3, warmup: n <= 1000 });
    out.push({ case: `symmetricEigen values n=${n}`, seconds: tv, baselineSeconds: base, ratio: base / tv, extra: { n, maxRelDiff: diff(vals) } });
    const tf = timeBest(() => (vals = symmetricEigen(S).values), { minTotal: 0, maxReps: 1, warmup: false });
    out.push({ case: `symmetricEigen vectors n=${n}`, seconds: tf, baselineSeconds: base, ratio: base / tf, extra: { n, maxRelDiff: diff(vals) } });
  }
  {
    const n = 200;
    const A = randomNormalMatrix(n, n, rng);
    const mlA = new MlMatrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mlA.set(i, j, A.data[i * n + j]!);
    const ours = timeBest(() => generalEigen(A), { minTotal: 0, maxReps: 3 });
    const base = timeBest(() => new EigenvalueDecomposition(mlA, { assumeSymmetric: false }), { minTotal: 0, maxReps: 3 });
    out.push({ case: `generalEigen L+R n=${n}`, seconds: ours, baselineSeconds: base, ratio: base / ours, extra: { n } });
  }
  return out;
}

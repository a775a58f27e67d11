/**
 * Symmetric eigen-decomposition (with vectors) at n = 500: `symmetricEigen` (js backend: our
 * flat-array port of the same tred2/tql2 algorithm, plus conversions) vs ml-matrix called
 * directly. The same algorithm for now; a native backend is compared later. Also the general eigensolver
 * with left and right vectors at n = 200 vs ml-matrix (right vectors only).
 */
import { Matrix as MlMatrix, EigenvalueDecomposition } from 'ml-matrix';
import { createRng, generalEigen, randomNormalMatrix, setBackend, symmetricEigen, zeros } from '../src/linalg/index.js';
import { timeBest, type BenchResult } from './types.js';

export const name = 'eigen';

export async function run(): Promise<BenchResult[]> {
  setBackend('js');
  const out: BenchResult[] = [];
  const rng = createRng(7);
  {
    const n = 500;
    const G = randomNormalMatrix(n, n, rng);
    const S = zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S.data[i * n + j] = G.data[i * n + j]! + G.data[j * n + i]!;
    const mlS = new MlMatrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mlS.set(i, j, S.data[i * n + j]!);
    const ours = timeBest(() => symmetricEigen(S), { minTotal: 0, maxReps: 2, warmup: false });
    const base = timeBest(() => new EigenvalueDecomposition(mlS, { assumeSymmetric: true }), { minTotal: 0, maxReps: 2, warmup: false });
    out.push({ case: `symmetricEigen n=${n}`, seconds: ours, baselineSeconds: base, ratio: base / ours, extra: { n } });
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

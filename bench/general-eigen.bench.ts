/**
 * General (non-symmetric) eigenvalues only, js backend: `generalEigen(A, {vectors: false})`
 * (balancing + Hessenberg + double-shift QR without vectors, src/linalg/hessenberg-qr.ts) against
 * ml-matrix's `EigenvalueDecomposition` (orthes + hqr2, which always accumulates vectors), same
 * Gaussian input, same run, at n = 256 and 500. `maxDiff` is the greedy multiset distance between
 * the two spectra divided by max|A|. `BENCH_GENERAL_EIGEN_SIZES=64,128` overrides the sizes.
 */
import { Matrix as MlMatrix, EigenvalueDecomposition } from 'ml-matrix';
import { createRng, generalEigen, getBackend, randomNormalMatrix, setBackend } from '../src/linalg/index.js';
import { timeBest, type BenchResult } from './types.js';

export const name = 'general-eigen';

function multisetDistance(are: ArrayLike<number>, aim: ArrayLike<number>, bre: ArrayLike<number>, bim: ArrayLike<number>): number {
  const n = are.length;
  const used = new Uint8Array(n);
  let worst = 0;
  for (let k = 0; k < n; k++) {
    let best = Infinity;
    let at = 0;
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      const d = Math.hypot(are[k]! - bre[j]!, aim[k]! - bim[j]!);
      if (d < best) {
        best = d;
        at = j;
      }
    }
    used[at] = 1;
    worst = Math.max(worst, best);
  }
  return worst;
}

export async function run(): Promise<BenchResult[]> {
  const previous = getBackend().name as 'js' | 'native';
  setBackend('js');
  try {
    return cases();
  } finally {
    setBackend(previous);
  }
}

function cases(): BenchResult[] {
  const out: BenchResult[] = [];
  const rng = createRng(17);
  const sizes = (process.env.BENCH_GENERAL_EIGEN_SIZES ?? '256,500').split(',').map(Number);
  for (const n of sizes) {
    const A = randomNormalMatrix(n, n, rng);
    const mlA = new MlMatrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mlA.set(i, j, A.data[i * n + j]!);
    let ml: EigenvalueDecomposition | undefined;
    const reps = n > 300 ? 2 : 3;
    const base = timeBest(() => (ml = new EigenvalueDecomposition(mlA, { assumeSymmetric: false })), { minTotal: 0, maxReps: reps });
    let ours: { re: Float64Array; im: Float64Array } = { re: new Float64Array(0), im: new Float64Array(0) };
    const t = timeBest(() => (ours = generalEigen(A, { vectors: false })), { minTotal: 0, maxReps: reps });
    let big = 0;
    for (const x of A.data) big = Math.max(big, Math.abs(x));
    const maxDiff = multisetDistance(ours.re, ours.im, ml!.realEigenvalues, ml!.imaginaryEigenvalues) / big;
    out.push({ case: `generalEigen values n=${n}`, seconds: t, baselineSeconds: base, ratio: base / t, extra: { n, maxDiff } });
  }
  return out;
}

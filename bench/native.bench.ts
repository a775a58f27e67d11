/**
 * The native (OpenBLAS/LAPACKE) backend against the pure TypeScript paths, same inputs, same run:
 * GEMM n = 1000 (vs the js backend's GEMM; GFLOP/s), SYRK A Aᵀ n = 1000 (vs js), symmetric EVD
 * n = 2000 with vectors (vs ml-matrix `EigenvalueDecomposition` with `assumeSymmetric`), and a
 * general EVD n = 500 (vs ml-matrix). Targets: GEMM ≥ 60 GFLOP/s, EVD ≥ 20×.
 * Values-only symmetric eigenvalues of a PSD Gram (`X Xᵀ`) at the dense sNTK's sizes (n = 1120,
 * 2000, 4288; `SNTK_BENCH_EIGVALS_SIZES` overrides): the two-stage reduction (band half-width 64
 * and 32) against one-stage `dsyevd`, interleaved, best of 3 (2 for n > 3000) — the measurement
 * behind `twoStageBand` (src/linalg/native.ts).
 * Returns no rows (with a note on stderr) when the addon is not built.
 */
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { loadNativeBackend, nativeAddon, nativeBackendStatus, type NativeAddon } from '../src/linalg/native.js';
import { jsBackend } from '../src/linalg/js-backend.js';
import type { Matrix } from '../src/linalg/matrix.js';
import { timeBest, type BenchResult } from './types.js';

export const name = 'native';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  let a = seed >>> 0;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    data[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return { rows, cols, data };
}

function symmetrize(A: Matrix): Matrix {
  const n = A.rows, d = A.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) d[j * n + i] = d[i * n + j]!;
  return A;
}

function toMl(A: Matrix): MlMatrix {
  const m = new MlMatrix(A.rows, A.cols);
  for (let i = 0; i < A.rows; i++) for (let j = 0; j < A.cols; j++) m.set(i, j, A.data[i * A.cols + j]!);
  return m;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-300);
}

export async function run(): Promise<BenchResult[]> {
  const nb = loadNativeBackend();
  if (!nb) {
    process.stderr.write(`bench native: skipped (${nativeBackendStatus()})\n`);
    return [];
  }
  process.stderr.write(`bench native: ${nativeBackendStatus()}\n`);
  const out: BenchResult[] = [];

  {
    const n = 1000;
    const A = randomMatrix(n, n, 1), B = randomMatrix(n, n, 2);
    const Cn: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
    const Cj: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
    const flops = 2 * n ** 3;
    const tn = timeBest(() => nb.gemm(false, false, 1, A, B, 0, Cn), { minTotal: 1, maxReps: 20 });
    const tj = timeBest(() => jsBackend.gemm(false, false, 1, A, B, 0, Cj), { minTotal: 1, maxReps: 3 });
    out.push({
      case: `gemm n=${n} native vs js`,
      seconds: tn,
      baselineSeconds: tj,
      ratio: tj / tn,
      extra: { n, gflops: flops / tn / 1e9, baselineGflops: flops / tj / 1e9, maxRelDiff: maxRelDiff(Cn.data, Cj.data) },
    });
    const Sn: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
    const Sj: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
    const ts = timeBest(() => nb.syrk(false, 1, A, Sn), { minTotal: 1, maxReps: 20 });
    const tsj = timeBest(() => jsBackend.syrk(false, 1, A, Sj), { minTotal: 1, maxReps: 3 });
    out.push({
      case: `syrk AAᵀ n=${n} native vs js`,
      seconds: ts,
      baselineSeconds: tsj,
      ratio: tsj / ts,
      extra: { n, gflops: flops / 2 / ts / 1e9, baselineGflops: flops / 2 / tsj / 1e9, maxRelDiff: maxRelDiff(Sn.data, Sj.data) },
    });
  }

  {
    const n = 2000;
    const A = symmetrize(randomMatrix(n, n, 3));
    const mlA = toMl(A);
    let values: ArrayLike<number> = [];
    const tn = timeBest(() => (values = nb.symmetricEigen(A, true).values), { minTotal: 2, maxReps: 5 });
    let mlValues: number[] = [];
    const tm = timeBest(() => (mlValues = new EigenvalueDecomposition(mlA, { assumeSymmetric: true }).realEigenvalues), { warmup: false, maxReps: 1 });
    out.push({
      case: `symmetric EVD n=${n} (vectors) native vs ml-matrix`,
      seconds: tn,
      baselineSeconds: tm,
      ratio: tm / tn,
      extra: { n, maxRelDiff: maxRelDiff(values, mlValues) },
    });
  }

  const addon = nativeAddon();
  if (addon?.dsyevValues2stage) out.push(...eigenvalueCases(addon));
  else process.stderr.write('bench native: two-stage values-only cases skipped (addon without dsyevValues2stage)\n');

  {
    const n = 500;
    const A = randomMatrix(n, n, 4);
    const mlA = toMl(A);
    const tn = timeBest(() => nb.generalEigen(A, true), { minTotal: 1, maxReps: 5 });
    const tm = timeBest(() => new EigenvalueDecomposition(mlA, { assumeSymmetric: false }), { warmup: false, maxReps: 1 });
    out.push({ case: `general EVD n=${n} (left+right vectors) native vs ml-matrix (right only)`, seconds: tn, baselineSeconds: tm, ratio: tm / tn, extra: { n } });
  }
  return out;
}

/** One-stage `dsyevd` vs the two-stage reduction (kd = 64, 32), values only, on PSD Grams; interleaved best-of. */
export function eigenvalueCases(addon: NativeAddon): BenchResult[] {
  const out: BenchResult[] = [];
  const sizes = (process.env.SNTK_BENCH_EIGVALS_SIZES ?? '1120,2000,4288').split(',').map(Number);
  for (const n of sizes) {
    const X = randomMatrix(n, Math.ceil(n / 2) + 7, 10 + n);
    const G: Matrix = { rows: n, cols: n, data: new Float64Array(n * n) };
    addon.dsyrk(false, n, X.cols, 1, X.data, X.cols, 0, G.data, n);
    const a = new Float64Array(n * n);
    const w1 = new Float64Array(n), w64 = new Float64Array(n), w32 = new Float64Array(n);
    let t1 = Infinity, t64 = Infinity, t32 = Infinity;
    const time = (f: () => void): number => {
      a.set(G.data);
      const t0 = performance.now();
      f();
      return (performance.now() - t0) / 1000;
    };
    for (let r = 0; r < (n > 3000 ? 2 : 3); r++) {
      t1 = Math.min(t1, time(() => addon.dsyevd(false, n, a, w1)));
      t64 = Math.min(t64, time(() => addon.dsyevValues2stage!(n, a, w64, 64)));
      t32 = Math.min(t32, time(() => addon.dsyevValues2stage!(n, a, w32, 32)));
    }
    const best2 = Math.min(t64, t32);
    out.push({
      case: `symmetric eigenvalues n=${n} (PSD Gram) two-stage vs dsyevd`,
      seconds: best2,
      baselineSeconds: t1,
      ratio: t1 / best2,
      extra: { n, kd64: t64, kd32: t32, dsyevd: t1, maxRelDiff: Math.max(maxRelDiff(w64, w1), maxRelDiff(w32, w1)) },
    });
  }
  return out;
}

/**
 * sNTK benchmarks (issues 3 and 7):
 * - dense sNTK with all diagnostics (trace, PR, entropy rank, full spectrum, top-10) at
 *   (N, T) = (16, 50), (32, 100), (64, 100), against a plain baseline in the same run: `J` by one
 *   forward-sensitivity sweep per parameter (`trajectoryJvp`), `J Jᵀ` with ml-matrix's `mmul`, and
 *   ml-matrix's symmetric eigendecomposition of it. The baseline is skipped (reported as such) where
 *   it would exceed SNTK_BENCH_BASELINE_MAX_ROWS rows (default 3300).
 * - matrix-free PR (with standard error) and top-10 at (256, 500), (512, 1000) and (1024, 1000)
 *   native and (512, 1000) pure TypeScript (the targets in the extras), with per-phase
 *   times; and the agreement of dense and matrix-free at (64, 50).
 * Per matrix-free case also the cost of one operator application per vector at the Lanczos block
 * width (8) and the probe width (16) against the raw backend GEMMs of the same shapes (the weight
 * site's `T × L` by `L × N·k` product and its transpose, and `T` forward and `T` transposed
 * `N × N × k` products: what one application's two sweeps do in GEMMs), interleaved, best of 3.
 * Vanilla tanh RNN, D = 4 (D = 2 for the dense cases, so (32,100) has 1120 parameters), B = 1.
 * `SNTK_BENCH_KERNEL_QUICK=1` runs only the small cases; `SNTK_BENCH_KERNEL_CASES=matrix-free` only
 * the matrix-free targets; `SNTK_BENCH_KERNEL_MF="256x500:native,512x1000:js"` picks those cases.
 */
import { Matrix as MlMatrix, EigenvalueDecomposition } from 'ml-matrix';
import { defineSpec, randomModel, rollout, trajectoryJvp } from '../src/models/index.js';
import { createRng } from '../src/linalg/random.js';
import { analyzeSntk } from '../src/sntk/analyze.js';
import type { BenchResult } from './types.js';
import { environment } from './suite.js';
import { gemm, getBackend, setBackend, zeros, type Matrix } from '../src/linalg/index.js';
import { fisherOperator, sntkOperator } from '../src/sntk/operators.js';
import { loadNativeBackend, nativeBackendStatus } from '../src/linalg/native.js';

export const name = 'kernel';

function problem(N: number, T: number, D: number, seed = 1) {
  const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: D }), seed, { gain: 1.2, biasScale: 0.1 });
  const X = new Float64Array(T * D);
  createRng(seed + 1).fillNormal(X);
  return { model, traj: rollout(model, X, { B: 1, T }) };
}

function naiveBaseline(p: ReturnType<typeof problem>): { seconds: number; top: number; pr: number } {
  const t0 = performance.now();
  const { model, traj } = p;
  const P = model.layout.cellSize;
  const M = traj.B * traj.T * traj.N;
  const J = new MlMatrix(M, P);
  const e = new Float64Array(P);
  for (let q = 0; q < P; q++) {
    e.fill(0);
    e[q] = 1;
    const col = trajectoryJvp(model, traj, e);
    for (let m = 0; m < M; m++) J.set(m, q, col[m]!);
  }
  const K = J.mmul(J.transpose());
  const ev = new EigenvalueDecomposition(K, { assumeSymmetric: true }).realEigenvalues;
  let tr = 0, f2 = 0, top = 0;
  for (const v of ev) { tr += v; f2 += v * v; top = Math.max(top, v); }
  return { seconds: (performance.now() - t0) / 1000, top, pr: (tr * tr) / f2 };
}

/**
 * Seconds per vector of one application of the operator the analysis used (`via`) on an `n × k`
 * block, and of the raw GEMMs of the same shapes (site product and its transpose, `T` forward and
 * `T` transposed `N × N × k` products), interleaved, best of `reps`.
 */
function applicationCost(p: ReturnType<typeof problem>, via: 'JtJ' | 'JJt', k: number, reps = 3): { apply: number; gemms: number } {
  const { model, traj } = p;
  const N = traj.N, T = traj.B * traj.T, L = N + model.cell.D + 1;
  const op = via === 'JtJ' ? fisherOperator(model, traj) : sntkOperator(model, traj);
  const X = zeros(op.rows, k);
  createRng(3).fillNormal(X.data);
  const U = zeros(T, L), Th = zeros(L, N * k), Z = zeros(T, N * k), W = zeros(N, N), Y = zeros(N, k), Yo: Matrix = zeros(N, k);
  for (const A of [U, Th, W, Y]) createRng(4).fillNormal(A.data);
  let apply = Infinity, gemms = Infinity;
  op.matmat(X); // warm-up (stacked sites, buffers)
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    op.matmat(X);
    apply = Math.min(apply, (performance.now() - t0) / 1000 / k);
    t0 = performance.now();
    gemm(U, Th, { out: Z });
    for (let t = 0; t < T; t++) gemm(W, Y, { out: Yo });
    for (let t = 0; t < T; t++) gemm(W, Y, { out: Yo, transA: true });
    gemm(U, Z, { transA: true, out: Th });
    gemms = Math.min(gemms, (performance.now() - t0) / 1000 / k);
  }
  return { apply, gemms };
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const quick = process.env.SNTK_BENCH_KERNEL_QUICK === '1';
  const maxBaselineRows = Number(process.env.SNTK_BENCH_BASELINE_MAX_ROWS ?? 3300);
  const onlyMatrixFree = process.env.SNTK_BENCH_KERNEL_CASES === 'matrix-free';
  for (const [N, T] of (onlyMatrixFree ? [] : quick ? [[16, 50]] : [[16, 50], [32, 100], [64, 100]]) as [number, number][]) {
    const p = problem(N, T, 2);
    const t0 = performance.now();
    const r = analyzeSntk(p.model, p.traj, { method: 'dense', top: 10 });
    const seconds = (performance.now() - t0) / 1000;
    const row: BenchResult = { case: `dense sNTK + diagnostics N=${N} T=${T}`, seconds, extra: { rows: r.rows, params: r.params, pr: r.participationRatio, entropyRank: r.entropyRank ?? NaN, top1: r.top[0]! } };
    if (r.rows <= maxBaselineRows) {
      const b = naiveBaseline(p);
      row.baselineSeconds = b.seconds;
      row.ratio = b.seconds / seconds;
      row.extra!.baselineTopRelDiff = Math.abs(b.top - r.top[0]!) / r.top[0]!;
      row.extra!.baselinePrRelDiff = Math.abs(b.pr - r.participationRatio) / r.participationRatio;
    }
    out.push(row);
  }
  if (quick) return out;
  if (!onlyMatrixFree) {
    const p = problem(64, 50, 2);
    const d = analyzeSntk(p.model, p.traj, { method: 'dense', top: 10 });
    const t0 = performance.now();
    const o = analyzeSntk(p.model, p.traj, { method: 'operator', top: 10, seed: 1 });
    const seconds = (performance.now() - t0) / 1000;
    let topErr = 0;
    for (let i = 0; i < 10; i++) topErr = Math.max(topErr, Math.abs(o.top[i]! - d.top[i]!) / d.top[i]!);
    out.push({
      case: 'matrix-free vs dense N=64 T=50',
      seconds,
      extra: { topMaxRelErr: topErr, traceRelErr: Math.abs(o.trace - d.trace) / d.trace, prRelErr: Math.abs(o.participationRatio - d.participationRatio) / d.participationRatio, prStandardError: o.standardErrors!.participationRatio / o.participationRatio },
    });
  }
  // matrix-free targets: (512, 1000) native ≤ 15 s and pure TS ≤ 90 s; (1024, 1000)
  // native ≤ 60 s within the default memory budget. Each case pins its backend (native ones are
  // skipped, with a note, when the addon is not built).
  const hasNative = loadNativeBackend() !== undefined;
  const before = getBackend().name;
  // SNTK_BENCH_KERNEL_MF="256x500:native,512x1000:js" picks the matrix-free cases
  const pick = process.env.SNTK_BENCH_KERNEL_MF;
  const cases: [number, number, 'native' | 'js'][] = pick
    ? pick.split(',').map((c) => {
        const m = /^\s*(\d+)x(\d+):(native|js)\s*$/.exec(c);
        if (!m) throw new Error(`SNTK_BENCH_KERNEL_MF: cannot read '${c}' (expected NxT:native or NxT:js)`);
        return [Number(m[1]), Number(m[2]), m[3] as 'native' | 'js'];
      })
    : [[256, 500, 'native'], [512, 1000, 'native'], [1024, 1000, 'native'], [512, 1000, 'js']];
  for (const [N, T, backend] of cases) {
    if (backend === 'native' && !hasNative) {
      process.stderr.write(`bench kernel: N=${N} T=${T} native skipped (${nativeBackendStatus()})\n`);
      continue;
    }
    setBackend(backend);
    const p = problem(N, T, 4);
    const t0 = performance.now();
    const r = analyzeSntk(p.model, p.traj, { method: 'operator', top: 10, seed: 1 });
    const seconds = (performance.now() - t0) / 1000;
    const extra: Record<string, number> = {
      rows: r.rows,
      params: r.params,
      pr: r.participationRatio,
      prRelStandardError: r.standardErrors!.participationRatio / r.participationRatio,
      traceExact: r.traceExact ? 1 : 0,
      top1: r.top[0]!,
      top10RelErrorBound: r.standardErrors!.top[9]! / r.top[9]!,
      matvecs: r.matvecs ?? 0,
      secondsPerStep: seconds / T,
      target: T !== 1000 ? NaN : N === 1024 ? 60 : N !== 512 ? NaN : backend === 'js' ? 90 : 15,
      // the default memory budget bounds the Lanczos basis (thick restarts when it does not fit)
      lanczosRestarts: r.lanczosBasis?.restarts ?? 0,
      rssGiB: process.memoryUsage().rss / 1024 ** 3,
    };
    for (const ph of r.profile) extra[`phase_${ph.phase.split(' ')[0]}`] = ph.seconds;
    extra.probes = r.probes ?? 0;
    // the cost of one application per vector against the raw GEMMs of the same shapes, same run
    for (const k of [8, 16]) {
      const c = applicationCost(p, r.via, k);
      extra[`applyPerVector_k${k}`] = c.apply;
      extra[`rawGemmsPerVector_k${k}`] = c.gemms;
      extra[`applyOverRawGemms_k${k}`] = c.apply / c.gemms;
    }
    out.push({ case: `matrix-free PR + top-10 N=${N} T=${T} (${backend})`, seconds, extra, env: environment() });
    process.stderr.write(`bench kernel: matrix-free N=${N} T=${T} (${backend}) ${seconds.toFixed(1)} s, PR rel. SE ${extra.prRelStandardError!.toExponential(2)}\n`);
  }
  setBackend(before);
  return out;
}

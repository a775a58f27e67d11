/**
 * Dense sNTK with all diagnostics (trace, Frobenius norm, PR, entropy rank, rank-95, top-10) on the
 * native backend against a PyTorch-style expert path implemented here on the same native BLAS and
 * measured in the same run, interleaved:
 *   expert: forward-mode Jacobian by GEMMs (`S_t = D_t (W S_{t−1} + E_t)`, one N×N×P GEMM per
 *   step), the smaller Gram (`JᵀJ` or `JJᵀ`) by SYRK, LAPACK `dsyevd` without vectors on a copy
 *   of it (what `torch.linalg.eigvalsh` does), then the diagnostics from the eigenvalues;
 *   sntk: `analyzeSntk(…, { method: 'dense', top: 10 })`, per-phase times in the extras.
 * Sizes (N, T) = (32, 100), (64, 100), (128, 100); vanilla tanh RNN, D = 2, B = 1. Both start
 * from the same rollout (not timed). Best of `reps` interleaved runs (5, 3, 1). `--quick`
 * (SNTK_BENCH_KERNEL_QUICK=1) runs (16, 50) only; SNTK_BENCH_DENSE_SIZES="32,64" picks sizes.
 * `sntkCpu` / `expertCpu` in the extras: the least process CPU seconds (all threads) of each side
 * over the repetitions, steadier than wall time on a loaded machine (with OPENBLAS_NUM_THREADS=1
 * the work each side does).
 * A pure TypeScript case (js backend with the worker-thread GEMM that `sntk kernel` enables, no
 * baseline) times (32, 100) against the 1 s target; `threads` in its extras.
 * The (128, 100) case needs ≈ 4.5 GB for the expert path (its Jacobian, Gram and eigensolver copy).
 * Returns no native rows (with a note on stderr) when the addon is not built.
 */
import { defineSpec, randomModel, rollout } from '../src/models/index.js';
import type { Model, Trajectory } from '../src/models/types.js';
import { createRng } from '../src/linalg/random.js';
import { getBackend, setBackend } from '../src/linalg/index.js';
import type { LinalgBackend } from '../src/linalg/backend.js';
import { loadNativeBackend, nativeBackendStatus } from '../src/linalg/native.js';
import { enableParallelGemm, parallelGemmThreads } from '../src/linalg/parallel/index.js';
import { analyzeSntk, type KernelAnalysis } from '../src/sntk/analyze.js';
import type { BenchResult } from './types.js';
import { environment } from './suite.js';

export const name = 'dense';

function problem(N: number, T: number, D = 2, seed = 1): { model: Model; traj: Trajectory } {
  const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: D }), seed, { gain: 1.2, biasScale: 0.1 });
  const X = new Float64Array(T * D);
  createRng(seed + 1).fillNormal(X);
  return { model, traj: rollout(model, X, { B: 1, T }) };
}

/** What the expert path reports. */
interface ExpertResult {
  trace: number;
  frobenius: number;
  pr: number;
  entropyRank: number;
  top: number[];
  phases: Record<string, number>;
}

/**
 * The PyTorch-style expert path on the raw native backend (plain allocations, one eigensolver copy).
 * Vanilla cell only: h_t = tanh(W h_{t−1} + U x_t + b), θ = (W, U, b) row-major.
 */
function expertPath(nb: LinalgBackend, model: Model, traj: Trajectory): ExpertResult {
  const phases: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (k: string): void => {
    const t = performance.now();
    phases[k] = (t - t0) / 1000;
    t0 = t;
  };
  const { T, N, D, H, X, h0 } = traj;
  const P = model.layout.cellSize;
  const M = T * N;
  const theta = model.params;
  const W = { rows: N, cols: N, data: theta.subarray(0, N * N) };
  const J = new Float64Array(M * P);
  const L = N + D + 1;
  for (let t = 0; t < T; t++) {
    const S = { rows: N, cols: P, data: J.subarray(t * N * P, (t + 1) * N * P) };
    if (t > 0) nb.gemm(false, false, 1, W, { rows: N, cols: P, data: J.subarray((t - 1) * N * P, t * N * P) }, 0, S);
    const hPrev = t === 0 ? h0.subarray(0, N) : H.subarray((t - 1) * N, t * N);
    const x = X.subarray(t * D, (t + 1) * D);
    const h = H.subarray(t * N, (t + 1) * N);
    for (let i = 0; i < N; i++) {
      const row = i * P;
      const s = S.data;
      for (let j = 0; j < N; j++) s[row + i * N + j]! += hPrev[j]!;
      for (let j = 0; j < D; j++) s[row + N * N + i * D + j]! += x[j]!;
      s[row + N * N + N * D + i]! += 1;
      const d = 1 - h[i]! * h[i]!; // tanh′(a) = 1 − h²
      for (let c = 0; c < P; c++) s[row + c]! *= d;
    }
  }
  void L;
  lap('jacobian');
  const n = Math.min(M, P);
  const G = { rows: n, cols: n, data: new Float64Array(n * n) };
  nb.syrk(P <= M, 1, { rows: M, cols: P, data: J }, G);
  lap('gram');
  const w = nb.symmetricEigen(G, false).values; // copies G, dsyevd 'N'
  lap('eigenvalues');
  let tr = 0, f2 = 0;
  for (const v of w) {
    tr += v;
    f2 += v * v;
  }
  let h = 0;
  for (const v of w) {
    const p = Math.max(v, 0) / tr;
    if (p > 0) h -= p * Math.log(p);
  }
  const top = Array.from(w.subarray(n - 10)).reverse();
  lap('diagnostics');
  return { trace: tr, frobenius: Math.sqrt(f2), pr: (tr * tr) / f2, entropyRank: Math.exp(h), top, phases };
}

function sizes(): [number, number][] {
  if (process.env.SNTK_BENCH_KERNEL_QUICK === '1') return [[16, 50]];
  const env = process.env.SNTK_BENCH_DENSE_SIZES;
  if (env) return env.split(',').map((s) => [Number(s), 100] as [number, number]);
  return [[32, 100], [64, 100], [128, 100]];
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const nb = loadNativeBackend();
  const before = getBackend().name;
  if (!nb) process.stderr.write(`bench dense: native cases skipped (${nativeBackendStatus()})\n`);
  else {
    setBackend('native');
    for (const [N, T] of sizes()) {
      const p = problem(N, T);
      const reps = N <= 32 ? 5 : N <= 64 ? 3 : 1;
      let best = Infinity, bestExpert = Infinity, cpu = Infinity, cpuExpert = Infinity;
      let ours: KernelAnalysis | undefined;
      let expert: ExpertResult | undefined;
      // process CPU seconds (all threads): steadier than wall time on a loaded machine, and with
      // OPENBLAS_NUM_THREADS=1 a measure of the work each side does
      const cpuSeconds = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1e6;
      for (let r = 0; r < reps; r++) {
        // interleaved: the load on the shared machine hits both alike
        let c0 = process.cpuUsage();
        let t0 = performance.now();
        const o = analyzeSntk(p.model, p.traj, { method: 'dense', top: 10 });
        const s = (performance.now() - t0) / 1000;
        cpu = Math.min(cpu, cpuSeconds(process.cpuUsage(c0)));
        if (s < best) {
          best = s;
          ours = o;
        }
        c0 = process.cpuUsage();
        t0 = performance.now();
        const e = expertPath(nb, p.model, p.traj);
        const se = (performance.now() - t0) / 1000;
        cpuExpert = Math.min(cpuExpert, cpuSeconds(process.cpuUsage(c0)));
        if (se < bestExpert) {
          bestExpert = se;
          expert = e;
        }
      }
      const extra: Record<string, number> = { rows: ours!.rows, params: ours!.params, reps };
      for (const ph of ours!.profile) extra[`sntk_${ph.phase}`] = ph.seconds;
      for (const [k, v] of Object.entries(expert!.phases)) extra[`expert_${k}`] = v;
      extra.top1RelDiff = rel(ours!.top[0]!, expert!.top[0]!);
      extra.prRelDiff = rel(ours!.participationRatio, expert!.pr);
      extra.entropyRankRelDiff = rel(ours!.entropyRank!, expert!.entropyRank);
      extra.sntkCpu = cpu;
      extra.expertCpu = cpuExpert;
      extra.sntkOverExpert = best / bestExpert;
      extra.targetSntkOverExpert = 0.7;
      out.push({ case: `dense sNTK + diagnostics N=${N} T=${T} (native) vs expert path (GEMM Jacobian, SYRK, dsyevd)`, seconds: best, baselineSeconds: bestExpert, ratio: bestExpert / best, extra });
    }
  }
  // pure TypeScript, (32, 100): target ≤ 1 s
  {
    const [N, T] = process.env.SNTK_BENCH_KERNEL_QUICK === '1' ? [16, 50] : [32, 100];
    setBackend('js');
    // what `sntk kernel --backend js` runs: the js backend with its worker-thread GEMM
    if (parallelGemmThreads() === 1) await enableParallelGemm();
    setBackend('js');
    const p = problem(N, T);
    let best = Infinity;
    let r: KernelAnalysis | undefined;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      r = analyzeSntk(p.model, p.traj, { method: 'dense', top: 10 });
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    const extra: Record<string, number> = { rows: r!.rows, params: r!.params, pr: r!.participationRatio, threads: parallelGemmThreads(), target: 1 };
    for (const ph of r!.profile) extra[`sntk_${ph.phase}`] = ph.seconds;
    out.push({ case: `dense sNTK + diagnostics N=${N} T=${T} (pure TypeScript; target ≤ 1 s)`, seconds: best, extra, env: environment() });
  }
  setBackend(before);
  return out;
}

/**
 * The monitor's sNTK statistics at one training step: trace, state-space and output-space
 * participation ratios, top eigenvalues, the top eigenvalue's share of the trace, and the top
 * parameter direction (top eigenvector of `JᵀJ` with `J = dH/dθ` restricted to the trainable cell
 * parameters). Same nonzero spectrum as the state-space sNTK `J Jᵀ` of those parameters.
 *
 * Two routes:
 * - `dense` (exact): `J` by forward sensitivities, `G = JᵀJ` (`p × p`, p trainable cell params)
 *   by one block VJP of J's columns (pure TS) or one SYRK (native BLAS) — `stateGram` —, its
 *   eigenvalues and the top eigenvector by shifted inverse iteration (`gramSpectrumAndTop`);
 *   `PR = (tr G)²/‖G‖_F²`. Output space: `J_y = (I ⊗ C) J` (plus
 *   the readout's own columns when C or d are trained), `PR_y = (tr G_y)²/‖G_y‖_F²`.
 * - `operator` (matrix-free, large problems): block Lanczos on the masked state-space Fisher
 *   operator for the top eigenpairs, deflated Hutchinson for `‖G‖_F²` (hence PR) with standard
 *   errors; the output-space PR is reported only when the loss is on the states (then it equals
 *   the state-space one), else null.
 * The kernel is taken over the first `trials` trials of the batch (all by default) — state which.
 */
import type { Model, Trajectory } from '../../models/types.js';
import { hasBlockSweep, rollout, trajectoryVjpBlock } from '../../models/index.js';
import type { Matrix } from '../../linalg/matrix.js';
import { zeros } from '../../linalg/matrix.js';
import { cholesky, choleskySolve, getBackend, syrk, symmetricEigen } from '../../linalg/index.js';
import { denseJacobian, jacobianFrobeniusSquared } from '../../sntk/sensitivity.js';
import { fisherOperator } from '../../sntk/operators.js';
import { lanczosTopK } from '../../linalg/iterative/lanczos.js';
import { estimateSpectralMoments } from '../../linalg/iterative/moments.js';
import { InputError, SntkError } from '../../errors.js';
import type { Batch, LossTarget } from '../batch.js';

/** Options of `monitorKernel`. */
export interface MonitorKernelOptions {
  /** Loss target of the run (decides the output space). Default 'output'. */
  target?: LossTarget;
  /** Trainable mask over the flat parameters (all trainable when absent). */
  mask?: Uint8Array;
  /** Use the first `trials` trials of the batch (null/absent: all). */
  trials?: number | null;
  /** 'auto' (dense when `M·p²` ≤ `denseFlops`), 'dense' or 'operator'. */
  method?: 'auto' | 'dense' | 'operator';
  /** Largest `M·p²` (M = trials·T·N rows) for which `auto` picks the dense route (default 1e10). */
  denseFlops?: number;
  /** Number of top eigenvalues to return (default 10, capped at p). */
  top?: number;
  /** Operator route: Hutchinson probes for `‖G‖_F²` (default 64). */
  probes?: number;
  /** Operator route: seed of the probes and starting vectors (default 0). */
  seed?: number;
  /** Operator route: warm start for the top eigenvector (length `layout.size`). */
  warmStart?: Float64Array | null;
}

/** What `monitorKernel` returns. */
export interface MonitorKernelResult {
  method: 'dense' | 'operator';
  /** Trials the kernel was taken over. */
  trials: number;
  /** Trainable cell parameters p (columns of J). */
  params: number;
  trace: number;
  pr: number;
  /** Output-space PR, or null when not computed (operator route with an output loss). */
  prOutput: number | null;
  /** Top eigenvalues, descending. */
  top: number[];
  /** `top[0] / trace`. */
  topShare: number;
  /** Top eigenvector of `JᵀJ` as a unit vector over the flat parameters (zero outside the trainable cell params). */
  topVector: Float64Array;
  /** Full spectrum (dense route only), descending. */
  spectrum: Float64Array | null;
  /** Standard errors (operator route). */
  standardErrors?: { trace: number; pr: number };
}

/** Indices of the trainable cell parameters. */
export function trainableCellIndex(model: Model, mask: Uint8Array | undefined): Int32Array {
  const P = model.layout.cellSize;
  const idx: number[] = [];
  for (let i = 0; i < P; i++) if (!mask || mask[i]) idx.push(i);
  return Int32Array.from(idx);
}

function subBatchTrajectory(model: Model, batch: Batch, n: number): Trajectory {
  const { T } = batch;
  const D = model.spec.inputSize;
  const N = model.spec.hiddenSize;
  const X = batch.X.subarray(0, n * T * D);
  return rollout(model, X, batch.h0 ? { B: n, T, h0: batch.h0.subarray(0, n * N) } : { B: n, T });
}

function selectColumns(J: Matrix, idx: Int32Array): Matrix {
  if (idx.length === J.cols) return J;
  const out = zeros(J.rows, idx.length);
  const p = idx.length;
  for (let r = 0; r < J.rows; r++) {
    const src = r * J.cols;
    const dst = r * p;
    for (let c = 0; c < p; c++) out.data[dst + c] = J.data[src + idx[c]!]!;
  }
  return out;
}

function prOfGram(G: Matrix): number {
  const n = G.rows;
  let tr = 0, f2 = 0;
  for (let i = 0; i < n; i++) tr += G.data[i * n + i]!;
  for (let i = 0; i < G.data.length; i++) f2 += G.data[i]! * G.data[i]!;
  return f2 > 0 ? (tr * tr) / f2 : 0;
}

/** `J_y` (`(n·T·O) × (p + readout)`) from the state Jacobian `J` (`(n·T·N) × p`) and the trajectory. */
function outputJacobian(model: Model, traj: Trajectory, J: Matrix, mask: Uint8Array | undefined): Matrix {
  const N = traj.N;
  const O = model.spec.outputSize;
  const cell = model.layout.cellSize;
  const C = model.params.subarray(cell, cell + O * N);
  const rd: { o: number; i: number }[] = []; // readout columns: i = -1 for d_o
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < N; i++) if (!mask || mask[cell + o * N + i]) rd.push({ o, i });
    if (!mask || mask[cell + O * N + o]) rd.push({ o, i: -1 });
  }
  const p = J.cols;
  const cols = p + rd.length;
  const BT = traj.B * traj.T;
  const Jy = zeros(BT * O, cols);
  for (let r = 0; r < BT; r++) {
    for (let o = 0; o < O; o++) {
      const dst = (r * O + o) * cols;
      for (let i = 0; i < N; i++) {
        const c = C[o * N + i]!;
        if (c === 0) continue;
        const src = (r * N + i) * p;
        for (let q = 0; q < p; q++) Jy.data[dst + q]! += c * J.data[src + q]!;
      }
      for (let k = 0; k < rd.length; k++) {
        const e = rd[k]!;
        if (e.o !== o) continue;
        Jy.data[dst + p + k] = e.i < 0 ? 1 : traj.H[r * N + e.i]!;
      }
    }
  }
  return Jy;
}

/**
 * `G = JᵀJ` (`p × p`) for the state Jacobian `J` (`M × p`, the columns `idx` of the cell
 * parameters). When the cell has GEMM-shaped block sweeps, by one block VJP with the p columns of
 * `J` as cotangents (`JᵀJ = VJP(J)`, rows `idx` of the result): its adjoint recursion costs
 * O(B·T·N²·p) and the θ-accumulation O(B·T·P·p) thanks to the weight sites' outer-product
 * structure — about N/2 times fewer flops than the SYRK's O(M·p²/2) = O(B·T·N·p²/2) (N = 16:
 * 0.25 s instead of 0.5–0.9 s on the pure TypeScript backend at the demo size). With the native
 * (BLAS) backend, or a cell without block sweeps, one SYRK (0.04 s vs 0.12 s for the block VJP at
 * the demo size, measured). The result is symmetrised.
 */
export function stateGram(model: Model, traj: Trajectory, J: Matrix, idx: Int32Array): Matrix {
  const p = idx.length;
  if (!hasBlockSweep(model.cell) || getBackend().name === 'native') return syrk(J, true); // BLAS SYRK: ≈ 3× faster than the block VJP there
  const V = trajectoryVjpBlock(model, traj, J, { method: 'block' }); // cellSize × p
  const G = zeros(p, p);
  for (let a = 0; a < p; a++) {
    const row = idx[a]! * p;
    for (let b = 0; b < p; b++) G.data[a * p + b] = V.data[row + b]!;
  }
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < a; b++) {
      const m = 0.5 * (G.data[a * p + b]! + G.data[b * p + a]!);
      G.data[a * p + b] = m;
      G.data[b * p + a] = m;
    }
  }
  return G;
}

/**
 * The spectrum of the symmetric PSD `G` (`p × p`, descending; eigenvalues only, ≈ 4/3·p³ flops)
 * and its top eigenvector by shifted inverse iteration (σ = λ₁(1 + 1e-9): one Cholesky factor of
 * `σI − G`, ≈ p³/3 flops, then two to four triangular solves,
 * warm-started from `warm` (flat parameters, restricted to `idx`) when given) — a few times cheaper
 * than the full eigendecomposition with vectors. The vector is a unit vector with its largest
 * entry positive (the sign convention of `symmetricEigen`).
 */
export function gramSpectrumAndTop(G: Matrix, warm: Float64Array | null, idx: Int32Array): { spectrum: Float64Array; topVector: Float64Array } {
  const p = G.rows;
  const asc = symmetricEigen(G, { vectors: false }).values;
  const spectrum = Float64Array.from(asc).reverse();
  const l1 = spectrum[0]!;
  let v = new Float64Array(p);
  if (warm) for (let q = 0; q < p; q++) v[q] = warm[idx[q]!] ?? 0;
  const norm = (x: Float64Array): number => Math.sqrt(x.reduce((s, y) => s + y * y, 0));
  if (!(norm(v) > 0)) for (let q = 0; q < p; q++) v[q] = 1 + 0.37 * Math.sin(q + 1); // deterministic, generic start
  if (!(l1 > 0) || p === 1) {
    if (p === 1) v[0] = 1;
    const n = norm(v);
    return { spectrum, topVector: v.map((x) => x / n) };
  }
  // σI − G is symmetric positive definite for σ > λ₁: one Cholesky factor, then cheap solves.
  const A = zeros(p, p);
  const shift = l1 * (1 + 1e-9);
  for (let i = 0; i < p * p; i++) A.data[i] = -G.data[i]!;
  for (let q = 0; q < p; q++) A.data[q * p + q]! += shift;
  let L: Matrix;
  try {
    L = cholesky(A);
  } catch (e) {
    if (!(e instanceof SntkError)) throw e;
    const full = symmetricEigen(G, { vectors: true }); // rounding made σI − G indefinite: fall back
    const V = full.vectors!;
    const top = new Float64Array(p);
    for (let q = 0; q < p; q++) top[q] = V.data[q * p + p - 1]!;
    return { spectrum, topVector: top };
  }
  let prev = v.map((x) => x / norm(v));
  for (let it = 0; it < 4; it++) {
    const x = choleskySolve(L, { rows: p, cols: 1, data: prev.slice() }).data;
    const n = norm(x);
    const next = x.map((y) => y / n);
    let c = 0;
    for (let q = 0; q < p; q++) c += next[q]! * prev[q]!;
    prev = next;
    if (it >= 1 && Math.abs(Math.abs(c) - 1) < 1e-14) break;
  }
  v = prev;
  let big = 0;
  for (let q = 1; q < p; q++) if (Math.abs(v[q]!) > Math.abs(v[big]!)) big = q;
  if (v[big]! < 0) for (let q = 0; q < p; q++) v[q] = -v[q]!;
  return { spectrum, topVector: v };
}

/**
 * The sNTK statistics of `model` on (the first `trials` trials of) `batch`. Cost: dense
 * O(M·N·P) for J, then O(M·(N·p + P·p/N)) for G by the block VJP (pure TS) or O(M·p²/2) by SYRK
 * (native), O(p³) for the spectrum, with M = trials·T·N; operator O((top + probes)·(forward + backward sweep)).
 * Throws InputError when no cell parameter is trainable or `trials` is out of range.
 */
export function monitorKernel(model: Model, batch: Batch, opts: MonitorKernelOptions = {}): MonitorKernelResult {
  const n = opts.trials ?? batch.B;
  if (!Number.isInteger(n) || n < 1 || n > batch.B) throw new InputError(`monitor: trials must be an integer in 1..${batch.B}, got ${n}`);
  const idx = trainableCellIndex(model, opts.mask);
  const p = idx.length;
  if (p === 0) throw new InputError('monitor: no trainable cell parameter (the sNTK is empty)');
  const traj = subBatchTrajectory(model, batch, n);
  const M = n * batch.T * model.spec.hiddenSize;
  const method = opts.method ?? 'auto';
  const dense = method === 'dense' || (method === 'auto' && M * p * p <= (opts.denseFlops ?? 1e10));
  const top = Math.min(opts.top ?? 10, p);
  const size = model.layout.size;
  const target = opts.target ?? 'output';
  if (dense) {
    const J = selectColumns(denseJacobian(model, traj), idx);
    const G = stateGram(model, traj, J, idx);
    const { spectrum, topVector: vTop } = gramSpectrumAndTop(G, opts.warmStart ?? null, idx);
    let tr = 0, f2 = 0;
    for (const v of spectrum) {
      tr += v;
      f2 += v * v;
    }
    const topVector = new Float64Array(size);
    for (let q = 0; q < p; q++) topVector[idx[q]!] = vTop[q]!;
    let prOutput: number;
    if (target === 'state' || model.spec.outputSize === 0) prOutput = f2 > 0 ? (tr * tr) / f2 : 0;
    else prOutput = prOfGram(syrk(outputJacobian(model, traj, J, opts.mask), true));
    return {
      method: 'dense',
      trials: n,
      params: p,
      trace: tr,
      pr: f2 > 0 ? (tr * tr) / f2 : 0,
      prOutput,
      top: Array.from(spectrum.subarray(0, top)),
      topShare: tr > 0 ? spectrum[0]! / tr : 0,
      topVector,
      spectrum,
    };
  }
  // Operator route on the masked Fisher JᵀJ over all cell parameters.
  const P = model.layout.cellSize;
  const op = fisherOperator(model, traj);
  const A = {
    n: p,
    apply(X: Matrix): Matrix {
      const k = X.cols;
      const Xf = zeros(P, k);
      for (let q = 0; q < p; q++) for (let j = 0; j < k; j++) Xf.data[idx[q]! * k + j] = X.data[q * k + j]!;
      const Y = op.matmat(Xf);
      const out = zeros(p, k);
      for (let q = 0; q < p; q++) for (let j = 0; j < k; j++) out.data[q * k + j] = Y.data[idx[q]! * k + j]!;
      return out;
    },
  };
  let init: Matrix | undefined;
  if (opts.warmStart && opts.warmStart.length === size) {
    init = zeros(p, 1);
    for (let q = 0; q < p; q++) init.data[q] = opts.warmStart[idx[q]!]!;
    if (!init.data.some((v) => v !== 0)) init = undefined;
  }
  const eig = lanczosTopK(A, { k: top, seed: opts.seed ?? 0, blockSize: Math.min(top, 8), tol: 1e-8, requireConvergence: false, ...(init ? { init } : {}) });
  const exactTrace = p === P && 2 * M * model.spec.hiddenSize * P <= 4e10 ? jacobianFrobeniusSquared(model, traj) : undefined;
  const mom = estimateSpectralMoments(A, {
    seed: (opts.seed ?? 0) + 1,
    deflation: { vectors: eig.vectors, ...(eig.AV ? { AV: eig.AV } : {}) },
    budget: opts.probes ?? 64,
    batch: 16,
    ...(exactTrace !== undefined ? { trace: exactTrace } : {}),
  });
  const topVector = new Float64Array(size);
  for (let q = 0; q < p; q++) topVector[idx[q]!] = eig.vectors.data[q * eig.vectors.cols]!;
  const tr = mom.trace.estimate;
  const pr = mom.participationRatio.estimate;
  return {
    method: 'operator',
    trials: n,
    params: p,
    trace: tr,
    pr,
    prOutput: target === 'state' ? pr : null,
    top: Array.from(eig.values),
    topShare: tr > 0 ? eig.values[0]! / tr : 0,
    topVector,
    spectrum: null,
    standardErrors: { trace: mom.trace.standardError, pr: mom.participationRatio.standardError },
  };
}

/**
 * Hutch++ (Meyer, Musco, Musco & Woodruff 2021) for the trace of a symmetric operator, with a
 * standard error from the residual Hutchinson part.
 */
import type { Matrix } from '../matrix.js';
import { zeros } from '../matrix.js';
import { createRng } from '../random.js';
import type { EstimatorOptions, SymmetricApply } from './types.js';
import { atb, orthonormalize, subMul } from './block.js';
import { applyChecked, checkBudget } from './common.js';
import type { ProbeDistribution } from './probes.js';
import { PairStats, probeBlock } from './probes.js';
import { InputError, ShapeError } from '../../errors.js';

/** A scalar estimate with the standard error its estimator believes it has. */
export interface ScalarEstimate {
  estimate: number;
  /** Estimated standard deviation of `estimate` (0 when computed exactly). */
  standardError: number;
}

/** Options of `hutchPlusPlus`. */
export interface HutchPlusPlusOptions extends EstimatorOptions {
  /** Columns of the sketch `S` (default `⌊budget/3⌋`); the sketch costs up to `2·sketchSize` matvecs. */
  sketchSize?: number;
  /** Probe distribution (default Rademacher). */
  distribution?: ProbeDistribution;
  /** Probes per block apply of the Hutchinson part (default 16). */
  batch?: number;
}

/** Result of `hutchPlusPlus`. */
export interface TraceEstimate extends ScalarEstimate {
  /** `tr(Qᵀ A Q)`, the exactly computed part. */
  sketchTrace: number;
  /** Rank of the sketch basis `Q`. */
  sketchRank: number;
  /** Hutchinson probes used on `(I − QQᵀ) A (I − QQᵀ)`. */
  probes: number;
  matvecs: number;
  /** True when the trace was computed exactly (budget ≥ n: `Σ e_iᵀ A e_i`). */
  exact: boolean;
}

/**
 * Trace of a symmetric operator by Hutch++: `tr A = tr(QᵀAQ) + tr((I−QQᵀ)A(I−QQᵀ))`, `Q = orth(A S)`
 * for a random sketch `S`, the second term by Hutchinson probes `g` (mean of `gᵀ P A P g`). Unbiased
 * for any `Q`, so the standard error (sample standard deviation of the probe values / √probes) is
 * calibrated. Probes run in batches until the relative standard error is ≤ `tol` (default 0: use the
 * whole budget) or the budget (default 96 matvecs) is spent. When `budget ≥ n` the trace is computed
 * exactly from `n` unit vectors instead. Cost: `budget` matvecs in blocks, O(n·budget²) flops.
 */
export function hutchPlusPlus(A: SymmetricApply, opts: HutchPlusPlusOptions = {}): TraceEstimate {
  const what = 'hutchPlusPlus';
  const n = A.n;
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`${what}: operator size must be a positive integer, got ${n}`);
  const budget = opts.budget ?? 96;
  checkBudget(budget, what);
  const tol = opts.tol ?? 0;
  const batch = opts.batch ?? 16;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`${what}: batch must be a positive integer, got ${batch}`);
  const dist = opts.distribution ?? 'rademacher';
  if (budget >= n) {
    const t = exactTrace(A, what, batch);
    return { estimate: t, standardError: 0, sketchTrace: t, sketchRank: n, probes: 0, matvecs: n, exact: true };
  }
  const s = opts.sketchSize ?? Math.floor(budget / 3);
  if (!Number.isInteger(s) || s < 0) throw new InputError(`${what}: sketchSize must be a non-negative integer, got ${s}`);
  if (budget - 2 * s < 2) {
    throw new InputError(`${what}: budget ${budget} leaves fewer than 2 Hutchinson probes after a sketch of ${s} (needs 2·sketchSize + 2 ≤ budget)`);
  }
  const rng = createRng(opts.seed ?? 0);
  let matvecs = 0;
  let Q: Matrix = zeros(n, 0);
  let sketchTrace = 0;
  if (s > 0) {
    const S = probeBlock(n, s, rng, dist);
    const Y = applyChecked(A, S, what);
    matvecs += s;
    Q = orthonormalize(Y, [], { dropTol: 1e-10 }).Q;
    if (Q.cols > 0) {
      const AQ = applyChecked(A, Q, what);
      matvecs += Q.cols;
      const q = Q.data, aq = AQ.data;
      for (let i = 0; i < q.length; i++) sketchTrace += q[i]! * aq[i]!;
    }
  }
  const stats = new PairStats();
  while (matvecs < budget) {
    const g = Math.min(batch, budget - matvecs);
    const G = probeBlock(n, g, rng, dist);
    if (Q.cols > 0) subMul(G, Q, atb(Q, G));
    const Z = applyChecked(A, G, what);
    matvecs += g;
    const gd = G.data, zd = Z.data;
    const vals = new Float64Array(g);
    for (let r = 0; r < n; r++) for (let c = 0; c < g; c++) vals[c]! += gd[r * g + c]! * zd[r * g + c]!;
    for (let c = 0; c < g; c++) stats.push(vals[c]!, 0);
    if (tol > 0 && stats.count >= 2) {
      const est = sketchTrace + stats.meanA;
      if (Math.sqrt(stats.varMeanA()) <= tol * Math.abs(est)) break;
    }
  }
  return {
    estimate: sketchTrace + stats.meanA,
    standardError: Math.sqrt(stats.varMeanA()),
    sketchTrace,
    sketchRank: Q.cols,
    probes: stats.count,
    matvecs,
    exact: false,
  };
}

/** `Σ_i e_iᵀ A e_i` with unit-vector blocks of `batch` columns. Cost n matvecs. */
export function exactTrace(A: SymmetricApply, what = 'exactTrace', batch = 32): number {
  const n = A.n;
  let t = 0;
  for (let c0 = 0; c0 < n; c0 += batch) {
    const w = Math.min(batch, n - c0);
    const E = zeros(n, w);
    for (let c = 0; c < w; c++) E.data[(c0 + c) * w + c] = 1;
    const Y = applyChecked(A, E, what);
    for (let c = 0; c < w; c++) t += Y.data[(c0 + c) * w + c]!;
  }
  return t;
}

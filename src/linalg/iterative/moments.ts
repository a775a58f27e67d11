/**
 * Matrix-free estimates of `‖A‖_F² = tr(A²)` and the participation ratio `(tr A)²/‖A‖_F²` of a
 * symmetric (PSD) operator: deflate a few top eigenvectors exactly, estimate the remainder with
 * Hutchinson probes, and propagate standard errors (delta method).
 */
import type { Matrix } from '../matrix.js';
import { zeros } from '../matrix.js';
import { createRng } from '../random.js';
import type { EstimatorOptions, SymmetricApply } from './types.js';
import { atb, colNormsSq, subMul } from './block.js';
import type { EigenpairsResult } from './common.js';
import { applyChecked, checkBudget } from './common.js';
import { lanczosTopK } from './lanczos.js';
import type { ScalarEstimate } from './hutchpp.js';
import type { ProbeDistribution } from './probes.js';
import { PairStats, probeBlock } from './probes.js';
import { InputError, ShapeError } from '../../errors.js';

/** Options of `estimateSpectralMoments`. */
export interface SpectralMomentsOptions extends EstimatorOptions {
  /** Rank of the exact deflation (default 10, capped at n − 1). 0 = plain Hutchinson. */
  k?: number;
  /** Deflation basis computed elsewhere (orthonormal `n × k` columns, e.g. Lanczos vectors), with `A V` if known. */
  deflation?: { vectors: Matrix; AV?: Matrix };
  /** Matvecs given to Lanczos for the deflation basis when `deflation` is absent (default ⌊budget/2⌋). */
  eigenBudget?: number;
  /** The exact trace, when known (e.g. `‖J‖_F²` for `A = J Jᵀ`); then it carries no error. */
  trace?: number;
  /** Probe distribution (default Rademacher). */
  distribution?: ProbeDistribution;
  /** Probes per block apply (default 16). */
  batch?: number;
  /**
   * With `tol > 0`: the fewest probes before the stopping rule may stop (default 2), so that the
   * standard error it tests is itself estimated from enough samples.
   */
  minProbes?: number;
}

/** Result of `estimateSpectralMoments`. */
export interface SpectralMomentsEstimate {
  trace: ScalarEstimate & { exact: boolean };
  /** `‖A‖_F² = tr(A²)`. */
  frobeniusSquared: ScalarEstimate;
  /** `‖A‖_F` (standard error by the delta method: `se(F²)/(2‖A‖_F)`). */
  frobenius: ScalarEstimate;
  /** `(tr A)² / ‖A‖_F²`, standard error by the delta method including the trace/Frobenius covariance. */
  participationRatio: ScalarEstimate;
  /** Columns of the deflation basis `V`. */
  deflatedRank: number;
  /** `‖A V‖_F²`, the exactly computed part of `‖A‖_F²`. */
  deflatedFrobeniusSquared: number;
  /** `tr(Vᵀ A V)`, the exactly computed part of the trace. */
  deflatedTrace: number;
  /** Hutchinson probes used on the complement. */
  probes: number;
  /** Total operator-vector products, including the eigensolver's. */
  matvecs: number;
  /** The Lanczos result used for deflation (absent when `deflation` was passed or k = 0). */
  eigen?: EigenpairsResult;
  /** True when everything was computed exactly (budget ≥ n, from unit vectors). */
  exact: boolean;
}

/**
 * Estimates `tr A`, `‖A‖_F² = tr(A²)` and `PR = (tr A)²/‖A‖_F²` for a symmetric operator `A`
 * (for `A = J Jᵀ` this is also `‖JᵀJ‖_F²`). With an orthonormal deflation basis `V` (`n × k`) and
 * `P = I − VVᵀ`, exactly `tr(A²) = ‖AV‖_F² + tr(P A² P)` and `tr A = tr(VᵀAV) + tr(PAP)` for any
 * orthonormal `V`; the complements are estimated from the same probes `z` as the means of
 * `‖A P z‖²` and `(Pz)ᵀ A P z`, so both estimates are unbiased, and their standard errors and
 * covariance come from the sample moments. Deflating the top eigenvectors removes most of the
 * variance. Defaults: k 10, budget 300 matvecs (half to Lanczos), tol 0 (use the budget; otherwise stop
 * once se(PR) ≤ tol·PR, tested after each block once `minProbes` probes are in), seed 0. If `budget ≥ n` (and no deflation is given) everything is computed
 * exactly from `n` unit vectors. Cost: `budget` matvecs in blocks plus O(n·k·budget) flops.
 */
export function estimateSpectralMoments(A: SymmetricApply, opts: SpectralMomentsOptions = {}): SpectralMomentsEstimate {
  const what = 'estimateSpectralMoments';
  const n = A.n;
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`${what}: operator size must be a positive integer, got ${n}`);
  const budget = opts.budget ?? 300;
  checkBudget(budget, what);
  const tol = opts.tol ?? 0;
  if (!(tol >= 0)) throw new InputError(`${what}: tol must be a non-negative number, got ${tol}`);
  const batch = opts.batch ?? 16;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`${what}: batch must be a positive integer, got ${batch}`);
  const minProbes = Math.max(2, opts.minProbes ?? 2);
  if (!Number.isInteger(minProbes)) throw new InputError(`${what}: minProbes must be an integer, got ${opts.minProbes}`);
  const dist = opts.distribution ?? 'rademacher';
  if (opts.trace !== undefined && !Number.isFinite(opts.trace)) throw new InputError(`${what}: trace must be finite, got ${opts.trace}`);

  if (budget >= n && !opts.deflation) return exactMoments(A, opts.trace, batch, what);

  const rng = createRng(opts.seed ?? 0);
  let matvecs = 0;
  let V: Matrix = zeros(n, 0);
  let AV: Matrix | undefined;
  let eigen: EigenpairsResult | undefined;
  if (opts.deflation) {
    V = opts.deflation.vectors;
    if (V.rows !== n) throw new ShapeError(`${what}: deflation basis has ${V.rows} rows, operator is ${n}×${n}`);
    AV = opts.deflation.AV;
    if (AV && (AV.rows !== n || AV.cols !== V.cols)) throw new ShapeError(`${what}: deflation AV is ${AV.rows}×${AV.cols}, expected ${n}×${V.cols}`);
  } else {
    const k = Math.min(opts.k ?? 10, n - 1);
    if (!Number.isInteger(k) || k < 0) throw new InputError(`${what}: k must be a non-negative integer, got ${opts.k}`);
    if (k > 0) {
      const eb = opts.eigenBudget ?? Math.floor(budget / 2);
      if (eb < 2 * k || budget - eb < 2) {
        throw new InputError(`${what}: budget ${budget} (eigenBudget ${eb}) is too small for a rank-${k} deflation and at least 2 probes`);
      }
      eigen = lanczosTopK(A, { k, budget: eb, tol: 1e-8, seed: rng.nextUint32(), requireConvergence: false });
      matvecs += eigen.matvecs;
      V = eigen.vectors;
      AV = eigen.AV;
    }
  }
  if (V.cols > 0 && !AV) {
    AV = applyChecked(A, V, what);
    matvecs += V.cols;
  }
  let deflatedF = 0;
  let deflatedT = 0;
  if (AV) {
    const nrm = colNormsSq(AV);
    for (let i = 0; i < nrm.length; i++) deflatedF += nrm[i]!;
    for (let i = 0; i < V.data.length; i++) deflatedT += V.data[i]! * AV.data[i]!;
  }
  if (budget - matvecs < 2) throw new InputError(`${what}: budget ${budget} leaves fewer than 2 probes after ${matvecs} matvecs for the deflation`);

  const traceExact = opts.trace !== undefined;
  const stats = new PairStats(); // a = (Pz)ᵀ A P z, b = ‖A P z‖²
  const summarise = () => {
    const T = traceExact ? opts.trace! : deflatedT + stats.meanA;
    const F = deflatedF + stats.meanB;
    const vT = traceExact ? 0 : stats.varMeanA();
    const vF = stats.varMeanB();
    const cTF = traceExact ? 0 : stats.covMeans();
    const gT = (2 * T) / F;
    const gF = -(T * T) / (F * F);
    const vPR = gT * gT * vT + gF * gF * vF + 2 * gT * gF * cTF;
    return { T, F, vT, vF, PR: (T * T) / F, sePR: Math.sqrt(Math.max(0, vPR)) };
  };
  // the previous batch's probes and products are reused as the next batch's buffers
  let prevZ: Float64Array | undefined;
  let prevY: Float64Array | undefined;
  while (matvecs < budget) {
    const g = Math.min(batch, budget - matvecs);
    const Z = probeBlock(n, g, rng, dist, prevZ);
    if (V.cols > 0) subMul(Z, V, atb(V, Z));
    const Y = applyChecked(A, Z, what, prevY && prevY.length === n * g ? { rows: n, cols: g, data: prevY } : undefined);
    prevZ = Z.data;
    prevY = Y.data !== Z.data ? Y.data : undefined;
    matvecs += g;
    const zd = Z.data, yd = Y.data;
    const a = new Float64Array(g), b = new Float64Array(g);
    for (let r = 0; r < n; r++) {
      const o = r * g;
      for (let c = 0; c < g; c++) {
        const y = yd[o + c]!;
        a[c]! += zd[o + c]! * y;
        b[c]! += y * y;
      }
    }
    for (let c = 0; c < g; c++) stats.push(a[c]!, b[c]!);
    if (tol > 0 && stats.count >= minProbes) {
      const s = summarise();
      if (s.sePR <= tol * Math.abs(s.PR)) break;
    }
  }
  const s = summarise();
  if (!(s.F > 0)) throw new InputError(`${what}: the operator is zero (‖A‖_F² estimate ${s.F}); participation ratio undefined`);
  const seF = Math.sqrt(s.vF);
  const out: SpectralMomentsEstimate = {
    trace: { estimate: s.T, standardError: Math.sqrt(s.vT), exact: traceExact },
    frobeniusSquared: { estimate: s.F, standardError: seF },
    frobenius: { estimate: Math.sqrt(s.F), standardError: seF / (2 * Math.sqrt(s.F)) },
    participationRatio: { estimate: s.PR, standardError: s.sePR },
    deflatedRank: V.cols,
    deflatedFrobeniusSquared: deflatedF,
    deflatedTrace: deflatedT,
    probes: stats.count,
    matvecs,
    exact: false,
  };
  if (eigen) out.eigen = eigen;
  return out;
}

function exactMoments(A: SymmetricApply, trace: number | undefined, batch: number, what: string): SpectralMomentsEstimate {
  const n = A.n;
  let T = 0, F = 0;
  for (let c0 = 0; c0 < n; c0 += batch) {
    const w = Math.min(batch, n - c0);
    const E = zeros(n, w);
    for (let c = 0; c < w; c++) E.data[(c0 + c) * w + c] = 1;
    const Y = applyChecked(A, E, what);
    for (let c = 0; c < w; c++) T += Y.data[(c0 + c) * w + c]!;
    const nr = colNormsSq(Y);
    for (let c = 0; c < w; c++) F += nr[c]!;
  }
  if (trace !== undefined) T = trace;
  if (!(F > 0)) throw new InputError(`${what}: the operator is zero; participation ratio undefined`);
  return {
    trace: { estimate: T, standardError: 0, exact: true },
    frobeniusSquared: { estimate: F, standardError: 0 },
    frobenius: { estimate: Math.sqrt(F), standardError: 0 },
    participationRatio: { estimate: (T * T) / F, standardError: 0 },
    deflatedRank: 0,
    deflatedFrobeniusSquared: F,
    deflatedTrace: T,
    probes: 0,
    matvecs: n,
    exact: true,
  };
}

/** A general `rows × cols` operator applied to blocks: `apply(X)` = `B X` for `X` `cols × k`. */
export interface BlockApply {
  readonly rows: number;
  readonly cols: number;
  apply(X: Matrix): Matrix;
}

/** Options of `estimateFrobeniusSquared`. */
export interface FrobeniusOptions extends EstimatorOptions {
  /** Orthonormal `cols × k` basis deflated exactly (e.g. top right singular vectors of `B`). */
  deflation?: Matrix;
  distribution?: ProbeDistribution;
  batch?: number;
}

/**
 * `‖B‖_F² = tr(BᵀB)` of a general operator (e.g. `B = Jᵀ J`, giving `‖J Jᵀ‖_F²`): exactly
 * `‖BV‖_F² + E‖B P z‖²` with `P = I − VVᵀ` for an optional orthonormal deflation basis `V`; the
 * mean over probes with its standard error. Defaults: budget 100, tol 0, seed 0. When
 * `budget ≥ cols` (and no deflation) it is exact. Cost: `budget` applications of `B` in blocks.
 */
export function estimateFrobeniusSquared(B: BlockApply, opts: FrobeniusOptions = {}): ScalarEstimate & { probes: number; matvecs: number; exact: boolean } {
  const what = 'estimateFrobeniusSquared';
  const n = B.cols;
  const budget = opts.budget ?? 100;
  checkBudget(budget, what);
  const batch = opts.batch ?? 16;
  const dist = opts.distribution ?? 'rademacher';
  const tol = opts.tol ?? 0;
  const app = (X: Matrix): Matrix => {
    const Y = B.apply(X);
    if (Y.rows !== B.rows || Y.cols !== X.cols) throw new ShapeError(`${what}: operator returned ${Y.rows}×${Y.cols}, expected ${B.rows}×${X.cols}`);
    for (let i = 0; i < Y.data.length; i++) if (!Number.isFinite(Y.data[i]!)) throw new InputError(`${what}: operator returned a non-finite entry`);
    return Y;
  };
  if (budget >= n && !opts.deflation) {
    let F = 0;
    for (let c0 = 0; c0 < n; c0 += batch) {
      const w = Math.min(batch, n - c0);
      const E = zeros(n, w);
      for (let c = 0; c < w; c++) E.data[(c0 + c) * w + c] = 1;
      for (const v of colNormsSq(app(E))) F += v;
    }
    return { estimate: F, standardError: 0, probes: 0, matvecs: n, exact: true };
  }
  const V = opts.deflation ?? zeros(n, 0);
  if (V.rows !== n) throw new ShapeError(`${what}: deflation basis has ${V.rows} rows, operator has ${n} columns`);
  let matvecs = 0;
  let base = 0;
  if (V.cols > 0) {
    for (const v of colNormsSq(app(V))) base += v;
    matvecs += V.cols;
  }
  if (budget - matvecs < 2) throw new InputError(`${what}: budget ${budget} leaves fewer than 2 probes`);
  const rng = createRng(opts.seed ?? 0);
  const stats = new PairStats();
  while (matvecs < budget) {
    const g = Math.min(batch, budget - matvecs);
    const Z = probeBlock(n, g, rng, dist);
    if (V.cols > 0) subMul(Z, V, atb(V, Z));
    const nr = colNormsSq(app(Z));
    matvecs += g;
    for (let c = 0; c < g; c++) stats.push(nr[c]!, 0);
    if (tol > 0 && stats.count >= 2 && Math.sqrt(stats.varMeanA()) <= tol * (base + stats.meanA)) break;
  }
  return { estimate: base + stats.meanA, standardError: Math.sqrt(stats.varMeanA()), probes: stats.count, matvecs, exact: false };
}

/**
 * The bifurcation channel of the fixed-point sNTK (docs/theory.md §8).
 *
 * With `S = dh* / dθ = (I − J*)⁻¹ B*` (`N × P`) and the channel mode `(λ, r, l)` of `J*`
 * (`‖r‖ = 1`, `lᵀr = 1`), split `S = S_c + S_r`:
 * - real λ:    `S_c = r (B*ᵀl)ᵀ / (1 − λ)` (rank one);
 * - complex λ: `S_c = 2 Re[r (B*ᵀl)ᵀ / (1 − λ)]` (rank one over ℂ, rank two on span{Re r, Im r});
 * - `S_r = (I − J*)⁻¹ (I − Π) B*`, `Π = r lᵀ` (real) or `2 Re(r lᵀ)` (complex): bounded as `λ → 1`.
 * Then `sNTK_fp = C + X + R` with the channel `C = S_c S_cᵀ` (`= ‖B*ᵀl‖²/σ² r rᵀ` for real λ),
 * cross `X = S_c S_rᵀ + S_r S_cᵀ` and residual `R = S_r S_rᵀ`.
 *
 * `σ` is reported in the units of the dynamics: maps `σ = 1 − λ` (complex: `|1 − λ|`); flows
 * (`g = (f − h)/α`) `σ = −μ` for the eigenvalue `μ = (λ − 1)/α` of `g_h` (complex: `|μ|`), and the
 * unfolding gradient is `g_θᵀl = B*ᵀl/α`, so `C = ‖g_θᵀl‖²/σ² r rᵀ` in both conventions.
 */
import type { Model } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros, identity } from '../linalg/matrix.js';
import { gemm, solve, symmetricEigen, syrk, symmetrize } from '../linalg/index.js';
import { fixedPointSntk } from '../sntk/fixed-point.js';
import { participationRatio, kernelAlignment, kernelTrace, frobeniusNorm } from '../sntk/diagnostics.js';
import type { Complex, EigenPair, TimeKind } from '../dynamics/index.js';
import { InputError } from '../errors.js';
import { channelMode } from './mode.js';
import { eigenvalueGradient, orthonormalBasis } from './eigen-gradient.js';

/** Options of `channelDecomposition`. */
export interface ChannelOptions {
  /** Whether σ and the unfolding gradient are in map (default) or flow units (leaky/rate cells). */
  time?: TimeKind;
  /** Fixed-point residual tolerance (∞-norm, default 1e-8). */
  tol?: number;
}

/** The decomposition at one fixed point. */
export interface ChannelDecomposition {
  time: TimeKind;
  fixedPoint: Float64Array;
  /** Channel eigenvalue: of `J*` (maps) or of `g_h` (flows). */
  eigenvalue: Complex;
  /** Right/left eigenvectors of `J*` for it (`‖r‖ = 1`, `lᵀr = 1`). */
  mode: EigenPair;
  /** `1 − λ` (maps) or `−μ` (flows) for a real mode; the modulus for a complex one. */
  sigma: number;
  /** `1/σ²`. */
  amplification: number;
  /** `‖B*ᵀl‖` in the units of `time` (the complex modulus for a complex mode). */
  unfoldingNorm: number;
  /** `B*ᵀl` (real part for a complex mode), in the units of `time`, length P. */
  unfoldingGradient: Float64Array;
  /** Unit P-vector: `B*ᵀl/‖B*ᵀl‖` (real mode), top right singular vector of `S_c` (complex). */
  dominantDirection: Float64Array;
  /** `sNTK_fp`, channel `C`, cross `X`, residual `R` (all N×N, `K = C + X + R`). */
  K: Matrix;
  channel: Matrix;
  cross: Matrix;
  residual: Matrix;
  /** `S = dh* / dθ`, `S_c`, `S_r` (N×P). */
  sensitivity: Matrix;
  channelSensitivity: Matrix;
  residualSensitivity: Matrix;
  /** 1 for a real mode, 2 for a complex pair (the channel spans Re and Im). */
  rank: 1 | 2;
  /** Distance of the mode to the stability boundary: `1 − |λ|` (maps) or `−Re μ` (flows). */
  boundaryDistance: number;
  /**
   * Whether the fixed-point sNTK is amplified by this mode (a real eigenvalue approaching 1). For a
   * complex pair (Hopf / Neimark–Sacker) or an eigenvalue near −1, `|1 − λ|` stays bounded away
   * from 0, so `sNTK_fp` stays bounded and the amplification shows on trajectories only
   * (docs/theory.md §8; see `trajectoryChannel`).
   */
  fixedPointAmplified: boolean;
  /**
   * Orthonormal basis (`P × rank`) of the channel's parameter subspace: `B*ᵀl/‖B*ᵀl‖` for a real
   * mode; span{Re, Im} of the total derivative `dλ/dθ` (the fixed point moving) for a complex one.
   */
  parameterSubspace: Matrix;
  /** `dλ/dθ` (real and imaginary parts, length P, units of `time`), for a complex mode; null for real. */
  eigenvalueGradient: { re: Float64Array; im: Float64Array } | null;
  /** Orthonormal basis (`N × rank`) of the channel's state subspace: `r`, or span{Re r, Im r}. */
  stateSubspace: Matrix;
  /**
   * Fraction of the kernel's trace in the channel's state subspace, `tr(Qᵀ K Q)/tr K` with `Q` =
   * `stateSubspace`: in [0, 1] for the PSD `K`; → 1 as a real mode approaches 1.
   */
  channelShare: number;
  /**
   * `tr C / tr K`, the channel part's trace relative to the kernel's (the amplification ratio). Tends
   * to 1 as `σ → 0` but is not a fraction: for a non-normal `J*` the cross term can have negative
   * trace and this ratio can exceed 1.
   */
  amplificationRatio: number;
  /** Kernel alignment `cos(K, C) = ⟨K, C⟩_F/(‖K‖_F‖C‖_F)`. */
  cosine: number;
  /** PR of K, and of `K − C` (the channel removed). */
  prBefore: number;
  prAfter: number;
  /** Frobenius norms of the three parts. */
  channelNorm: number;
  crossNorm: number;
  residualNorm: number;
}

function realPart(z: Complex): number {
  return z.re;
}

/**
 * Splits the fixed-point sNTK at `hStar` (constant input `xbar`) into the bifurcation channel,
 * cross terms and a bounded residual (module doc), with share, cosine, PR before/after and the
 * dominant parameter direction. Throws InputError when `hStar` is not a fixed point,
 * SingularMatrixError exactly at the bifurcation, ConvergenceError for a defective mode.
 * Cost O(N³ + N²·P). See docs/theory.md §8.
 *
 * @param model - the network (its cell parameters, `P` of them).
 * @param hStar - a fixed point at input `xbar` (length `N`), e.g. from {@link findFixedPoints}.
 * @param xbar - the constant input (length `D`).
 * @param opts - map or flow units (`time`), the fixed-point residual tolerance.
 * @returns the channel mode `(λ, r, l)`, `sigma` (`1 − λ` for maps, in the units of the dynamics),
 *   the channel's energy share, the kernel alignment `cos(K, C)`, PR before and after removing the
 *   channel, the norms of the three parts and the dominant parameter direction `B*ᵀl` (length `P`).
 * @throws {@link sntk!InputError} when `hStar` is not a fixed point or has the wrong length.
 * @throws {@link sntk!SingularMatrixError} exactly at the bifurcation (`σ = 0`).
 * @throws {@link sntk!ConvergenceError} for a defective critical mode.
 * @example
 * ```ts
 * import { channelDecomposition, createModel, defineSpec, paramView } from 'sntk';
 *
 * // h* = 0 of h ↦ tanh(W h) with W = diag(0.99, 0.3): one eigenvalue 0.01 below the pitchfork
 * const model = createModel(defineSpec({ cell: 'vanilla', hiddenSize: 2, inputSize: 1 }));
 * paramView(model, 'W').data.set([0.99, 0, 0, 0.3]);
 * const ch = channelDecomposition(model, new Float64Array(2), new Float64Array(1));
 * console.log(ch.sigma.toFixed(4)); // prints: 0.0100
 * console.log(ch.channelShare > 0.999, ch.prBefore < 1.001); // prints: true true
 * ```
 */
export function channelDecomposition(model: Model, hStar: Float64Array, xbar: Float64Array, opts: ChannelOptions = {}): ChannelDecomposition {
  const time = opts.time ?? 'discrete';
  if (time === 'continuous' && model.spec.cell !== 'leaky' && model.spec.cell !== 'rate') {
    throw new InputError(`flow time needs a leaky or rate cell; this model is ${model.spec.cell}`);
  }
  const alpha = time === 'continuous' ? model.spec.alpha : 1;
  const fp = fixedPointSntk(model, hStar, xbar, opts.tol !== undefined ? { tol: opts.tol } : {});
  const J = fp.jacobian;
  const N = J.rows;
  const P = fp.sensitivity.cols;
  const mode = channelMode(J, time);
  const lam = mode.lambda;
  const complex = lam.im !== 0;
  const theta = model.params.subarray(0, model.layout.cellSize);
  const cache = model.cell.forward(theta, hStar, xbar);
  // B*ᵀl (complex: B*ᵀ Re l + i B*ᵀ Im l)
  const gRe = new Float64Array(P), gIm = new Float64Array(P);
  model.cell.vjpTheta(theta, cache, mode.left.re, gRe);
  if (complex) model.cell.vjpTheta(theta, cache, mode.left.im, gIm);
  // c = (B*ᵀl)/(1 − λ)
  const den = { re: 1 - lam.re, im: -lam.im };
  const dd = den.re * den.re + den.im * den.im;
  const inv = { re: den.re / dd, im: -den.im / dd };
  const Sc = zeros(N, P);
  const r = mode.right;
  for (let i = 0; i < N; i++) {
    for (let p = 0; p < P; p++) {
      // Re[(r_i)(g_p)(inv)] (×2 for complex)
      const gr = gRe[p]!, gi = gIm[p]!;
      const cr = gr * inv.re - gi * inv.im;
      const ci = gr * inv.im + gi * inv.re;
      const v = r.re[i]! * cr - r.im[i]! * ci;
      Sc.data[i * P + p] = complex ? 2 * v : v;
    }
  }
  // S_r = (I − J)⁻¹ (I − Π) B*, with Π B* = r (B*ᵀl)ᵀ (+ conj)
  const Bs = model.cell.jacobianTheta(theta, cache);
  const PB = zeros(N, P);
  for (let i = 0; i < N; i++) {
    for (let p = 0; p < P; p++) {
      const v = r.re[i]! * gRe[p]! - r.im[i]! * gIm[p]!;
      PB.data[i * P + p] = Bs.data[i * P + p]! - (complex ? 2 * v : v);
    }
  }
  const A = identity(N);
  for (let k = 0; k < N * N; k++) A.data[k]! -= J.data[k]!;
  const Sr = solve(A, PB);
  const channel = syrk(Sc);
  const residual = syrk(Sr);
  const xc = gemm(Sc, Sr, { transB: true });
  const cross = zeros(N, N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) cross.data[i * N + j] = xc.data[i * N + j]! + xc.data[j * N + i]!;
  const K = fp.K;
  const rest = zeros(N, N);
  for (let k = 0; k < N * N; k++) rest.data[k] = cross.data[k]! + residual.data[k]!;
  const restSym = symmetrize(rest);
  // units of `time`
  const sigmaMap = complex ? Math.hypot(den.re, den.im) : realPart(den);
  const sigma = sigmaMap / alpha;
  const eigenvalue: Complex = time === 'continuous' ? { re: (lam.re - 1) / alpha, im: lam.im / alpha } : lam;
  const unfoldingGradient = gRe.map((v) => v / alpha);
  let un = 0;
  for (let p = 0; p < P; p++) un += gRe[p]! * gRe[p]! + gIm[p]! * gIm[p]!;
  const unfoldingNorm = Math.sqrt(un) / alpha;
  const dominantDirection = complex ? topRightSingular(Sc) : normalised(gRe);
  const grad = complex ? eigenvalueGradient(model, hStar, xbar, mode, fp.sensitivity) : null;
  if (grad) for (let p = 0; p < P; p++) {
    grad.re[p]! /= alpha;
    grad.im[p]! /= alpha;
  }
  const parameterSubspace = grad ? orthonormalBasis([grad.re, grad.im]) : orthonormalBasis([gRe]);
  const stateSubspace = orthonormalBasis(complex ? [r.re, r.im] : [r.re]);
  const growthMap = Math.hypot(lam.re, lam.im) - 1;
  const boundaryDistance = time === 'continuous' ? -(lam.re - 1) / alpha : -growthMap;
  let restTrace = kernelTrace(restSym), restFro = 0;
  for (const v of restSym.data) restFro += v * v;
  const prAfter = restFro > 0 ? (restTrace * restTrace) / restFro : 0;
  return {
    time,
    fixedPoint: hStar.slice(),
    eigenvalue,
    mode,
    sigma,
    amplification: 1 / (sigma * sigma),
    unfoldingNorm,
    unfoldingGradient,
    dominantDirection,
    K,
    channel,
    cross,
    residual,
    sensitivity: fp.sensitivity,
    channelSensitivity: Sc,
    residualSensitivity: Sr,
    rank: complex ? 2 : 1,
    boundaryDistance,
    fixedPointAmplified: !complex && lam.re > 0,
    parameterSubspace,
    eigenvalueGradient: grad,
    stateSubspace,
    channelShare: subspaceShare(K, stateSubspace),
    amplificationRatio: kernelTrace(channel) / kernelTrace(K),
    cosine: kernelAlignment(K, channel),
    prBefore: participationRatio(K),
    prAfter,
    channelNorm: frobeniusNorm(channel),
    crossNorm: frobeniusNorm(cross),
    residualNorm: frobeniusNorm(residual),
  };
}

function normalised(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  if (!(n > 0)) throw new InputError('the unfolding gradient B*ᵀl is zero: the parameters do not move the critical mode (no channel direction)');
  return v.map((x) => x / n);
}

/** Top right singular vector of an `N × P` matrix via the `N × N` Gram. Cost O(N²P + N³). */
function topRightSingular(S: Matrix): Float64Array {
  const G = syrk(S);
  const e = symmetricEigen(G, { vectors: true });
  const N = S.rows, P = S.cols;
  const k = N - 1;
  const u = new Float64Array(N);
  for (let i = 0; i < N; i++) u[i] = e.vectors!.data[i * N + k]!;
  const v = new Float64Array(P);
  for (let i = 0; i < N; i++) for (let p = 0; p < P; p++) v[p]! += u[i]! * S.data[i * P + p]!;
  return normalised(v);
}

/**
 * `tr(Qᵀ K Q)/tr K` for an orthonormal `Q` (`N × k`) and a PSD `K` (`N × N`): the fraction of the
 * kernel's trace in span Q, clamped to [0, 1] against roundoff. Cost O(N²k).
 */
export function subspaceShare(K: Matrix, Q: Matrix): number {
  const N = K.rows, k = Q.cols;
  let num = 0;
  const kq = new Float64Array(N);
  for (let j = 0; j < k; j++) {
    kq.fill(0);
    for (let i = 0; i < N; i++) {
      let t = 0;
      for (let m = 0; m < N; m++) t += K.data[i * N + m]! * Q.data[m * k + j]!;
      kq[i] = t;
    }
    for (let i = 0; i < N; i++) num += Q.data[i * k + j]! * kq[i]!;
  }
  const tr = kernelTrace(K);
  if (!(tr > 0)) return 0;
  return Math.min(1, Math.max(0, num / tr));
}

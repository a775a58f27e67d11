/**
 * The bifurcation channel on trajectories (docs/theory.md §8). Near a fixed point with channel mode
 * `(λ, r, l)` the propagator is `P ≈ P_λ ⊗ r lᵀ + …`, `P_λ` the `T × T` lower-triangular Toeplitz
 * matrix of `λ^{t−s}` (exact when every `J_t = J*`). The channel part of the sNTK is
 * `C = A Aᵀ` with `A = P_c J_θ` (`M × P`), `P_c = P_λ ⊗ r lᵀ` (complex mode: `2 Re(P_λ ⊗ r lᵀ)`);
 * block row `t` of `A` is `r ⊗ y_t` with `y_t = λ y_{t−1} + (∂f/∂θ)_tᵀ l`, so `tr C = ‖A‖_F²`
 * costs one pass `O(B·T·P)`. The temporal amplification is `‖P_λ‖₂`, which is `≈ 1/|1−λ|` for
 * `T ≫ 1/|1−λ|` and saturates at `1/(2 sin(π/(2(2T+1)))) ≈ (2T+1)/π` as `λ → 1`.
 */
import type { Model, Trajectory } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import type { LinearOperator } from '../operators/types.js';
import { makeOperator } from '../operators/make.js';
import { sum, scale } from '../operators/combinators.js';
import { lanczosTopK } from '../linalg/iterative/lanczos.js';
import { sntkOperator } from '../sntk/operators.js';
import { forEachSensitivity } from '../sntk/sensitivity.js';
import { orthonormalBasis } from './eigen-gradient.js';
import type { Complex, EigenPair } from '../dynamics/index.js';
import { InputError, ShapeError } from '../errors.js';

/**
 * `‖P_λ‖₂`, the largest singular value of the `T × T` lower-triangular Toeplitz matrix of
 * `λ^{t−s}` (complex λ allowed), by Lanczos on `P_λᴴP_λ` applied with O(T) recursions (the real
 * `2T` embedding for complex λ). Cost O(T·k) for k ≲ 60 iterations; exact to ~1e-10 relative.
 *
 * @param lambda - the channel eigenvalue (real or complex).
 * @param T - the number of time steps.
 * @returns `‖P_λ‖₂` (dimensionless; docs/theory.md §8).
 * @throws {@link sntk!InputError} for a non-integer `T < 1` or a non-finite `λ`.
 */
export function temporalAmplification(lambda: Complex | number, T: number): number {
  if (!Number.isInteger(T) || T < 1) throw new InputError(`temporalAmplification: T must be a positive integer, got ${T}`);
  const lam = typeof lambda === 'number' ? { re: lambda, im: 0 } : lambda;
  if (!Number.isFinite(lam.re) || !Number.isFinite(lam.im)) throw new InputError('temporalAmplification: λ must be finite');
  if (T === 1) return 1;
  // x (complex, length T, stored [re; im]) ↦ P_λᴴ P_λ x
  const n = 2 * T;
  const applyOne = (x: Float64Array, out: Float64Array): void => {
    // forward y_t = λ y_{t-1} + x_t
    const yr = new Float64Array(T), yi = new Float64Array(T);
    let pr = 0, pi = 0;
    for (let t = 0; t < T; t++) {
      const nr = lam.re * pr - lam.im * pi + x[t]!;
      const ni = lam.re * pi + lam.im * pr + x[T + t]!;
      yr[t] = nr; yi[t] = ni;
      pr = nr; pi = ni;
    }
    // backward w_t = conj(λ) w_{t+1} + y_t
    let wr = 0, wi = 0;
    for (let t = T - 1; t >= 0; t--) {
      const nr = lam.re * wr + lam.im * wi + yr[t]!;
      const ni = lam.re * wi - lam.im * wr + yi[t]!;
      out[t] = nr; out[T + t] = ni;
      wr = nr; wi = ni;
    }
  };
  const A = {
    n,
    apply(X: Matrix): Matrix {
      const k = X.cols;
      const Y = zeros(n, k);
      const x = new Float64Array(n), o = new Float64Array(n);
      for (let c = 0; c < k; c++) {
        for (let i = 0; i < n; i++) x[i] = X.data[i * k + c]!;
        applyOne(x, o);
        for (let i = 0; i < n; i++) Y.data[i * k + c] = o[i]!;
      }
      return Y;
    },
  };
  const r = lanczosTopK(A, { k: 1, tol: 1e-12, budget: Math.min(n, 400) + 1, requireConvergence: false });
  return Math.sqrt(r.values[0]!);
}

/**
 * The cap `min(1/|1 − λ|, 1/(2 sin(π/(2(2T+1)))))` of the temporal amplification (maps); the second
 * term is `‖P_1‖₂` exactly (≈ (2T+1)/π). An upper bound up to O(1/T) corrections. O(1).
 *
 * @param lambda - the channel eigenvalue (real or complex).
 * @param T - the number of time steps.
 * @returns the cap, dimensionless (docs/theory.md §8).
 */
export function temporalAmplificationCap(lambda: Complex | number, T: number): number {
  const lam = typeof lambda === 'number' ? { re: lambda, im: 0 } : lambda;
  return Math.min(1 / Math.hypot(1 - lam.re, lam.im), 1 / (2 * Math.sin(Math.PI / (2 * (2 * T + 1)))));
}

/** What `trajectoryChannel` returns. */
export interface TrajectoryChannel {
  /** `tr sNTK = ‖J‖_F²` (exact). */
  trace: number;
  /** `tr C = ‖P_c J_θ‖_F²`. */
  channelTrace: number;
  /** 1 for a real mode, 2 for a complex pair. */
  rank: 1 | 2;
  /**
   * Fraction of the kernel's trace in the channel's state subspace at every step,
   * `Σ_t ‖Qᵀ dh_t/dθ‖_F² / tr sNTK` with `Q` the orthonormal basis of `r` (or of Re r, Im r): in [0, 1].
   */
  share: number;
  /** `tr C / tr sNTK`: the channel's amplification ratio (not a fraction; it can exceed 1). */
  amplificationRatio: number;
  /** `‖P_λ‖₂` for this T, and its cap `min(1/|1−λ|, ≈(2T+1)/π)`. */
  temporalAmplification: number;
  cap: number;
  /** Fraction of the trajectory states within `radius` of the fixed point (NaN without one). */
  visitFraction: number;
  /** Smallest `‖h_t − h*‖₂` over the trajectories (NaN without a fixed point). */
  minDistance: number;
  /**
   * `'ok'`, or `'not-visited'` when fewer than `minVisit` of the states come within `radius` of the
   * fixed point: the mode's linearisation then says little about these trajectories.
   */
  status: 'ok' | 'not-visited';
  /** The channel `C` and the residual `sNTK − C` as `M × M` symmetric operators. */
  channel: LinearOperator;
  residual: LinearOperator;
}

/** Options of `trajectoryChannel`. */
export interface TrajectoryChannelOptions {
  /** The fixed point whose mode is used; enables the visit check. */
  fixedPoint?: Float64Array;
  /** Neighbourhood radius in state units (default 0.25). */
  radius?: number;
  /** Smallest fraction of states in the neighbourhood for status 'ok' (default 0.1). */
  minVisit?: number;
}

/**
 * `tr sNTK` and `Σ_t ‖Qᵀ dh_t/dθ‖_F²` for an orthonormal `Q` (`N × k`), streaming the forward
 * sensitivities `dh_t/dθ` (O(N·P) memory). Cost O(B·T·N²·P).
 */
export function projectedTrace(model: Model, traj: Trajectory, Q: Matrix): { trace: number; projected: number } {
  const { B, T, N } = traj;
  if (Q.rows !== N) throw new ShapeError(`subspace basis has ${Q.rows} rows, the model has N = ${N}`);
  const P = model.layout.cellSize;
  const k = Q.cols;
  let trace = 0, projected = 0;
  forEachSensitivity(model, traj, (c) => {
    for (let x = 0; x < c.length; x++) trace += c[x]! * c[x]!;
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < P; p++) {
        let v = 0;
        for (let i = 0; i < N; i++) v += Q.data[i * k + j]! * c[i * P + p]!;
        projected += v * v;
      }
    }
  });
  return { trace, projected };
}

/** `(∂f/∂θ)_tᵀ v` for every step (rows (b,t), P columns). Cost O(B·T·P). */
function projectedParamRows(model: Model, traj: Trajectory, v: Float64Array): Matrix {
  const P = model.layout.cellSize;
  const theta = model.params.subarray(0, P);
  const G = zeros(traj.B * traj.T, P);
  for (let row = 0; row < traj.B * traj.T; row++) {
    model.cell.vjpTheta(theta, traj.caches[row]!, v, G.data.subarray(row * P, (row + 1) * P));
  }
  return G;
}

/**
 * The channel of the trajectory sNTK for the mode `(λ, r, l)` of a fixed point's `J*` (e.g.
 * `channelDecomposition(...).mode`): the share of the kernel's trace in the channel's state
 * subspace (in [0, 1]), the amplification ratio `tr C / tr sNTK`, the temporal amplification, the
 * visit check against `opts.fixedPoint`, and the channel and residual operators. Throws ShapeError
 * when the mode's length is not N. Cost O(B·T·P) for the channel trace plus O(B·T·N²·P) for the
 * exact `tr sNTK` and the projected trace.
 */
export function trajectoryChannel(model: Model, traj: Trajectory, mode: EigenPair, opts: TrajectoryChannelOptions = {}): TrajectoryChannel {
  const { B, T, N } = traj;
  if (mode.right.re.length !== N || mode.left.re.length !== N) throw new ShapeError(`mode vectors have length ${mode.right.re.length}, the model has N = ${N}`);
  const P = model.layout.cellSize;
  const lam = mode.lambda;
  const complex = lam.im !== 0;
  const r = mode.right, l = mode.left;
  const Gr = projectedParamRows(model, traj, l.re);
  const Gi = complex ? projectedParamRows(model, traj, l.im) : zeros(B * T, P);
  let rr = 0, ii = 0, ri = 0;
  for (let i = 0; i < N; i++) {
    rr += r.re[i]! ** 2;
    ii += r.im[i]! ** 2;
    ri += r.re[i]! * r.im[i]!;
  }
  let channelTrace = 0;
  const yr = new Float64Array(P), yi = new Float64Array(P);
  for (let b = 0; b < B; b++) {
    yr.fill(0);
    yi.fill(0);
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      let nR = 0, nI = 0, cross = 0;
      for (let p = 0; p < P; p++) {
        const a = lam.re * yr[p]! - lam.im * yi[p]! + Gr.data[row * P + p]!;
        const c = lam.re * yi[p]! + lam.im * yr[p]! + Gi.data[row * P + p]!;
        yr[p] = a;
        yi[p] = c;
        nR += a * a;
        nI += c * c;
        cross += a * c;
      }
      // ‖Re(r yᵀ)‖_F² ×4 for complex; ‖r‖²‖y‖² for real
      channelTrace += complex ? 4 * (rr * nR + ii * nI - 2 * ri * cross) : rr * nR;
    }
  }
  const Q = orthonormalBasis(complex ? [r.re, r.im] : [r.re]);
  const { trace, projected } = projectedTrace(model, traj, Q);
  const visit = visits(traj, opts);
  const channel = channelOperator(model, traj, mode);
  const full = sntkOperator(model, traj);
  return {
    trace,
    channelTrace,
    rank: complex ? 2 : 1,
    share: trace > 0 ? Math.min(1, Math.max(0, projected / trace)) : 0,
    amplificationRatio: channelTrace / trace,
    temporalAmplification: temporalAmplification(lam, T),
    cap: temporalAmplificationCap(lam, T),
    visitFraction: visit.fraction,
    minDistance: visit.minDistance,
    status: visit.fraction < (opts.minVisit ?? 0.1) ? 'not-visited' : 'ok',
    channel,
    residual: sum(full, scale(-1, channel)),
  };
}

/** Fraction of states within `radius` of the fixed point, and the smallest distance. O(B·T·N). */
function visits(traj: Trajectory, opts: TrajectoryChannelOptions): { fraction: number; minDistance: number } {
  const h = opts.fixedPoint;
  if (!h) return { fraction: NaN, minDistance: NaN };
  const { B, T, N } = traj;
  if (h.length !== N) throw new ShapeError(`fixed point has length ${h.length}, the model has N = ${N}`);
  const radius = opts.radius ?? 0.25;
  let inside = 0, minDistance = Infinity;
  for (let row = 0; row < B * T; row++) {
    let d = 0;
    for (let i = 0; i < N; i++) d += (traj.H[row * N + i]! - h[i]!) ** 2;
    d = Math.sqrt(d);
    if (d <= radius) inside++;
    minDistance = Math.min(minDistance, d);
  }
  return { fraction: inside / (B * T), minDistance };
}

/**
 * The channel `C = (P_c J_θ)(P_c J_θ)ᵀ` (`M × M`, symmetric PSD) as an operator. One application:
 * an adjoint recursion in time, one `(∂f/∂θ)ᵀ` and one `∂f/∂θ` per step, O(B·T·(N + P)) per vector.
 */
export function channelOperator(model: Model, traj: Trajectory, mode: EigenPair): LinearOperator {
  const { B, T, N } = traj;
  const M = B * T * N;
  const P = model.layout.cellSize;
  const theta = model.params.subarray(0, P);
  const lam = mode.lambda;
  const complex = lam.im !== 0;
  const f = complex ? 2 : 1;
  const r = mode.right, l = mode.left;
  const apply = (y: Float64Array): Float64Array => {
    // w_t = Σ_{t'≥t} λ^{t'−t} (rᵀ y_{t'}) (complex scalar), then z_t = f·Re(l w_t), x = Σ_t (∂f/∂θ)_tᵀ z_t
    const x = new Float64Array(P);
    const z = new Float64Array(N);
    for (let b = 0; b < B; b++) {
      let wr = 0, wi = 0;
      for (let t = T - 1; t >= 0; t--) {
        const row = b * T + t;
        let cr = 0, ci = 0;
        for (let i = 0; i < N; i++) {
          cr += r.re[i]! * y[row * N + i]!;
          ci += r.im[i]! * y[row * N + i]!;
        }
        const nr = lam.re * wr - lam.im * wi + cr;
        const ni = lam.re * wi + lam.im * wr + ci;
        wr = nr;
        wi = ni;
        for (let i = 0; i < N; i++) z[i] = f * (l.re[i]! * wr - l.im[i]! * wi);
        model.cell.vjpTheta(theta, traj.caches[row]!, z, x);
      }
    }
    // forward: q_t = (∂f/∂θ)_t x; s_t = λ s_{t−1} + lᵀ q_t; out_t = f·Re(r s_t)
    const out = new Float64Array(M);
    const q = new Float64Array(N);
    for (let b = 0; b < B; b++) {
      let sr = 0, si = 0;
      for (let t = 0; t < T; t++) {
        const row = b * T + t;
        model.cell.jvpTheta(theta, traj.caches[row]!, x, q);
        let cr = 0, ci = 0;
        for (let i = 0; i < N; i++) {
          cr += l.re[i]! * q[i]!;
          ci += l.im[i]! * q[i]!;
        }
        const nr = lam.re * sr - lam.im * si + cr;
        const ni = lam.re * si + lam.im * sr + ci;
        sr = nr;
        si = ni;
        for (let i = 0; i < N; i++) out[row * N + i] = f * (r.re[i]! * sr - r.im[i]! * si);
      }
    }
    return out;
  };
  return makeOperator({ rows: M, cols: M, symmetric: true, label: 'bifurcation channel P_c K P_cᵀ', matvec: apply });
}

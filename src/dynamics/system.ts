/**
 * The generic one-parameter dynamical system that every algorithm of the dynamics layer works on.
 *
 * A `ParamSystem` is either a map `h ↦ f(h, s)` (`time: 'discrete'`) or a flow `ḣ = g(h, s)`
 * (`time: 'continuous'`) on `R^N`, with a scalar parameter `s` (the position along a parameter
 * path θ(s)). It provides the value and its exact derivatives (no finite differences):
 * `f_h` (dense N×N), `f_s`, `f_hh[u,v]`, `f_hhh[u,v,w]`, `f_hs[u]`.
 *
 * The fixed-point residual is `F(h, s) = f(h, s) − h` for maps and `F = g(h, s)` for flows; all
 * derivatives of F beyond the first in h coincide with those of f (resp. g), and `F_h = f_h − I`
 * (maps) or `g_h` (flows). Model adapters (model-system.ts) and hand-written systems both implement
 * this interface.
 */
import type { Activation } from '../models/types.js';
import type { Matrix } from '../linalg/index.js';
import { zeros } from '../linalg/index.js';
import { InputError, ShapeError, assertFinite } from '../errors.js';

export type TimeKind = 'discrete' | 'continuous';

/** A one-parameter family of maps or flows on R^N with analytic derivatives. */
export interface ParamSystem {
  readonly N: number;
  readonly time: TimeKind;
  /** `f(h, s)` (map) or `g(h, s)` (flow), a new length-N vector. */
  value(h: Float64Array, s: number): Float64Array;
  /** Dense `∂f/∂h` (map) or `∂g/∂h` (flow), N×N. */
  jacobian(h: Float64Array, s: number): Matrix;
  /** `∂f/∂s` (or `∂g/∂s`), length N. */
  ds(h: Float64Array, s: number): Float64Array;
  /** `f_hh[u, v]`, length N. */
  hessian(h: Float64Array, s: number, u: Float64Array, v: Float64Array): Float64Array;
  /** `f_hhh[u, v, w]`, length N. */
  third(h: Float64Array, s: number, u: Float64Array, v: Float64Array, w: Float64Array): Float64Array;
  /** `f_hs[u] = ∂/∂s (f_h u)`, length N. */
  hessianS(h: Float64Array, s: number, u: Float64Array): Float64Array;
  /** Distance travelled in parameter space between path positions `s0` and `s1` (default |s1 − s0|). */
  distance?(s0: number, s1: number): number;
  /**
   * Optional: every fixed point (and periodic orbit) lies in `|h_i| < stateBox` (a model's
   * `Cell.fixedPointBox`); the fixed-point searches reject what they find outside.
   */
  readonly stateBox?: number;
}

/** `F(h, s)`: `f − h` for maps, `g` for flows. Cost: one `value`. */
export function residual(sys: ParamSystem, h: Float64Array, s: number): Float64Array {
  const f = sys.value(h, s);
  if (sys.time === 'discrete') for (let i = 0; i < f.length; i++) f[i]! -= h[i]!;
  return f;
}

/** `F_h`: `f_h − I` for maps, `g_h` for flows (a new matrix). Cost: one `jacobian` + O(N). */
export function residualJacobian(sys: ParamSystem, h: Float64Array, s: number): Matrix {
  const J = sys.jacobian(h, s);
  const out = { rows: J.rows, cols: J.cols, data: J.data.slice() };
  if (sys.time === 'discrete') for (let i = 0; i < sys.N; i++) out.data[i * sys.N + i]! -= 1;
  return out;
}

/** Parameter-space distance between path positions, using `sys.distance` when present. */
export function pathDistance(sys: ParamSystem, s0: number, s1: number): number {
  return sys.distance ? sys.distance(s0, s1) : Math.abs(s1 - s0);
}

/** Throws ShapeError unless `h` has length `sys.N`, NonFiniteError if it has NaN/Inf. */
export function checkState(sys: ParamSystem, h: ArrayLike<number>, what: string): void {
  if (h.length !== sys.N) throw new ShapeError(`${what} has length ${h.length}, the system has N = ${sys.N}`);
  assertFinite(h, what);
}

/** Options of `elementwiseSystem`. */
export interface ElementwiseSpec {
  /** Dimension N. */
  N: number;
  time: TimeKind;
  /** Scalar activation φ and its first three derivatives. */
  phi: Pick<Activation, 'phi' | 'd1' | 'd2' | 'd3'>;
  /** `W(s)` (N×N row-major) and its s-derivative. */
  W(s: number): Float64Array;
  dW(s: number): Float64Array;
  /** `b(s)` (length N) and its s-derivative; zero when absent. */
  b?(s: number): Float64Array;
  db?(s: number): Float64Array;
  /** Time constant `α` of the flow `ḣ = (−h + φ(W h + b))/α`; only used for `time: 'continuous'` (default 1). */
  alpha?: number;
}

/**
 * A hand-writable system `f(h, s) = φ(W(s) h + b(s))` (map), or the flow `g = (φ(W h + b) − h)/α`
 * with all derivatives in closed form. Used by tests and as a reference; cost O(N²) per call.
 */
export function elementwiseSystem(spec: ElementwiseSpec): ParamSystem {
  const { N, phi } = spec;
  const alpha = spec.time === 'continuous' ? (spec.alpha ?? 1) : 1;
  if (!(alpha > 0)) throw new InputError(`elementwiseSystem: alpha must be positive, got ${alpha}`);
  const pre = (h: Float64Array, s: number): Float64Array => {
    const W = spec.W(s);
    if (W.length !== N * N) throw new ShapeError(`elementwiseSystem: W has ${W.length} entries, expected ${N * N}`);
    const b = spec.b ? spec.b(s) : undefined;
    const a = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let t = b ? b[i]! : 0;
      for (let j = 0; j < N; j++) t += W[i * N + j]! * h[j]!;
      a[i] = t;
    }
    return a;
  };
  const matvec = (W: Float64Array, u: Float64Array): Float64Array => {
    const y = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let t = 0;
      for (let j = 0; j < N; j++) t += W[i * N + j]! * u[j]!;
      y[i] = t;
    }
    return y;
  };
  const flow = spec.time === 'continuous';
  return {
    N,
    time: spec.time,
    value(h, s) {
      const a = pre(h, s);
      const out = new Float64Array(N);
      for (let i = 0; i < N; i++) out[i] = flow ? (phi.phi(a[i]!) - h[i]!) / alpha : phi.phi(a[i]!);
      return out;
    },
    jacobian(h, s) {
      const a = pre(h, s);
      const W = spec.W(s);
      const J = zeros(N, N);
      for (let i = 0; i < N; i++) {
        const d = phi.d1(a[i]!);
        for (let j = 0; j < N; j++) J.data[i * N + j] = (d * W[i * N + j]! - (flow && i === j ? 1 : 0)) / alpha;
      }
      return J;
    },
    ds(h, s) {
      const a = pre(h, s);
      const da = matvec(spec.dW(s), h);
      if (spec.db) {
        const db = spec.db(s);
        for (let i = 0; i < N; i++) da[i]! += db[i]!;
      }
      for (let i = 0; i < N; i++) da[i] = (phi.d1(a[i]!) * da[i]!) / alpha;
      return da;
    },
    hessian(h, s, u, v) {
      const a = pre(h, s);
      const W = spec.W(s);
      const wu = matvec(W, u), wv = matvec(W, v);
      for (let i = 0; i < N; i++) wu[i] = (phi.d2(a[i]!) * wu[i]! * wv[i]!) / alpha;
      return wu;
    },
    third(h, s, u, v, w) {
      const a = pre(h, s);
      const W = spec.W(s);
      const wu = matvec(W, u), wv = matvec(W, v), ww = matvec(W, w);
      for (let i = 0; i < N; i++) wu[i] = (phi.d3(a[i]!) * wu[i]! * wv[i]! * ww[i]!) / alpha;
      return wu;
    },
    hessianS(h, s, u) {
      // ∂/∂s [φ'(a) ⊙ (W u)] = φ''(a) ⊙ a_s ⊙ (W u) + φ'(a) ⊙ (W_s u), a_s = W_s h + b_s
      const a = pre(h, s);
      const W = spec.W(s), dW = spec.dW(s);
      const as = matvec(dW, h);
      if (spec.db) {
        const db = spec.db(s);
        for (let i = 0; i < N; i++) as[i]! += db[i]!;
      }
      const wu = matvec(W, u), dwu = matvec(dW, u);
      const out = new Float64Array(N);
      for (let i = 0; i < N; i++) out[i] = (phi.d2(a[i]!) * as[i]! * wu[i]! + phi.d1(a[i]!) * dwu[i]!) / alpha;
      return out;
    },
  };
}


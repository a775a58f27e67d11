/**
 * One fixed-point solve from one start: damped Newton on `F(h) = 0` (F = f − h for maps, g for
 * flows) with a backtracking line search on ‖F‖, falling back to Levenberg–Marquardt minimisation
 * of the q-function `q = ½‖F‖²` when Newton stalls or the Jacobian is singular. A run that ends
 * at a non-zero local minimum of q is a *slow point*. Never returns NaN: a run that meets a
 * non-finite value or leaves the ball `‖h‖ ≤ maxNorm` stops and says why.
 */
import type { Matrix } from '../linalg/index.js';
import { norm2, solveVector, zeros } from '../linalg/index.js';
import { SingularMatrixError } from '../errors.js';
import type { ParamSystem } from './system.js';
import { residual, residualJacobian } from './system.js';

/** Options of `solveFixedPoint`. */
export interface NewtonOptions {
  /** Accept as a fixed point when ‖F‖₂ ≤ tol (default 1e-10). */
  tol?: number;
  /** Newton iterations (default 60). */
  maxIter?: number;
  /** Levenberg–Marquardt iterations of the q-function fallback (default 300). */
  lmIter?: number;
  /** Give up when ‖h‖₂ exceeds this (default 1e6). */
  maxNorm?: number;
}

/** Outcome of one solve. */
export interface NewtonResult {
  h: Float64Array;
  /** ‖F(h)‖₂ at the returned h (finite). */
  residual: number;
  /** ‖F_hᵀ F‖₂, the q-function gradient, at the returned h. */
  gradNorm: number;
  iterations: number;
  converged: boolean;
  /** Whether the q-function fallback was used. */
  usedQ: boolean;
  /** `converged`, `slow-point` (local min of q with F ≠ 0), `diverged`, `non-finite`, `max-iterations`. */
  status: 'converged' | 'slow-point' | 'diverged' | 'non-finite' | 'max-iterations';
}

function finiteNorm(v: Float64Array): number {
  const n = norm2(v);
  return Number.isFinite(n) ? n : Infinity;
}

function safeResidual(sys: ParamSystem, h: Float64Array, s: number): { F: Float64Array; n: number } {
  let F: Float64Array;
  try {
    F = residual(sys, h, s);
  } catch {
    return { F: new Float64Array(sys.N), n: Infinity };
  }
  return { F, n: finiteNorm(F) };
}

function jtv(J: Matrix, v: Float64Array): Float64Array {
  const n = J.rows, m = J.cols;
  const out = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    const vi = v[i]!;
    for (let j = 0; j < m; j++) out[j]! += J.data[i * m + j]! * vi;
  }
  return out;
}

/**
 * Solves `F(h, s) = 0` from `h0` (not modified). Cost per iteration: one residual, one Jacobian and
 * one N×N solve, O(N³); at most `maxIter + lmIter` iterations.
 *
 * @param sys - the system in `N` dimensions.
 * @param s - the path parameter.
 * @param h0 - the start state (length `N`).
 * @param opts - iteration limits, tolerances, damping.
 * @returns the final state, its residual and gradient norm, the iterations and whether it converged
 *   (not converging is reported in the result, not thrown; docs/theory.md §6).
 */
export function solveFixedPoint(sys: ParamSystem, s: number, h0: Float64Array, opts: NewtonOptions = {}): NewtonResult {
  const tol = opts.tol ?? 1e-10;
  const maxIter = opts.maxIter ?? 60;
  const lmIter = opts.lmIter ?? 300;
  const maxNorm = opts.maxNorm ?? 1e6;
  const N = sys.N;
  let h = h0.slice();
  let { F, n: fn } = safeResidual(sys, h, s);
  if (!Number.isFinite(fn)) return done(h, Infinity, Infinity, 0, false, 'non-finite');
  let it = 0;
  let usedQ = false;
  const polish = (hn: number) => Math.max(1e-15 * (1 + hn), Math.min(tol * 1e-3, 1e-13 * (1 + hn)));

  function done(hh: Float64Array, r: number, g: number, iters: number, q: boolean, status: NewtonResult['status']): NewtonResult {
    return { h: hh, residual: Number.isFinite(r) ? r : Number.MAX_VALUE, gradNorm: Number.isFinite(g) ? g : Number.MAX_VALUE, iterations: iters, converged: status === 'converged', usedQ: q, status };
  }
  const gradAt = (hh: Float64Array, FF: Float64Array): number => {
    try {
      return finiteNorm(jtv(residualJacobian(sys, hh, s), FF));
    } catch {
      return Infinity;
    }
  };

  // --- damped Newton
  let stalled = false;
  while (it < maxIter) {
    if (fn <= polish(norm2(h))) break;
    it++;
    let J: Matrix;
    let d: Float64Array;
    try {
      J = residualJacobian(sys, h, s);
      const rhs = F.map((v) => -v);
      d = solveVector(J, rhs);
      if (!Number.isFinite(norm2(d))) throw new SingularMatrixError('non-finite Newton step');
    } catch (err) {
      if (!(err instanceof SingularMatrixError)) throw err;
      stalled = true;
      break;
    }
    let t = 1;
    let accepted = false;
    while (t >= 1e-8) {
      const hn = new Float64Array(N);
      for (let i = 0; i < N; i++) hn[i] = h[i]! + t * d[i]!;
      const r = safeResidual(sys, hn, s);
      if (r.n < (1 - 1e-4 * t) * fn || (r.n <= fn && fn <= 10 * polish(norm2(h)))) {
        h = hn;
        F = r.F;
        fn = r.n;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) {
      stalled = fn > tol;
      break;
    }
    if (norm2(h) > maxNorm) return done(h, fn, gradAt(h, F), it, false, 'diverged');
  }
  if (fn <= tol) return done(h, fn, gradAt(h, F), it, false, 'converged');
  if (!stalled && it >= maxIter && fn > tol) stalled = true;

  // --- q-function fallback (Levenberg–Marquardt on ½‖F‖²)
  usedQ = true;
  let mu = 1e-3;
  let g = Infinity;
  for (let k = 0; k < lmIter; k++) {
    it++;
    let J: Matrix;
    try {
      J = residualJacobian(sys, h, s);
    } catch {
      return done(h, fn, Infinity, it, true, 'non-finite');
    }
    const grad = jtv(J, F);
    g = finiteNorm(grad);
    if (fn <= tol) {
      // polish with a few plain Newton steps
      for (let p = 0; p < 3 && fn > polish(norm2(h)); p++) {
        try {
          const d = solveVector(residualJacobian(sys, h, s), F.map((v) => -v));
          const hn = h.map((v, i) => v + d[i]!);
          const r = safeResidual(sys, hn, s);
          if (r.n < fn) {
            h = hn;
            F = r.F;
            fn = r.n;
          } else break;
        } catch {
          break;
        }
      }
      return done(h, fn, gradAt(h, F), it, true, 'converged');
    }
    if (g <= 1e-14 * Math.max(1, fn)) return done(h, fn, g, it, true, 'slow-point');
    // (JᵀJ + μ diag) δ = −Jᵀ F
    const JtJ = zeros(N, N);
    for (let a = 0; a < N; a++) {
      for (let b = a; b < N; b++) {
        let sum = 0;
        for (let i = 0; i < N; i++) sum += J.data[i * N + a]! * J.data[i * N + b]!;
        JtJ.data[a * N + b] = sum;
        JtJ.data[b * N + a] = sum;
      }
    }
    let improved = false;
    for (let tries = 0; tries < 30; tries++) {
      const M = { rows: N, cols: N, data: JtJ.data.slice() };
      let dmax = 0;
      for (let a = 0; a < N; a++) dmax = Math.max(dmax, JtJ.data[a * N + a]!);
      for (let a = 0; a < N; a++) M.data[a * N + a]! += mu * Math.max(JtJ.data[a * N + a]!, 1e-12 * Math.max(dmax, 1));
      let d: Float64Array;
      try {
        d = solveVector(M, grad.map((v) => -v));
      } catch (err) {
        if (!(err instanceof SingularMatrixError)) throw err;
        mu *= 10;
        continue;
      }
      const hn = h.map((v, i) => v + d[i]!);
      const r = safeResidual(sys, hn, s);
      if (r.n < fn) {
        h = hn;
        F = r.F;
        fn = r.n;
        mu = Math.max(mu / 3, 1e-12);
        improved = true;
        break;
      }
      mu *= 4;
    }
    if (!improved) return done(h, fn, g, it, true, fn > tol && g <= 1e-8 * Math.max(1, fn) ? 'slow-point' : 'max-iterations');
    if (norm2(h) > maxNorm) return done(h, fn, g, it, true, 'diverged');
  }
  return done(h, fn, g, it, usedQ, 'max-iterations');
}

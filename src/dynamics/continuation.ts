/**
 * Pseudo-arclength continuation of a fixed point of a ParamSystem along its path parameter `s`,
 * with detection of bifurcations by test functions, localisation to ≤ `locTol` in arclength
 * (hence in `s`) by a safeguarded secant/bisection search, and classification by normal-form
 * coefficients (normal-form.ts).
 *
 * Unknowns `y = (h, s) ∈ R^{N+1}`; tangent `t` with `[F_h F_s] t = 0`, `‖t‖ = 1`, oriented by the
 * previous tangent; predictor `y + Δ t`; corrector: Newton on `[F(y); tᵀ(y − y_pred)] = 0`. Folds
 * are passed (the branch turns back in `s`) and reported as saddle-nodes.
 *
 * Test functions between consecutive points:
 * - real eigenvalue through +1 (maps) / 0 (flows): sign of `Π_real (λ − c)` changes; folds vs branch
 *   points are told apart by whether `ds/darc` changes sign (fold) or not (branch point);
 * - real eigenvalue through −1 (maps): sign of `Π_real (λ + 1)` changes (period doubling);
 * - complex pair through the unit circle / imaginary axis: the number of complex eigenvalues with
 *   |λ| > 1 (Re λ > 0) changes (Neimark–Sacker / Hopf).
 */
import type { Matrix } from '../linalg/index.js';
import { norm2, solve, svd, zeros } from '../linalg/index.js';
import { ConvergenceError, InputError, SingularMatrixError } from '../errors.js';
import type { ParamSystem } from './system.js';
import { checkState, pathDistance, residual } from './system.js';
import { solveFixedPoint } from './newton.js';
import type { Complex, CVec } from './cvec.js';
import type { SpectrumInfo } from './spectrum.js';
import { growth, spectrumOf } from './spectrum.js';
import type { Criticality } from './normal-form.js';
import { hopfCoefficients, neimarkSackerCoefficient, periodDoublingCoefficient, realCriticalCoefficients } from './normal-form.js';

export type BifurcationType = 'saddle-node' | 'transcritical' | 'pitchfork' | 'hopf' | 'period-doubling' | 'neimark-sacker';

/** One point of a continued branch. */
export interface BranchPoint extends SpectrumInfo {
  s: number;
  h: Float64Array;
  /** Arclength in (h, s) from the start. */
  arclength: number;
  /** `ds/darc` of the branch tangent (changes sign at folds). */
  tangentS: number;
  /** ‖F(h, s)‖₂. */
  residual: number;
}

/** A detected, localised and classified bifurcation. */
export interface BifurcationEvent {
  type: BifurcationType;
  s: number;
  /** Parameter-space distance along the path from the continuation's start `s0` to `s`. */
  distance: number;
  h: Float64Array;
  /** Critical eigenvalue(s): one real, or a complex pair `λ, λ̄`. */
  eigenvalues: Complex[];
  /** Right and left eigenvectors of the first critical eigenvalue (`‖r‖ = 1`, `lᵀ r = 1`). */
  right: CVec;
  left: CVec;
  coefficients: Record<string, number>;
  criticality: Criticality;
  /** Width of the final bracket in arclength (an upper bound on the error in s). */
  sError: number;
  /**
   * Unit tangent `(t_h, t_s)` (length N + 1) of the continued branch at the event, oriented along
   * the continuation; `switchBranch` uses it to tell the old branch from the new one at a branch
   * point. Absent on events not made by `continueBranch`.
   */
  tangent?: Float64Array;
}

/** Options of `continueBranch`. */
export interface ContinuationOptions {
  /** Start of the parameter range; the branch starts here. */
  s0: number;
  /** End of the range; the branch initially moves towards it. */
  s1: number;
  /** A state near a fixed point at `s0`. */
  h0: Float64Array;
  /** Initial step in arclength (default |s1 − s0|/100). */
  ds?: number;
  /** Smallest step before giving up (default 1e-9). */
  dsMin?: number;
  /** Largest step (default |s1 − s0|/25). */
  dsMax?: number;
  /** Maximum number of continuation steps (default 2000). */
  maxSteps?: number;
  /** Residual tolerance of the corrector (default 1e-11). */
  tol?: number;
  /** Localisation tolerance in arclength (default 1e-10). */
  locTol?: number;
  /** Stop when ‖h‖ exceeds this (default 1e6). */
  maxNorm?: number;
  /** Skip the event detection (default false). */
  noEvents?: boolean;
}

/** A continued branch with its events. */
export interface ContinuationResult {
  time: ParamSystem['time'];
  branch: BranchPoint[];
  events: BifurcationEvent[];
  /** Why the continuation stopped. */
  stopReason: 'reached-end' | 'left-range' | 'max-steps' | 'step-too-small' | 'diverged';
}

interface Y {
  h: Float64Array;
  s: number;
}

function dotY(a: Y, b: Y): number {
  let d = a.s * b.s;
  for (let i = 0; i < a.h.length; i++) d += a.h[i]! * b.h[i]!;
  return d;
}

function normY(a: Y): number {
  return Math.sqrt(dotY(a, a));
}

function axpyY(y: Y, c: number, t: Y): Y {
  return { h: y.h.map((v, i) => v + c * t.h[i]!), s: y.s + c * t.s };
}

/** The bordered matrix `[[F_h, F_s], [tᵀ]]` ((N+1)×(N+1)). */
function bordered(sys: ParamSystem, y: Y, t: Y): Matrix {
  const N = sys.N;
  const J = sys.jacobian(y.h, y.s);
  const Fs = sys.ds(y.h, y.s);
  const M = zeros(N + 1, N + 1);
  const n1 = N + 1;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) M.data[i * n1 + j] = J.data[i * N + j]! - (sys.time === 'discrete' && i === j ? 1 : 0);
    M.data[i * n1 + N] = Fs[i]!;
  }
  for (let j = 0; j < N; j++) M.data[N * n1 + j] = t.h[j]!;
  M.data[N * n1 + N] = t.s;
  return M;
}

/** Unit tangent at y, oriented so that `tᵀ tPrev > 0`. Falls back to the SVD null space when singular. */
function tangentAt(sys: ParamSystem, y: Y, tPrev: Y): Y {
  const N = sys.N;
  const M = bordered(sys, y, tPrev);
  try {
    const rhs = new Float64Array(N + 1);
    rhs[N] = 1;
    const x = solve(M, { rows: N + 1, cols: 1, data: rhs }).data;
    const t: Y = { h: x.slice(0, N), s: x[N]! };
    const n = normY(t);
    if (!Number.isFinite(n) || n === 0 || n > 1e12) throw new SingularMatrixError('tangent system is singular');
    return { h: t.h.map((v) => v / n), s: t.s / n };
  } catch (err) {
    if (!(err instanceof SingularMatrixError)) throw err;
  }
  // null space of [F_h F_s] (padded to square), projected onto tPrev
  const A = { rows: N + 1, cols: N + 1, data: M.data.slice() };
  for (let j = 0; j <= N; j++) A.data[N * (N + 1) + j] = 0;
  const d = svd(A);
  const V = d.V!;
  const smax = d.s[0]! || 1;
  const t: Y = { h: new Float64Array(N), s: 0 };
  for (let k = 0; k <= N; k++) {
    if (d.s[k]! > 1e-9 * smax) continue;
    const v: Y = { h: new Float64Array(N), s: V.data[N * (N + 1) + k]! };
    for (let i = 0; i < N; i++) v.h[i] = V.data[i * (N + 1) + k]!;
    const c = dotY(v, tPrev);
    for (let i = 0; i < N; i++) t.h[i]! += c * v.h[i]!;
    t.s += c * v.s;
  }
  let n = normY(t);
  if (!(n > 1e-12)) {
    for (let i = 0; i < N; i++) t.h[i] = V.data[i * (N + 1) + N]!;
    t.s = V.data[N * (N + 1) + N]!;
    n = normY(t);
    if (dotY(t, tPrev) < 0) n = -n;
  }
  return { h: t.h.map((v) => v / n), s: t.s / n };
}

/** Newton corrector on `[F(y); tᵀ(y − yp)] = 0`; null when it fails. */
/**
 * Newton's method for `F(h, s) = 0` on the hyperplane `normalᵀ((h, s) − point) = 0`, from `point`
 * (the bordered system `[[F_h, F_s], [normalᵀ]]`). Returns the solution with its residual, or null
 * when the corrector fails (singular bordered matrix, non-finite values, no convergence in `maxIt`).
 * Cost per iteration O(N³).
 */
export function correctOnHyperplane(sys: ParamSystem, point: { h: Float64Array; s: number }, normal: { h: Float64Array; s: number }, opts: { tol?: number; maxIt?: number } = {}): { h: Float64Array; s: number; residual: number; iterations: number } | null {
  const c = correct(sys, point, normal, opts.tol ?? 1e-11, opts.maxIt ?? 30);
  return c ? { h: c.y.h, s: c.y.s, residual: c.res, iterations: c.iters } : null;
}

function correct(sys: ParamSystem, yp: Y, t: Y, tol: number, maxIt: number): { y: Y; iters: number; res: number } | null {
  const N = sys.N;
  let y: Y = { h: yp.h.slice(), s: yp.s };
  for (let it = 0; it <= maxIt; it++) {
    let F: Float64Array;
    try {
      F = residual(sys, y.h, y.s);
    } catch {
      return null;
    }
    const fn = norm2(F);
    if (!Number.isFinite(fn)) return null;
    const g = dotY(t, { h: y.h.map((v, i) => v - yp.h[i]!), s: y.s - yp.s });
    if (fn <= tol && Math.abs(g) <= tol * (1 + normY(y))) return { y, iters: it, res: fn };
    if (it === maxIt) break;
    let dx: Float64Array;
    try {
      const M = bordered(sys, y, t);
      const rhs = new Float64Array(N + 1);
      for (let i = 0; i < N; i++) rhs[i] = -F[i]!;
      rhs[N] = -g;
      dx = solve(M, { rows: N + 1, cols: 1, data: rhs }).data;
    } catch (err) {
      if (err instanceof SingularMatrixError) return null;
      throw err;
    }
    if (!Number.isFinite(norm2(dx))) return null;
    y = { h: y.h.map((v, i) => v + dx[i]!), s: y.s + dx[N]! };
    if (norm2(dx) <= 1e-14 * (1 + normY(y))) {
      const F2 = residual(sys, y.h, y.s);
      const f2 = norm2(F2);
      if (f2 <= tol) return { y, iters: it + 1, res: f2 };
    }
  }
  return null;
}

const REAL_TOL = 1e-10;
function isReal(l: Complex): boolean {
  return Math.abs(l.im) <= REAL_TOL * Math.max(1, Math.abs(l.re));
}

interface Signature {
  plus: number; // sign of Π_real(λ − c)
  minus: number; // sign of Π_real(λ + 1) (maps)
  complexOut: number; // complex eigenvalues (Im > 0) with growth > 0
}

function signature(eig: Complex[], time: ParamSystem['time']): Signature {
  const c = time === 'discrete' ? 1 : 0;
  let plus = 1, minus = 1, complexOut = 0;
  for (const l of eig) {
    if (isReal(l)) {
      if (l.re - c < 0) plus = -plus;
      if (l.re + 1 < 0) minus = -minus;
    } else if (l.im > 0 && growth(l, time) > 0) complexOut++;
  }
  return { plus, minus, complexOut };
}

type Kind = 'real' | 'minus' | 'complex';

/** Continuous test function for a kind of crossing (NaN when it does not apply). */
function tau(eig: Complex[], time: ParamSystem['time'], kind: Kind): { value: number; lambda: Complex | undefined } {
  let best: Complex | undefined;
  let bestV = NaN;
  const c = time === 'discrete' ? 1 : 0;
  for (const l of eig) {
    let v: number;
    if (kind === 'real') {
      if (!isReal(l)) continue;
      v = l.re - c;
    } else if (kind === 'minus') {
      if (!isReal(l)) continue;
      v = l.re + 1;
    } else {
      if (isReal(l) || l.im < 0) continue;
      v = growth(l, time);
    }
    if (best === undefined || Math.abs(v) < Math.abs(bestV)) {
      best = l;
      bestV = v;
    }
  }
  return { value: bestV, lambda: best };
}

function sigOf(sg: Signature, kind: Kind): number {
  return kind === 'real' ? sg.plus : kind === 'minus' ? sg.minus : sg.complexOut;
}

/**
 * Continues the fixed point near `opts.h0` at `s0` towards `s1` and beyond folds, until it leaves
 * `[min(s0,s1), max(s0,s1)]`, diverges, or runs out of steps; detects, localises and classifies
 * bifurcations. Throws ConvergenceError when there is no fixed point near `h0` at `s0`, InputError
 * on bad options. Cost per step: a few (N+1)×(N+1) solves and one eigen-decomposition, O(N³);
 * each event adds ~30–60 corrector solves for localisation. See docs/theory.md §6–§7.
 *
 * @param sys - a one-parameter system `F(h, s)` in `N` dimensions, e.g. `pathSystem(linePath(a, b))`.
 * @param opts - the range `s0 → s1` of the path parameter (dimensionless), a start state `h0`
 *   (length `N`) near a fixed point at `s0`, step sizes in arclength and tolerances.
 * @returns the branch (points with `s`, `h` and eigenvalues) and the localised bifurcation events,
 *   each with its type, `s`, normal-form coefficients and criticality.
 * @throws {@link sntk!ConvergenceError} when no fixed point is found near `h0` at `s0`.
 * @throws {@link sntk!InputError} on invalid options.
 * @example
 * ```ts
 * import { continueBranch, createModel, defineSpec, linePath, pathSystem } from 'sntk';
 *
 * // the scalar map h ↦ tanh(w h) from w = 0.5 to w = 1.5 (parameters W, U, b)
 * const spec = defineSpec({ cell: 'vanilla', hiddenSize: 1, inputSize: 1 });
 * const path = linePath(createModel(spec, [0.5, 0, 0]), createModel(spec, [1.5, 0, 0]));
 * const { events } = continueBranch(pathSystem(path), { s0: 0, s1: 1, h0: new Float64Array(1) });
 * console.log(events[0]!.type, events[0]!.criticality); // prints: pitchfork supercritical
 * console.log(events[0]!.s.toFixed(6)); // prints: 0.500000
 * ```
 */
export function continueBranch(sys: ParamSystem, opts: ContinuationOptions): ContinuationResult {
  const N = sys.N;
  const { s0, s1 } = opts;
  if (!Number.isFinite(s0) || !Number.isFinite(s1) || s0 === s1) throw new InputError(`continuation range must be two different finite numbers, got ${s0}, ${s1}`);
  checkState(sys, opts.h0, 'continuation start h0');
  const range = Math.abs(s1 - s0);
  const sLo = Math.min(s0, s1), sHi = Math.max(s0, s1);
  const tol = opts.tol ?? 1e-11;
  let ds = opts.ds ?? range / 100;
  const dsMin = opts.dsMin ?? 1e-9;
  const dsMax = opts.dsMax ?? range / 25;
  const maxSteps = opts.maxSteps ?? 2000;
  const locTol = opts.locTol ?? 1e-10;
  const maxNorm = opts.maxNorm ?? 1e6;
  if (!(ds > 0) || !(dsMin > 0) || !(dsMax >= dsMin)) throw new InputError('continuation steps must satisfy 0 < dsMin ≤ dsMax and ds > 0');

  const start = solveFixedPoint(sys, s0, opts.h0, { tol: Math.max(tol, 1e-12) });
  if (!start.converged) throw new ConvergenceError(`no fixed point found near h0 at s = ${s0} (residual ${start.residual.toExponential(2)}, ${start.status})`);

  const makePoint = (y: Y, t: Y, arc: number, res: number): BranchPoint => ({
    s: y.s,
    h: y.h,
    arclength: arc,
    tangentS: t.s,
    residual: res,
    ...spectrumOf(sys.jacobian(y.h, y.s), sys.time),
  });

  let y: Y = { h: start.h, s: s0 };
  let t = tangentAt(sys, y, { h: new Float64Array(N), s: Math.sign(s1 - s0) });
  if (t.s * (s1 - s0) < 0) t = { h: t.h.map((v) => -v), s: -t.s };
  let cur = makePoint(y, t, 0, start.residual);
  const branch: BranchPoint[] = [cur];
  const events: BifurcationEvent[] = [];
  let stopReason: ContinuationResult['stopReason'] = 'max-steps';
  let arc = 0;

  for (let step = 0; step < maxSteps; step++) {
    const yp = axpyY(y, ds, t);
    const c = correct(sys, yp, t, tol, 10);
    let ok = c !== null && normY({ h: c.y.h.map((v, i) => v - y.h[i]!), s: c.y.s - y.s }) <= 2.5 * ds;
    let tNew: Y | undefined;
    if (ok) {
      tNew = tangentAt(sys, c!.y, t);
      if (dotY(tNew, t) < 0.5 && ds > 10 * dsMin) ok = false;
    }
    if (!ok) {
      ds /= 2;
      if (ds < dsMin) {
        stopReason = 'step-too-small';
        break;
      }
      continue;
    }
    const yn = c!.y;
    const next = makePoint(yn, tNew!, arc + ds, c!.res);
    if (!opts.noEvents) {
      for (const ev of detect(sys, y, t, ds, cur, next, tol, locTol, s0)) {
        if (ev.s >= sLo - 1e-12 && ev.s <= sHi + 1e-12) events.push(ev);
      }
    }
    // leaving the range: land on the boundary
    if (yn.s > sHi || yn.s < sLo) {
      const sb = yn.s > sHi ? sHi : sLo;
      const frac = (sb - y.s) / (yn.s - y.s);
      const guess = y.h.map((v, i) => v + frac * (yn.h[i]! - v));
      const land = solveFixedPoint(sys, sb, guess, { tol: Math.max(tol, 1e-12) });
      if (land.converged) branch.push(makePoint({ h: land.h, s: sb }, tNew!, arc + frac * ds, land.residual));
      stopReason = sb === (s1 > s0 ? sHi : sLo) ? 'reached-end' : 'left-range';
      break;
    }
    branch.push(next);
    arc += ds;
    y = yn;
    t = tNew!;
    cur = next;
    if (norm2(y.h) > maxNorm) {
      stopReason = 'diverged';
      break;
    }
    if (c!.iters <= 3) ds = Math.min(ds * 1.4, dsMax);
    else if (c!.iters >= 6) ds = Math.max(ds * 0.6, dsMin);
  }
  return { time: sys.time, branch, events, stopReason };
}

/** Detects, localises and classifies the events on the segment from `a` (at y, tangent t) over arclength Δ. */
function detect(sys: ParamSystem, y: Y, t: Y, delta: number, a: BranchPoint, b: BranchPoint, tol: number, locTol: number, sStart: number): BifurcationEvent[] {
  const sa = signature(a.eigenvalues, sys.time), sb = signature(b.eigenvalues, sys.time);
  const kinds: Kind[] = [];
  if (sa.plus !== sb.plus) kinds.push('real');
  if (sys.time === 'discrete' && sa.minus !== sb.minus) kinds.push('minus');
  if (sa.complexOut !== sb.complexOut) kinds.push('complex');
  const out: BifurcationEvent[] = [];
  for (const kind of kinds) {
    const ev = localise(sys, y, t, delta, a, b, kind, tol, locTol, sStart);
    if (ev) out.push(ev);
  }
  return out;
}

function localise(sys: ParamSystem, y: Y, t: Y, delta: number, a: BranchPoint, b: BranchPoint, kind: Kind, tol: number, locTol: number, sStart: number): BifurcationEvent | null {
  const at = (sig: number): { y: Y; eig: Complex[]; J: Matrix } | null => {
    const c = correct(sys, axpyY(y, sig, t), t, tol, 12);
    if (!c) return null;
    const J = sys.jacobian(c.y.h, c.y.s);
    return { y: c.y, J, eig: spectrumOf(J, sys.time).eigenvalues };
  };
  const sgA = sigOf(signature(a.eigenvalues, sys.time), kind);
  let lo = 0, hi = delta;
  let tLo = tau(a.eigenvalues, sys.time, kind).value;
  let tHi = tau(b.eigenvalues, sys.time, kind).value;
  let best: { y: Y; eig: Complex[]; J: Matrix; sig: number } | null = null;
  for (let it = 0; it < 200 && hi - lo > locTol; it++) {
    let sig = 0.5 * (lo + hi);
    const useSecant = Number.isFinite(tLo) && Number.isFinite(tHi) && tLo * tHi < 0 && it % 3 !== 2;
    if (useSecant) {
      const cand = lo - (tLo * (hi - lo)) / (tHi - tLo);
      const w = hi - lo;
      if (cand > lo + 1e-3 * w && cand < hi - 1e-3 * w) sig = cand;
      else if (cand <= lo + 1e-3 * w) sig = lo + Math.max(1e-3 * w, 0.5 * locTol);
      else sig = hi - Math.max(1e-3 * w, 0.5 * locTol);
    }
    const p = at(sig);
    if (!p) {
      // corrector failure: bisect blindly
      sig = 0.5 * (lo + hi);
      const q = at(sig);
      if (!q) return null;
      best = { ...q, sig };
    } else best = { ...p, sig };
    const sg = sigOf(signature(best.eig, sys.time), kind);
    const tv = tau(best.eig, sys.time, kind).value;
    if (sg === sgA) {
      lo = best.sig;
      tLo = tv;
    } else {
      hi = best.sig;
      tHi = tv;
    }
    // converged when the secant slope says the root is within locTol
    if (Number.isFinite(tLo) && Number.isFinite(tHi) && tLo * tHi <= 0) {
      const slope = (tHi - tLo) / (hi - lo);
      if (Number.isFinite(tv) && slope !== 0 && Math.abs(tv / slope) <= 0.1 * locTol) break;
    }
  }
  if (!best) return null;
  // certify: the signature must differ across [σ* − locTol/2, σ* + locTol/2]; otherwise bisect on
  let width = hi - lo;
  if (width > locTol) {
    const l = at(Math.max(lo, best.sig - 0.5 * locTol));
    const r = at(Math.min(hi, best.sig + 0.5 * locTol));
    if (l && r && sigOf(signature(l.eig, sys.time), kind) === sgA && sigOf(signature(r.eig, sys.time), kind) !== sgA) {
      lo = Math.max(lo, best.sig - 0.5 * locTol);
      hi = Math.min(hi, best.sig + 0.5 * locTol);
    } else {
      for (let it = 0; it < 80 && hi - lo > locTol; it++) {
        const sig = 0.5 * (lo + hi);
        const q = at(sig);
        if (!q) return null;
        best = { ...q, sig };
        if (sigOf(signature(q.eig, sys.time), kind) === sgA) lo = sig;
        else hi = sig;
      }
    }
    width = hi - lo;
  }
  const p = best;
  const tv = tau(p.eig, sys.time, kind);
  if (!tv.lambda) return null;
  const foldLike = Math.sign(a.tangentS) !== Math.sign(b.tangentS);
  return classify(sys, p.y, p.J, tv.lambda, kind, foldLike, width, sStart, t);
}

function classify(sys: ParamSystem, y: Y, J: Matrix, lambda: Complex, kind: Kind, foldLike: boolean, width: number, sStart: number, t: Y): BifurcationEvent | null {
  const tn = normY(t);
  const tangent = Float64Array.from([...t.h, t.s], (v) => v / tn);
  const base = { s: y.s, distance: pathDistance(sys, sStart, y.s), h: y.h, sError: width, tangent };
  if (kind === 'real') {
    const k = realCriticalCoefficients(sys, y.h, y.s, J, lambda.re);
    const scale = Math.max(1, Math.abs(k.b3));
    let type: BifurcationType;
    let criticality: Criticality = null;
    if (foldLike) type = 'saddle-node';
    else if (Math.abs(k.a) > 1e-7 * scale) type = 'transcritical';
    else {
      type = 'pitchfork';
      criticality = k.b3 < 0 ? 'supercritical' : k.b3 > 0 ? 'subcritical' : 'degenerate';
    }
    if (type === 'saddle-node' && k.a === 0) criticality = 'degenerate';
    return { ...base, type, eigenvalues: [lambda], right: k.pair.right, left: k.pair.left, coefficients: { a: k.a, beta: k.beta, b3: k.b3 }, criticality };
  }
  if (kind === 'minus') {
    const k = periodDoublingCoefficient(sys, y.h, y.s, J, lambda.re);
    const criticality: Criticality = k.c > 0 ? 'supercritical' : k.c < 0 ? 'subcritical' : 'degenerate';
    return { ...base, type: 'period-doubling', eigenvalues: [lambda], right: k.pair.right, left: k.pair.left, coefficients: { c: k.c }, criticality };
  }
  const pair: Complex[] = [lambda, { re: lambda.re, im: -lambda.im }];
  if (sys.time === 'continuous') {
    const k = hopfCoefficients(sys, y.h, y.s, J, lambda);
    const criticality: Criticality = k.l1 < 0 ? 'supercritical' : k.l1 > 0 ? 'subcritical' : 'degenerate';
    return { ...base, type: 'hopf', eigenvalues: pair, right: k.pair.right, left: k.pair.left, coefficients: { l1: k.l1, omega: k.omega, c1Re: k.c1.re, c1Im: k.c1.im }, criticality };
  }
  const k = neimarkSackerCoefficient(sys, y.h, y.s, J, lambda);
  const criticality: Criticality = k.d < 0 ? 'supercritical' : k.d > 0 ? 'subcritical' : 'degenerate';
  return { ...base, type: 'neimark-sacker', eigenvalues: pair, right: k.pair.right, left: k.pair.left, coefficients: { d: k.d, theta: k.theta }, criticality };
}

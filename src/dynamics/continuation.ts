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
 * Test functions between consecutive points (test-functions.ts, docs/theory.md §6): eigenvalues are
 * tracked by continuity and each carries its own test function — real λ − c through 0 (fold /
 * branch point; told apart by whether `ds/darc` changes sign), real λ + 1 (maps: period doubling),
 * complex |λ| − 1 or Re λ (Neimark–Sacker / Hopf). A step whose tracked test functions change sign
 * more than once, or in which two real eigenvalues collide, is bisected until each piece holds one
 * event; each event is localised on its piece. Steps shrink as a test function approaches zero.
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
import { hopfCoefficients, neimarkSackerCoefficient, periodDoublingCoefficient } from './normal-form.js';
import { classifyRealCritical } from './classify.js';
import type { CrossingKind } from './test-functions.js';
import { distanceToNextEvent, testValue, trackCrossings } from './test-functions.js';

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

type Kind = CrossingKind;

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
    const taken = ds;
    if (c!.iters <= 3) ds = Math.min(ds * 1.4, dsMax);
    else if (c!.iters >= 6) ds = Math.max(ds * 0.6, dsMin);
    // approach events in small steps: at most the extrapolated distance to the nearest zero of a
    // tracked test function, halved, down to dsMax/16
    if (!opts.noEvents) {
      const near = distanceToNextEvent(branch[branch.length - 2]!.eigenvalues, next.eigenvalues, sys.time, taken);
      if (0.5 * near < ds) ds = Math.max(0.5 * near, Math.min(ds, dsMax / 16), dsMin);
    }
  }
  return { time: sys.time, branch, events, stopReason };
}

/** A corrected point inside a continuation step: offset `sig` along the step, spectrum, `ds/darc`. */
interface StepPoint {
  sig: number;
  y: Y;
  J: Matrix | undefined;
  eig: Complex[];
  tangentS: number;
}

/**
 * Detects, localises and classifies the events on the segment from `a` (at y, tangent t) over
 * arclength Δ: eigenvalues are tracked by continuity (test-functions.ts), a segment with more than
 * one sign change, or with a collision on the real axis, is bisected until each piece holds one
 * event, and each event is localised on its own piece.
 */
function detect(sys: ParamSystem, y: Y, t: Y, delta: number, a: BranchPoint, b: BranchPoint, tol: number, locTol: number, sStart: number): BifurcationEvent[] {
  const at = (sig: number): StepPoint | null => {
    const c = correct(sys, axpyY(y, sig, t), t, tol, 12);
    if (!c) return null;
    const J = sys.jacobian(c.y.h, c.y.s);
    let ts = t.s;
    try {
      ts = tangentAt(sys, c.y, t).s;
    } catch {
      /* keep the step's tangent */
    }
    return { sig, y: c.y, J, eig: spectrumOf(J, sys.time).eigenvalues, tangentS: ts };
  };
  const A: StepPoint = { sig: 0, y, J: undefined, eig: a.eigenvalues, tangentS: a.tangentS };
  const Bp: StepPoint = { sig: delta, y: { h: b.h, s: b.s }, J: undefined, eig: b.eigenvalues, tangentS: b.tangentS };
  const minWidth = Math.max(20 * locTol, delta / 4096);
  const leaves: Array<{ lo: StepPoint; hi: StepPoint; kinds: Kind[] }> = [];
  const refine = (lo: StepPoint, hi: StepPoint, depth: number): void => {
    const tr = trackCrossings(lo.eig, hi.eig, sys.time);
    const counted = countedKinds(lo.eig, hi.eig, sys.time);
    if (tr.crossings.length === 0 && !tr.ambiguous) return;
    if ((tr.crossings.length > 1 || tr.ambiguous) && hi.sig - lo.sig > minWidth && depth < 40) {
      const mid = at(0.5 * (lo.sig + hi.sig));
      if (mid) {
        refine(lo, mid, depth + 1);
        refine(mid, hi, depth + 1);
        return;
      }
    }
    // one event per kind on this piece: the tracked crossings
    const kinds = new Set<Kind>(tr.crossings.map((c) => c.kind));
    // a collision that stays off the boundary changes the counts but is no event
    if (tr.collisionCrossesBoundary) for (const k of counted) kinds.add(k);
    if (kinds.size > 0) leaves.push({ lo, hi, kinds: [...kinds] });
  };
  refine(A, Bp, 0);
  const out: BifurcationEvent[] = [];
  for (const leaf of leaves) {
    for (const kind of leaf.kinds) {
      const ev = localise(sys, y, t, leaf.lo, leaf.hi, kind, tol, locTol, sStart, at);
      if (ev) out.push(ev);
    }
  }
  return out;
}

/** Kinds whose eigenvalue counts differ between two spectra (the count-based signature). */
function countedKinds(ea: Complex[], eb: Complex[], time: ParamSystem['time']): Kind[] {
  const sa = signature(ea, time), sb = signature(eb, time);
  const kinds: Kind[] = [];
  if (sa.plus !== sb.plus) kinds.push('real');
  if (time === 'discrete' && sa.minus !== sb.minus) kinds.push('minus');
  if (sa.complexOut !== sb.complexOut) kinds.push('complex');
  return kinds;
}

/**
 * The test function of `kind` on the eigenvalue tracked from the piece's ends: the eigenvalue of
 * `eig` nearest to the linear interpolation, at `sig`, of the crossing eigenvalue between `lo` and
 * `hi` (NaN when it is not of the kind's type).
 */
function trackedValue(eig: Complex[], kind: Kind, time: ParamSystem['time'], lamLo: Complex, lamHi: Complex, w: number): { value: number; lambda: Complex | undefined } {
  const target = { re: lamLo.re + w * (lamHi.re - lamLo.re), im: lamLo.im + w * (lamHi.im - lamLo.im) };
  let best: Complex | undefined;
  let bd = Infinity;
  for (const l of eig) {
    if (kind === 'complex' && l.im < 0) continue;
    const d = Math.hypot(l.re - target.re, l.im - target.im);
    if (d < bd) {
      bd = d;
      best = l;
    }
  }
  return { value: best ? testValue(best, kind, time) : NaN, lambda: best };
}

function localise(sys: ParamSystem, y: Y, t: Y, loP: StepPoint, hiP: StepPoint, kind: Kind, tol: number, locTol: number, sStart: number, at: (sig: number) => StepPoint | null): BifurcationEvent | null {
  // the crossing eigenvalue at both ends: tracked when possible, else the nearest to the boundary
  const tr = trackCrossings(loP.eig, hiP.eig, sys.time).crossings.find((c) => c.kind === kind);
  const lamLo = tr ? tr.lambdaA : tau(loP.eig, sys.time, kind).lambda;
  const lamHi = tr ? tr.lambdaB : tau(hiP.eig, sys.time, kind).lambda;
  if (!lamLo || !lamHi) return null;
  const span = hiP.sig - loP.sig;
  const valueAt = (p: StepPoint): { value: number; lambda: Complex | undefined } => trackedValue(p.eig, kind, sys.time, lamLo, lamHi, (p.sig - loP.sig) / span);
  let lo = loP.sig, hi = hiP.sig;
  let tLo = testValue(lamLo, kind, sys.time);
  let tHi = testValue(lamHi, kind, sys.time);
  const negLo = tLo < 0;
  let best: StepPoint | null = null;
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
    let p = at(sig);
    if (!p) {
      p = at(0.5 * (lo + hi));
      if (!p) return null;
    }
    best = p;
    const tv = valueAt(p).value;
    if (!Number.isFinite(tv)) {
      // the tracked eigenvalue left its type (a collision inside the piece): bisect blindly
      if (Math.abs(p.sig - lo) < Math.abs(hi - p.sig)) lo = p.sig;
      else hi = p.sig;
      continue;
    }
    if (tv < 0 === negLo) {
      lo = p.sig;
      tLo = tv;
    } else {
      hi = p.sig;
      tHi = tv;
    }
    if (Number.isFinite(tLo) && Number.isFinite(tHi) && tLo * tHi <= 0) {
      const slope = (tHi - tLo) / (hi - lo);
      if (slope !== 0 && Math.abs(tv / slope) <= 0.1 * locTol) break;
    }
  }
  // the final point: the secant root of the bracket (the last iterate may sit at its edge)
  if (Number.isFinite(tLo) && Number.isFinite(tHi) && tLo * tHi < 0) {
    const root = at(lo - (tLo * (hi - lo)) / (tHi - tLo));
    if (root) best = root;
  }
  if (!best) {
    best = at(0.5 * (lo + hi));
    if (!best) return null;
  }
  // certify: the test function must change sign across [σ* − locTol/2, σ* + locTol/2]
  if (hi - lo > locTol) {
    const l = at(Math.max(lo, best.sig - 0.5 * locTol));
    const r = at(Math.min(hi, best.sig + 0.5 * locTol));
    const vl = l ? valueAt(l).value : NaN, vr = r ? valueAt(r).value : NaN;
    if (Number.isFinite(vl) && Number.isFinite(vr) && vl < 0 === negLo && vr < 0 !== negLo) {
      lo = l!.sig;
      hi = r!.sig;
    } else {
      for (let it = 0; it < 80 && hi - lo > locTol; it++) {
        const q = at(0.5 * (lo + hi));
        if (!q) return null;
        best = q;
        const v = valueAt(q).value;
        if (Number.isFinite(v) && v < 0 === negLo) lo = q.sig;
        else hi = q.sig;
      }
    }
  }
  const width = Math.max(hi - lo, Math.min(locTol, hiP.sig - loP.sig));
  const tv = valueAt(best);
  if (!tv.lambda || !best.J) return null;
  const foldLike = Math.sign(loP.tangentS) !== Math.sign(hiP.tangentS);
  return classify(sys, best.y, best.J, tv.lambda, kind, foldLike, width, sStart, t);
}

function classify(sys: ParamSystem, y: Y, J: Matrix, lambda: Complex, kind: Kind, foldLike: boolean, width: number, sStart: number, t: Y): BifurcationEvent | null {
  const tn = normY(t);
  const tangent = Float64Array.from([...t.h, t.s], (v) => v / tn);
  const base = { s: y.s, distance: pathDistance(sys, sStart, y.s), h: y.h, sError: width, tangent };
  if (kind === 'real') {
    const c = classifyRealCritical({ sys, h: y.h, s: y.s, J, lambda: lambda.re, foldLike, accuracy: width });
    const k = c.coefficients;
    return { ...base, type: c.type, eigenvalues: [lambda], right: k.pair.right, left: k.pair.left, coefficients: { a: k.a, beta: k.beta, b3: k.b3 }, criticality: c.criticality };
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

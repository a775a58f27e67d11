/**
 * Branch switching at a branch point (pitchfork or transcritical) found by `continueBranch`.
 *
 * At a branch point `y_c = (h_c, s_c)` the N × (N+1) matrix `[F_h F_s]` has a two-dimensional
 * null space: it holds the tangent of the continued branch and that of the branch crossing it.
 * The new direction is `φ` = the unit vector of that null space orthogonal to the old tangent
 * (Keller's method; for a pitchfork `φ ≈ (r, 0)`). A point on the new branch on each side is
 * found by Newton on `F = 0` restricted to the hyperplane `φᵀ(y − y_c) = ±ε`: the old branch meets
 * that hyperplane only at distance `O(√ε)`, the new one at `O(ε)`, so Newton from `y_c ± εφ` lands
 * on the new branch. `continueNewBranches` then continues each point away from the branch point.
 */
import type { Matrix } from '../linalg/index.js';
import { svd, zeros } from '../linalg/index.js';
import { ConvergenceError, InputError } from '../errors.js';
import type { ParamSystem } from './system.js';
import type { BifurcationEvent, ContinuationOptions, ContinuationResult } from './continuation.js';
import { continueBranch, correctOnHyperplane } from './continuation.js';

/** Options of `switchBranch`. */
export interface BranchSwitchOptions {
  /** Distance from the branch point along the new direction, in the (h, s) norm (default 1e-3). */
  epsilon?: number;
  /** Residual tolerance of the corrector (default 1e-11). */
  tol?: number;
  /**
   * Largest second-smallest singular value of `[F_h F_s]`, relative to its largest, for the point
   * to count as a branch point (default 1e-6). A fold has a one-dimensional null space.
   */
  nullTol?: number;
}

/** A point on the new branch next to a branch point. */
export interface SwitchedPoint {
  h: Float64Array;
  s: number;
  /** +1 or −1: which side of the branch point along `direction`. */
  side: 1 | -1;
  residual: number;
}

/** What `switchBranch` returns. */
export interface BranchSwitch {
  /** The new branch's direction `φ` at the branch point (unit, length N + 1: `(φ_h, φ_s)`). */
  direction: Float64Array;
  /** The singular values of `[F_h F_s]` at the branch point, descending (the last two ≈ 0). */
  singularValues: Float64Array;
  /** Points on the new branch, one per side where the corrector converged. */
  points: SwitchedPoint[];
}

/** `[F_h F_s]` padded with a zero row to (N+1)×(N+1), so that the SVD returns the full right basis. */
function paddedJacobian(sys: ParamSystem, h: Float64Array, s: number): Matrix {
  const N = sys.N;
  const n1 = N + 1;
  const J = sys.jacobian(h, s);
  const Fs = sys.ds(h, s);
  const M = zeros(n1, n1);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) M.data[i * n1 + j] = J.data[i * N + j]! - (sys.time === 'discrete' && i === j ? 1 : 0);
    M.data[i * n1 + N] = Fs[i]!;
  }
  return M;
}

/**
 * Points on the branch crossing the continued one at a pitchfork or transcritical `event` (from
 * `continueBranch`, which records the branch tangent). Throws InputError for other event types, an
 * event without a tangent, or a point whose `[F_h F_s]` has a one-dimensional null space (not a
 * branch point); ConvergenceError when the corrector fails on both sides.
 * Cost: one (N+1)×(N+1) SVD and two short Newton solves, O(N³).
 *
 * @param sys - the system the event was found on (`N` dimensions, parameter `s`).
 * @param event - a `'pitchfork'` or `'transcritical'` event of {@link continueBranch}.
 * @param opts - the offset along the new branch and tolerances.
 * @returns points on the new branch on both sides of the event, ready to continue (docs/theory.md §6).
 * @throws {@link sntk!InputError} for another event type or a point that is not a branch point.
 * @throws {@link sntk!ConvergenceError} when the corrector fails on both sides.
 */
export function switchBranch(sys: ParamSystem, event: BifurcationEvent, opts: BranchSwitchOptions = {}): BranchSwitch {
  if (event.type !== 'pitchfork' && event.type !== 'transcritical') {
    throw new InputError(`switchBranch: a ${event.type} is not a branch point (only pitchfork and transcritical events have a crossing branch)`);
  }
  const N = sys.N;
  const t = event.tangent;
  if (!t || t.length !== N + 1) throw new InputError('switchBranch: the event has no branch tangent (use an event from continueBranch)');
  const eps = opts.epsilon ?? 1e-3;
  if (!(eps > 0) || !Number.isFinite(eps)) throw new InputError(`switchBranch: epsilon must be a positive number, got ${eps}`);
  const nullTol = opts.nullTol ?? 1e-6;
  const n1 = N + 1;
  const dec = svd(paddedJacobian(sys, event.h, event.s), { vectors: true });
  const sv = dec.s;
  const V = dec.V!;
  const scale = Math.max(sv[0]!, Number.MIN_VALUE);
  // sv has N+1 entries; the padded zero row makes the last one 0; the branch point makes sv[N−1] ≈ 0
  if (sv[N - 1]! > nullTol * scale) {
    throw new InputError(`switchBranch: [F_h F_s] has a one-dimensional null space at s = ${event.s} (second-smallest singular value ${sv[N - 1]!.toExponential(3)} vs ${scale.toExponential(3)}): not a branch point`);
  }
  const z1 = new Float64Array(n1), z2 = new Float64Array(n1);
  for (let i = 0; i < n1; i++) {
    z1[i] = V.data[i * n1 + (N - 1)]!;
    z2[i] = V.data[i * n1 + N]!;
  }
  // the old tangent's coordinates in the null space; φ is the null-space vector orthogonal to it
  let p1 = 0, p2 = 0;
  for (let i = 0; i < n1; i++) {
    p1 += z1[i]! * t[i]!;
    p2 += z2[i]! * t[i]!;
  }
  const pn = Math.hypot(p1, p2);
  if (!(pn > 0.5)) throw new InputError(`switchBranch: the branch tangent lies outside the null space of [F_h F_s] (|projection| ${pn.toFixed(3)}); the event is not at a branch point of this branch`);
  const phi = new Float64Array(n1);
  for (let i = 0; i < n1; i++) phi[i] = (-p2 * z1[i]! + p1 * z2[i]!) / pn;
  // orient φ: positive on its largest h component (deterministic)
  let big = 0;
  for (let i = 0; i < N; i++) if (Math.abs(phi[i]!) > Math.abs(phi[big]!)) big = i;
  if (phi[big]! < 0) for (let i = 0; i < n1; i++) phi[i] = -phi[i]!;
  const normal = { h: phi.subarray(0, N), s: phi[N]! };
  const points: SwitchedPoint[] = [];
  for (const side of [1, -1] as const) {
    const start = { h: event.h.map((v, i) => v + side * eps * phi[i]!), s: event.s + side * eps * phi[N]! };
    const c = correctOnHyperplane(sys, start, normal, { tol: opts.tol ?? 1e-11, maxIt: 40 });
    if (c) points.push({ h: c.h, s: c.s, side, residual: c.residual });
  }
  if (points.length === 0) throw new ConvergenceError(`switchBranch: the corrector found no point on the new branch at distance ${eps} on either side of s = ${event.s}; try another epsilon`);
  return { direction: phi, singularValues: sv, points };
}

/** One continued new branch. */
export interface SwitchedBranch {
  side: 1 | -1;
  result: ContinuationResult;
}

/**
 * Switches at `event` (see `switchBranch`) and continues each new point away from the branch point,
 * to the end of `[sMin, sMax]` on its side (`opts` as for `continueBranch`, without `s0`, `s1`,
 * `h0`). Events within `2ε` of the branch point (the branch point itself, seen again) are dropped;
 * the others' `distance` counts from the new branch's start (next to the branch point).
 * Cost: `switchBranch` plus two continuations.
 *
 * @param sys - the system the event was found on.
 * @param event - a pitchfork or transcritical event of {@link continueBranch}.
 * @param range - `{ sMin, sMax }`, the path-parameter interval to continue in.
 * @param opts - the switch offset, step sizes and tolerances as for `continueBranch`.
 * @returns the switch and the new branches with their own events (docs/theory.md §6).
 * @throws {@link sntk!InputError} for another event type or `sMin ≥ sMax`.
 * @throws {@link sntk!ConvergenceError} when the switch fails on both sides.
 */
export function continueNewBranches(
  sys: ParamSystem,
  event: BifurcationEvent,
  range: { sMin: number; sMax: number },
  opts: BranchSwitchOptions & Omit<ContinuationOptions, 's0' | 's1' | 'h0'> = {},
): { switch: BranchSwitch; branches: SwitchedBranch[] } {
  if (!(range.sMax > range.sMin)) throw new InputError(`continueNewBranches: need sMin < sMax, got [${range.sMin}, ${range.sMax}]`);
  const sw = switchBranch(sys, event, opts);
  const eps = opts.epsilon ?? 1e-3;
  const branches: SwitchedBranch[] = [];
  for (const p of sw.points) {
    const ds = p.s - event.s;
    const dir = ds !== 0 ? Math.sign(ds) : Math.sign(p.side * sw.direction[sys.N]!) || 1;
    const s1 = dir > 0 ? range.sMax : range.sMin;
    if (p.s === s1) continue;
    const { epsilon: _e, tol: _t, nullTol: _n, ...cont } = opts;
    const result = continueBranch(sys, { ...cont, s0: p.s, s1, h0: p.h });
    const near = (e: BifurcationEvent) => {
      let d = (e.s - event.s) ** 2;
      for (let i = 0; i < sys.N; i++) d += (e.h[i]! - event.h[i]!) ** 2;
      return Math.sqrt(d) <= 2 * eps;
    };
    result.events = result.events.filter((e) => !near(e));
    branches.push({ side: p.side, result });
  }
  return { switch: sw, branches };
}

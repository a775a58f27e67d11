/**
 * Fixed points + continuation of an N = 256 vanilla tanh model (docs/theory.md §6).
 *
 * Problem (`dynamicsProblem`): `h ↦ tanh(W h)` (zero input, zero bias) with
 * `W = W_bulk + λ u uᵀ`, `W_bulk ~ N(0, g²/N)` with g = 0.5 and a planted rank-one outlier along a
 * random unit vector u. Model A has λ = 0.7 (only the origin, stable), model B has λ = 1.6 (three
 * fixed points: the origin, a saddle with one unstable direction, and the stable pair ±h*). The
 * line path A → B crosses one supercritical pitchfork of the origin where the outlier eigenvalue of
 * W passes +1 (the symmetry h ↦ −h is exact, so it is a pitchfork, not a transcritical point).
 *
 * Ours: `findFixedPoints(modelSystem(B))` (default options: damped Newton + q-function fallback,
 * unstable-manifold probing, spectra) and `continueBranch(pathSystem(linePath(A, B)))` from the
 * origin at s = 0 to s = 1 (pseudo-arclength, event detection, localisation to 1e-10, normal form).
 *
 * Baselines (same run, same analytic Jacobians; only the algorithms are naive):
 * - fixed points: plain undamped Newton from the *same* start points (`startPoints`), each step
 *   solved with ml-matrix's `LuDecomposition`, deduplication, then ml-matrix's general
 *   `EigenvalueDecomposition` of each distinct point's Jacobian for its stability;
 * - continuation: natural-parameter continuation on a uniform s-grid with as many points as our
 *   branch, Newton (ml-matrix LU) from the previous point, ml-matrix eigenvalues at each grid
 *   point to detect the crossing (number of real eigenvalues > 1 changes), then bisection in s
 *   with Newton + eigenvalues down to the same 1e-10, with no classification.
 * `BENCH_DYNAMICS_N` overrides N (quick mode: 64).
 */
import { EigenvalueDecomposition, LuDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { defineSpec, randomModel, withParams } from '../src/models/index.js';
import type { Model } from '../src/models/index.js';
import { createRng } from '../src/linalg/random.js';
import { continueBranch, findFixedPoints, linePath, modelSystem, pathSystem, residual, startPoints } from '../src/dynamics/index.js';
import type { ParamSystem } from '../src/dynamics/index.js';
import type { BenchResult } from './types.js';

export const name = 'dynamics';

/** The bench's fixed-point problem: models A (λ = 0.7) and B (λ = 1.6) of one N-unit vanilla tanh RNN. */
export interface DynamicsProblem {
  N: number;
  a: Model;
  b: Model;
  /** Unit outlier direction u. */
  u: Float64Array;
  /** Fixed points model B has: the origin (saddle, 1 unstable direction) and ±h* (stable). */
  expectedFixedPoints: 3;
  /** Bifurcations on the line A → B: one pitchfork of the origin branch. */
  expectedEvents: readonly ['pitchfork'];
}

/**
 * Builds the planted-outlier problem for `N` units (seeded, deterministic). Cost O(N²).
 * `W = W_bulk + λ u uᵀ` with W_bulk ~ N(0, 0.25/N); D = 1 input, zero biases.
 */
export function dynamicsProblem(N = 256, seed = 3): DynamicsProblem {
  const spec = defineSpec({ cell: 'vanilla', activation: 'tanh', hiddenSize: N, inputSize: 1 });
  const base = randomModel(spec, seed, { gain: 0.5 });
  const u = new Float64Array(N);
  createRng(seed + 100).fillNormal(u);
  let nu = 0;
  for (const v of u) nu += v * v;
  nu = Math.sqrt(nu);
  for (let i = 0; i < N; i++) u[i]! /= nu;
  const plant = (lambda: number): Model => {
    const p = base.params.slice();
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) p[i * N + j]! += lambda * u[i]! * u[j]!;
    return withParams(base, p);
  };
  return { N, a: plant(0.7), b: plant(1.6), u, expectedFixedPoints: 3, expectedEvents: ['pitchfork'] };
}

function toMl(data: Float64Array, n: number, shiftDiag = 0): MlMatrix {
  const m = new MlMatrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, data[i * n + j]! + (i === j ? shiftDiag : 0));
  return m;
}

/** Plain Newton on F = f(h) − h with ml-matrix LU; null when it does not converge in 60 steps. */
function naiveNewton(sys: ParamSystem, s: number, h0: Float64Array, tol = 1e-10): Float64Array | null {
  const N = sys.N;
  let h = h0.slice();
  for (let it = 0; it < 60; it++) {
    const F = residual(sys, h, s);
    let fn = 0;
    for (const v of F) fn += v * v;
    fn = Math.sqrt(fn);
    if (!Number.isFinite(fn) || fn > 1e8) return null;
    if (fn <= tol) return h;
    const J = sys.jacobian(h, s);
    const M = toMl(J.data, N, -1);
    const lu = new LuDecomposition(M);
    if (lu.isSingular()) return null;
    const rhs = new MlMatrix(N, 1);
    for (let i = 0; i < N; i++) rhs.set(i, 0, -F[i]!);
    const dx = lu.solve(rhs);
    h = h.map((v, i) => v + dx.get(i, 0));
  }
  return null;
}

function unstableCount(sys: ParamSystem, h: Float64Array, s: number): { unstable: number; realAboveOne: number } {
  const e = new EigenvalueDecomposition(toMl(sys.jacobian(h, s).data, sys.N));
  const re = e.realEigenvalues, im = e.imaginaryEigenvalues;
  let unstable = 0, realAboveOne = 0;
  for (let i = 0; i < re.length; i++) {
    if (Math.hypot(re[i]!, im[i]!) > 1 + 1e-10) unstable++;
    if (Math.abs(im[i]!) <= 1e-10 * Math.max(1, Math.abs(re[i]!)) && re[i]! > 1) realAboveOne++;
  }
  return { unstable, realAboveOne };
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/** Naive fixed-point search: plain Newton from each start, dedup, ml-matrix eigenvalues per point. */
function naiveFixedPoints(sys: ParamSystem, starts: Float64Array[]): { points: Float64Array[]; unstable: number[] } {
  const points: Float64Array[] = [];
  for (const h0 of starts) {
    const h = naiveNewton(sys, 0, h0);
    if (!h) continue;
    if (points.some((p) => norm(p.map((v, i) => v - h[i]!)) <= 1e-6 * (1 + norm(p)))) continue;
    points.push(h);
  }
  return { points, unstable: points.map((p) => unstableCount(sys, p, 0).unstable) };
}

/** Natural-parameter continuation on `nGrid` points of [0, 1] + bisection of each crossing to `tol` in s. */
function naiveContinuation(sys: ParamSystem, h0: Float64Array, nGrid: number, tol = 1e-10): { events: number[]; points: number } {
  const events: number[] = [];
  let h = naiveNewton(sys, 0, h0);
  if (!h) throw new Error('naive continuation: no start point');
  let prev = { s: 0, h, c: unstableCount(sys, h, 0).realAboveOne };
  let points = 1;
  for (let k = 1; k < nGrid; k++) {
    const s = k / (nGrid - 1);
    const hn = naiveNewton(sys, s, prev.h);
    if (!hn) break;
    const c = unstableCount(sys, hn, s).realAboveOne;
    points++;
    if (c !== prev.c) {
      let lo = prev.s, hi = s, hLo = prev.h;
      while (hi - lo > tol) {
        const mid = 0.5 * (lo + hi);
        const hm = naiveNewton(sys, mid, hLo);
        if (!hm) break;
        if (unstableCount(sys, hm, mid).realAboveOne === prev.c) {
          lo = mid;
          hLo = hm;
        } else hi = mid;
      }
      events.push(0.5 * (lo + hi));
    }
    prev = { s, h: hn, c };
  }
  return { events, points };
}

export async function run(): Promise<BenchResult[]> {
  const N = Number(process.env.BENCH_DYNAMICS_N ?? 256);
  const prob = dynamicsProblem(N);
  const out: BenchResult[] = [];

  {
    const sys = modelSystem(prob.b);
    const t0 = performance.now();
    const rep = findFixedPoints(sys);
    const seconds = (performance.now() - t0) / 1000;
    // the same start points findFixedPoints drew (without its probing rounds)
    const starts = startPoints(N, {}, sys);
    const t1 = performance.now();
    const naive = naiveFixedPoints(sys, starts);
    const baselineSeconds = (performance.now() - t1) / 1000;
    out.push({
      case: `fixed points N=${N} (planted outlier)`,
      seconds,
      baselineSeconds,
      ratio: baselineSeconds / seconds,
      extra: {
        N,
        found: rep.points.length,
        expected: prob.expectedFixedPoints,
        saddles: rep.points.filter((p) => p.unstableCount > 0).length,
        starts: rep.starts,
        baselineFound: naive.points.length,
        baselineSaddles: naive.unstable.filter((c) => c > 0).length,
        maxResidual: Math.max(...rep.points.map((p) => p.residual)),
      },
    });
  }
  {
    const sys = pathSystem(linePath(prob.a, prob.b));
    const t0 = performance.now();
    const res = continueBranch(sys, { s0: 0, s1: 1, h0: new Float64Array(N) });
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const naive = naiveContinuation(sys, new Float64Array(N), res.branch.length);
    const baselineSeconds = (performance.now() - t1) / 1000;
    const ev = res.events[0];
    out.push({
      case: `continuation N=${N} line A→B (pitchfork)`,
      seconds,
      baselineSeconds,
      ratio: baselineSeconds / seconds,
      extra: {
        N,
        branchPoints: res.branch.length,
        events: res.events.length,
        pitchforks: res.events.filter((e) => e.type === 'pitchfork').length,
        sEvent: ev?.s ?? NaN,
        sError: ev?.sError ?? NaN,
        baselineEvents: naive.events.length,
        baselineSEventDiff: ev && naive.events[0] !== undefined ? Math.abs(naive.events[0] - ev.s) : NaN,
      },
    });
  }
  return out;
}

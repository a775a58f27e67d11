/**
 * Fixed points of a map (`h = f(h, s)`) or flow (`g(h, s) = 0`) at a fixed path position `s`,
 * from many starts (trajectory states plus noise, the origin, user points, random points), with
 * deduplication, outlier rejection, residuals and spectra; and `k`-cycles of maps via `f^k`.
 */
import type { Matrix } from '../linalg/index.js';
import { gemm, norm2 } from '../linalg/index.js';
import { InputError, ShapeError, assertFinite } from '../errors.js';
import type { ParamSystem } from './system.js';
import { checkState, residual } from './system.js';
import type { NewtonOptions, NewtonResult } from './newton.js';
import { solveFixedPoint } from './newton.js';
import { createRng } from '../linalg/random.js';
import type { SpectrumInfo } from './spectrum.js';
import { eigenPair, growth, spectrumOf } from './spectrum.js';

/** Options of `findFixedPoints`. */
export interface FixedPointOptions extends NewtonOptions {
  /** Path position at which to solve (default 0). */
  s?: number;
  /** User-given start points (each length N). */
  starts?: readonly Float64Array[];
  /** Sample states (e.g. from trajectories), flat `n × N` or a list; starts are drawn from them plus noise. */
  samples?: Float64Array | readonly Float64Array[];
  /** Number of random starts drawn (from the samples plus noise, else uniform in [−scale, scale]^N). Default 32. */
  nStarts?: number;
  /** Standard deviation of the noise added to sampled states (default 0.1 × their RMS radius). */
  noise?: number;
  /** Half-width of the uniform box for random starts without samples (default 1). */
  scale?: number;
  /** Without `samples`: simulate this many trajectories from random states to sample starts (default 8; 0 = none). */
  trajectories?: number;
  /** Steps per simulated trajectory (default 50; flows use Euler steps of `dt`). */
  steps?: number;
  /** Euler step of simulated flow trajectories (default 0.2). */
  dt?: number;
  /** Extra uniform random starts in [−scale, scale]^N besides the sampled ones (default 8). */
  nRandom?: number;
  /**
   * Rounds of unstable-manifold probing (default 2): from each found point with unstable directions,
   * new starts `h ± c·r` along up to 4 unstable eigenvectors r (‖r‖ = 1), c ∈ {0.1, 0.3, 0.6, 1}·scale·√N — finds
   * saddles that trajectories rarely visit.
   */
  probeRounds?: number;
  /** Seed of the start sampler (default 0). */
  seed?: number;
  /** Also start at the origin (default true). */
  includeOrigin?: boolean;
  /** Points closer than `dedupTol·(1 + ‖h‖)` are merged (default 1e-6). */
  dedupTol?: number;
  /** Reject points farther than `outlierFactor × (cloud radius + 1)` from the start cloud's centre (default 10). */
  outlierFactor?: number;
  /** Tolerance for counting an eigenvalue as critical in the stability label (default 1e-10). */
  stabilityTol?: number;
}

/** One fixed point with its residual and spectrum. */
export interface FixedPoint extends SpectrumInfo {
  h: Float64Array;
  /** ‖F(h)‖₂. */
  residual: number;
  /** How many starts converged to this point. */
  hits: number;
  /** Whether the q-function fallback was needed for the best solve. */
  usedQ: boolean;
}

/** A local minimum of the q-function that is not a fixed point. */
export interface SlowPoint {
  h: Float64Array;
  residual: number;
  hits: number;
}

/** Everything `findFixedPoints` found. */
export interface FixedPointReport {
  time: ParamSystem['time'];
  s: number;
  points: FixedPoint[];
  slowPoints: SlowPoint[];
  /** Starts that neither converged nor ended at a slow point (diverged, non-finite, out of iterations). */
  notConverged: number;
  /** Converged points dropped: outliers far from the start cloud, or outside the system's `stateBox`. */
  rejected: number;
  /** Number of starts tried. */
  starts: number;
}

function toList(samples: Float64Array | readonly Float64Array[] | undefined, N: number): Float64Array[] {
  if (!samples) return [];
  if (samples instanceof Float64Array) {
    if (samples.length % N !== 0) throw new ShapeError(`samples have ${samples.length} entries, not a multiple of N = ${N}`);
    const out: Float64Array[] = [];
    for (let i = 0; i < samples.length; i += N) out.push(samples.slice(i, i + N));
    return out;
  }
  return samples.map((x) => x.slice());
}

/**
 * States visited by `trajectories` runs of the map (or Euler-integrated flow, step `dt`) from
 * uniform random states in [−scale, scale]^N, `steps` steps each, all states kept. Non-finite runs
 * are cut off. Cost O(trajectories · steps) system evaluations.
 */
export function simulateSamples(sys: ParamSystem, s: number, opts: { trajectories?: number; steps?: number; dt?: number; scale?: number; seed?: number } = {}): Float64Array[] {
  const rng = createRng((opts.seed ?? 0) + 7919);
  const N = sys.N;
  const nt = opts.trajectories ?? 8, steps = opts.steps ?? 50, dt = opts.dt ?? 0.2, scale = opts.scale ?? 1;
  const out: Float64Array[] = [];
  for (let k = 0; k < nt; k++) {
    let h: Float64Array = new Float64Array(N);
    for (let i = 0; i < N; i++) h[i] = scale * (2 * rng.uniform() - 1);
    for (let t = 0; t < steps; t++) {
      let v: Float64Array;
      try {
        v = sys.value(h, s);
      } catch {
        break;
      }
      const next = sys.time === 'discrete' ? v : h.map((x, i) => x + dt * v[i]!);
      if (!next.every(Number.isFinite)) break;
      h = next;
      out.push(h.slice());
    }
  }
  return out;
}

/** The start points `findFixedPoints` would use (origin, user, sampled + noise, random). Cost O(nStarts·N) (+ simulation when `sys` is given). */
export function startPoints(N: number, opts: FixedPointOptions = {}, sys?: ParamSystem): Float64Array[] {
  const rng = createRng(opts.seed ?? 0);
  const starts: Float64Array[] = [];
  if (opts.includeOrigin ?? true) starts.push(new Float64Array(N));
  for (const p of opts.starts ?? []) {
    if (p.length !== N) throw new ShapeError(`start point has length ${p.length}, the system has N = ${N}`);
    assertFinite(p, 'start point');
    starts.push(p.slice());
  }
  let samples = toList(opts.samples, N);
  for (const p of samples) assertFinite(p, 'sample state');
  if (samples.length === 0 && sys) samples = simulateSamples(sys, opts.s ?? 0, opts);
  const nStarts = opts.nStarts ?? 32;
  const nRandom = opts.nRandom ?? 8;
  for (const [k, v] of [['nStarts', nStarts], ['nRandom', nRandom]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new InputError(`${k} must be a non-negative integer, got ${v}`);
  }
  if (samples.length > 0) {
    let rms = 0;
    for (const p of samples) rms += norm2(p) ** 2;
    rms = Math.sqrt(rms / samples.length / N);
    const noise = opts.noise ?? 0.1 * Math.max(rms, 1e-3);
    for (let k = 0; k < nStarts; k++) {
      const base = samples[Math.floor(rng.uniform() * samples.length)]!;
      starts.push(base.map((v) => v + noise * rng.normal()));
    }
  }
  const scale = opts.scale ?? 1;
  const extra = samples.length > 0 ? nRandom : nStarts + nRandom;
  for (let k = 0; k < extra; k++) {
    const p = new Float64Array(N);
    for (let i = 0; i < N; i++) p[i] = scale * (2 * rng.uniform() - 1);
    starts.push(p);
  }
  return starts;
}

/**
 * Fixed points of `sys` at `opts.s` from many starts: damped Newton with q-function fallback per
 * start, then outlier rejection, deduplication and a spectrum per point. Points are sorted by ‖h‖.
 * Cost: (number of starts) × (≤ maxIter + lmIter) × O(N³), plus O(N³) per distinct point.
 * See docs/theory.md §6.
 *
 * @param sys - the dynamical system (map or flow) in `N` state dimensions, e.g. {@link modelSystem}.
 * @param opts - path parameter `s`, `seed` and number of starts, extra start states, tolerances.
 * @returns the distinct fixed points (state `h`, length `N`; residual; eigenvalues of the
 *   Jacobian; stability; `sigma`, the distance of the critical eigenvalue to the stability
 *   boundary), plus slow points where only the q-function fallback found a minimum.
 * @throws {@link sntk!InputError} on invalid options or start states of the wrong length.
 * @example
 * ```ts
 * import { createModel, defineSpec, findFixedPoints, modelSystem, paramView } from 'sntk';
 *
 * // h ↦ tanh(W h) with W = diag(1.5, 0.5): the first unit is bistable
 * const model = createModel(defineSpec({ cell: 'vanilla', hiddenSize: 2, inputSize: 1 }));
 * paramView(model, 'W').data.set([1.5, 0, 0, 0.5]);
 * const { points } = findFixedPoints(modelSystem(model), { seed: 0 });
 * console.log(points.map((p) => p.stability).join(' ')); // prints: saddle stable stable
 * console.log(points[1]!.h[0]!.toFixed(4)); // prints: 0.8586
 * ```
 */
export function findFixedPoints(sys: ParamSystem, opts: FixedPointOptions = {}): FixedPointReport {
  const N = sys.N;
  const s = opts.s ?? 0;
  if (!Number.isFinite(s)) throw new InputError(`path position s must be finite, got ${s}`);
  const starts = startPoints(N, opts, sys);
  const tol = opts.tol ?? 1e-10;
  const dedupTol = opts.dedupTol ?? 1e-6;
  // a system's box (e.g. a GRU's (−1, 1)^N) holds every true fixed point; beyond it a tiny residual
  // comes from saturated gates (docs/theory.md §6)
  const box = sys.stateBox;
  const outsideBox = (h: Float64Array): boolean => box !== undefined && h.some((v) => Math.abs(v) > box + 1e-9);
  const results: NewtonResult[] = starts.map((h0) => solveFixedPoint(sys, s, h0, opts));
  const probed: Float64Array[] = [];
  for (let round = 0; round < (opts.probeRounds ?? 2); round++) {
    const found = cluster(results.filter((r) => r.status === 'converged' && r.residual <= tol && !outsideBox(r.h)).sort((a, b) => a.residual - b.residual), dedupTol, sys, s, tol);
    const extra: Float64Array[] = [];
    for (const { best } of found) {
      if (probed.some((p) => dist(p, best.h) <= dedupTol * (1 + norm2(p)))) continue;
      probed.push(best.h);
      extra.push(...probeStarts(sys, s, best.h, opts.scale ?? 1, opts.stabilityTol ?? 1e-10));
    }
    if (extra.length === 0) break;
    for (const h0 of extra) results.push(solveFixedPoint(sys, s, h0, opts));
  }

  // start cloud for outlier rejection
  const cloud = opts.samples ? toList(opts.samples, N) : starts;
  const centre = new Float64Array(N);
  for (const p of cloud) for (let i = 0; i < N; i++) centre[i]! += p[i]! / cloud.length;
  let radius = 0;
  for (const p of cloud) radius = Math.max(radius, dist(p, centre));
  const limit = (opts.outlierFactor ?? 10) * (radius + 1);

  let notConverged = 0, rejected = 0;
  const conv: NewtonResult[] = [];
  const slow: NewtonResult[] = [];
  for (const r of results) {
    if (r.status === 'converged' && r.residual <= tol) {
      if (dist(r.h, centre) > limit || outsideBox(r.h)) rejected++;
      else conv.push(r);
    } else if (r.status === 'slow-point') slow.push(r);
    else notConverged++;
  }
  conv.sort((a, b) => a.residual - b.residual);
  const clusters = cluster(conv, dedupTol, sys, s, tol);
  const points: FixedPoint[] = clusters.map(({ best, hits }) => {
    const J = sys.jacobian(best.h, s);
    return { h: best.h, residual: best.residual, hits, usedQ: best.usedQ, ...spectrumOf(J, sys.time, opts.stabilityTol ?? 1e-10) };
  });
  points.sort((a, b) => norm2(a.h) - norm2(b.h));
  const slowPoints: SlowPoint[] = cluster(slow.sort((a, b) => a.residual - b.residual), 1e-4).map(({ best, hits }) => ({ h: best.h, residual: best.residual, hits }));
  return { time: sys.time, s, points, slowPoints, notConverged, rejected, starts: starts.length };
}

function probeStarts(sys: ParamSystem, s: number, h: Float64Array, scale: number, tol: number): Float64Array[] {
  let J: Matrix;
  try {
    J = sys.jacobian(h, s);
  } catch {
    return [];
  }
  const spec = spectrumOf(J, sys.time, tol);
  const out: Float64Array[] = [];
  let used = 0;
  for (const l of spec.eigenvalues) {
    if (used >= 4 || growth(l, sys.time) <= tol) break;
    if (l.im < 0) continue;
    used++;
    let r: Float64Array;
    try {
      r = eigenPair(J, l).right.re;
    } catch {
      continue;
    }
    const nr = norm2(r);
    if (!(nr > 0)) continue;
    const R = scale * Math.sqrt(sys.N);
    for (const c of [0.1, 0.3, 0.6, 1, -0.1, -0.3, -0.6, -1]) out.push(h.map((v, i) => v + (c * R * r[i]!) / nr));
  }
  return out;
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/**
 * Greedy clustering of results sorted by residual: a result joins a cluster when it is within
 * `tol·(1 + ‖c‖)` of its representative, or (degenerate, flat zero sets near a bifurcation) within
 * `1e-2·(1 + ‖c‖)` with a residual ≤ `resTol` at the midpoint.
 */
function cluster(sorted: NewtonResult[], tol: number, sys?: ParamSystem, s = 0, resTol = 0): { best: NewtonResult; hits: number }[] {
  const out: { best: NewtonResult; hits: number }[] = [];
  for (const r of sorted) {
    const c = out.find((o) => {
      const d = dist(o.best.h, r.h);
      const scale = 1 + norm2(o.best.h);
      if (d <= tol * scale) return true;
      if (!sys || d > 1e-2 * scale) return false;
      const mid = o.best.h.map((v, i) => 0.5 * (v + r.h[i]!));
      try {
        return norm2(residual(sys, mid, s)) <= resTol;
      } catch {
        return false;
      }
    });
    if (c) c.hits++;
    else out.push({ best: r, hits: 1 });
  }
  return out;
}

/**
 * The `k`-th iterate `f^k` of a map as a ParamSystem (value and Jacobian only, the Jacobian being
 * the product `J_k ⋯ J_1` along the orbit). Its derivative methods beyond the Jacobian throw.
 * Cost: k evaluations / k Jacobians + (k−1) N×N products.
 */
export function iterateSystem(sys: ParamSystem, k: number): ParamSystem {
  if (sys.time !== 'discrete') throw new InputError('k-cycles are defined for maps (time: discrete) only');
  if (!Number.isInteger(k) || k < 1) throw new InputError(`cycle period must be a positive integer, got ${k}`);
  const unsupported = (): never => {
    throw new InputError(`f^${k}: only value and Jacobian are available`);
  };
  return {
    N: sys.N,
    time: 'discrete',
    ...(sys.stateBox !== undefined ? { stateBox: sys.stateBox } : {}),
    value(h, s) {
      let x = h;
      for (let i = 0; i < k; i++) x = sys.value(x, s);
      return x === h ? h.slice() : x;
    },
    jacobian(h, s) {
      let x = h;
      let P: Matrix | undefined;
      for (let i = 0; i < k; i++) {
        const J = sys.jacobian(x, s);
        P = P ? gemm(J, P) : J;
        x = sys.value(x, s);
      }
      return P!;
    },
    ds: unsupported,
    hessian: unsupported,
    third: unsupported,
    hessianS: unsupported,
  };
}

/** One periodic orbit of a map. */
export interface Cycle {
  /** Minimal period. */
  period: number;
  /** The orbit `h, f(h), …, f^{p−1}(h)`. */
  orbit: Float64Array[];
  /** ‖f^p(h) − h‖₂. */
  residual: number;
  /** Spectrum of the monodromy `J_p ⋯ J_1` (Floquet multipliers) and stability. */
  multipliers: SpectrumInfo;
}

/**
 * Periodic orbits of minimal period exactly `k` of the map `sys` at `opts.s`: fixed points of `f^k`
 * whose minimal period is k, with points of one orbit merged. Cost: as `findFixedPoints` on `f^k`.
 *
 * @param sys - a map in `N` dimensions.
 * @param k - the minimal period.
 * @param opts - as for {@link findFixedPoints}.
 * @returns the cycles, each with its orbit of `k` states, residual and the multipliers (spectrum of `f^k`; docs/theory.md §6).
 * @throws {@link sntk!ShapeError} when a start state has the wrong length.
 */
export function findCycles(sys: ParamSystem, k: number, opts: FixedPointOptions = {}): Cycle[] {
  const fk = iterateSystem(sys, k);
  const s = opts.s ?? 0;
  const rep = findFixedPoints(fk, opts);
  const dedupTol = opts.dedupTol ?? 1e-6;
  const cycles: Cycle[] = [];
  for (const p of rep.points) {
    const orbit: Float64Array[] = [p.h];
    let x = p.h;
    for (let i = 1; i < k; i++) {
      x = sys.value(x, s);
      orbit.push(x);
    }
    let minimal = k;
    for (let q = 1; q < k; q++) {
      if (k % q === 0 && dist(orbit[q]!, p.h) <= dedupTol * (1 + norm2(p.h))) {
        minimal = q;
        break;
      }
    }
    if (minimal !== k) continue;
    if (cycles.some((c) => c.orbit.some((o) => dist(o, p.h) <= dedupTol * (1 + norm2(o))))) continue;
    checkState(sys, p.h, 'cycle point');
    cycles.push({ period: k, orbit, residual: p.residual, multipliers: { eigenvalues: p.eigenvalues, stability: p.stability, radius: p.radius, critical: p.critical, sigma: p.sigma, unstableCount: p.unstableCount } });
  }
  return cycles;
}

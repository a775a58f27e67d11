/**
 * Test functions of codimension-one bifurcations of fixed points, evaluated on eigenvalues that are
 * tracked by continuity between two nearby points of a branch (docs/theory.md §6).
 *
 * Counting eigenvalues outside the stability region cannot see two simultaneous changes that
 * cancel (a complex pair leaving the unit circle while a pair outside it collides onto the real
 * axis). Instead the eigenvalues at the two ends are matched one to one (nearest first), and each
 * matched pair carries its own test function:
 * - real at both ends: `λ − c` (`c = 1` maps, `0` flows; fold / branch point) and, for maps,
 *   `λ + 1` (period doubling);
 * - complex (Im > 0) at both ends: `|λ| − 1` (maps, Neimark–Sacker) or `Re λ` (flows, Hopf).
 * A matched pair whose realness changes (a collision on the real axis) makes the segment
 * *ambiguous*: the caller refines it until the collision is isolated.
 */
import type { Complex } from './cvec.js';
import type { TimeKind } from './system.js';
import { growth } from './spectrum.js';

/** The kind of crossing a test function watches. */
export type CrossingKind = 'real' | 'minus' | 'complex';

/** One sign change of one tracked eigenvalue's test function between two points. */
export interface TrackedCrossing {
  kind: CrossingKind;
  /** Test-function values at the two ends (opposite signs, or one of them zero). */
  valueA: number;
  valueB: number;
  lambdaA: Complex;
  lambdaB: Complex;
}

/** Matched eigenvalues and the sign changes of their test functions. */
export interface TrackedSegment {
  crossings: TrackedCrossing[];
  /** True when a matched pair is real at one end and complex at the other (a collision). */
  ambiguous: boolean;
  /** True when such a colliding pair also changes the sign of its growth (|λ| − 1 or Re λ). */
  collisionCrossesBoundary: boolean;
  /** For every eigenvalue of `a`, the index of its match in `b`. */
  match: number[];
}

const REAL_TOL = 1e-10;

/** Whether an eigenvalue counts as real (|Im λ| ≤ 1e-10·max(1, |Re λ|)). */
export function isRealEigenvalue(l: Complex): boolean {
  return Math.abs(l.im) <= REAL_TOL * Math.max(1, Math.abs(l.re));
}

/**
 * Matches the eigenvalues `b` to `a` one to one, nearest pairs first (greedy on |a_i − b_j|).
 * Returns `match[i] = j`. Cost O(N² log N).
 */
export function matchEigenvalues(a: readonly Complex[], b: readonly Complex[]): number[] {
  const n = a.length;
  const pairs: Array<[number, number, number]> = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < b.length; j++) pairs.push([Math.hypot(a[i]!.re - b[j]!.re, a[i]!.im - b[j]!.im), i, j]);
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  const match = new Array<number>(n).fill(-1);
  const used = new Uint8Array(b.length);
  let left = n;
  for (const [, i, j] of pairs) {
    if (left === 0) break;
    if (match[i] !== -1 || used[j]) continue;
    match[i] = j;
    used[j] = 1;
    left--;
  }
  return match;
}

/** The value of the test function of `kind` at eigenvalue `l` (NaN when it does not apply). */
export function testValue(l: Complex, kind: CrossingKind, time: TimeKind): number {
  const real = isRealEigenvalue(l);
  if (kind === 'real') return real ? l.re - (time === 'discrete' ? 1 : 0) : NaN;
  if (kind === 'minus') return real && time === 'discrete' ? l.re + 1 : NaN;
  return !real && l.im > 0 ? growth(l, time) : NaN;
}

function changes(u: number, v: number): boolean {
  return Number.isFinite(u) && Number.isFinite(v) && (u < 0) !== (v < 0);
}

/**
 * Tracks the eigenvalues from `a` to `b` and lists the sign changes of every tracked test
 * function (module doc). Cost O(N² log N).
 */
export function trackCrossings(a: readonly Complex[], b: readonly Complex[], time: TimeKind): TrackedSegment {
  const match = matchEigenvalues(a, b);
  const crossings: TrackedCrossing[] = [];
  let ambiguous = false;
  let collisionCrossesBoundary = false;
  const kinds: CrossingKind[] = time === 'discrete' ? ['real', 'minus', 'complex'] : ['real', 'complex'];
  for (let i = 0; i < a.length; i++) {
    const la = a[i]!, lb = b[match[i]!]!;
    if (!la || !lb) continue;
    const ra = isRealEigenvalue(la), rb = isRealEigenvalue(lb);
    if (ra !== rb) {
      ambiguous = true;
      if (changes(growth(la, time), growth(lb, time))) collisionCrossesBoundary = true;
      continue;
    }
    if (!ra && la.im < 0) continue; // the conjugate carries the same test function
    for (const kind of kinds) {
      const va = testValue(la, kind, time), vb = testValue(lb, kind, time);
      if (changes(va, vb)) crossings.push({ kind, valueA: va, valueB: vb, lambdaA: la, lambdaB: lb });
    }
  }
  return { crossings, ambiguous, collisionCrossesBoundary, match };
}

/**
 * Arclength to the nearest predicted zero of a tracked test function, by linear extrapolation of
 * each test function from `a` to `b` over the step `ds` (Infinity when none approaches zero).
 * Continuation shrinks its steps to this so that events are approached in small steps. O(N² log N).
 */
export function distanceToNextEvent(a: readonly Complex[], b: readonly Complex[], time: TimeKind, ds: number): number {
  const match = matchEigenvalues(a, b);
  let best = Infinity;
  const kinds: CrossingKind[] = time === 'discrete' ? ['real', 'minus', 'complex'] : ['real', 'complex'];
  for (let i = 0; i < a.length; i++) {
    const la = a[i]!, lb = b[match[i]!]!;
    if (!la || !lb) continue;
    for (const kind of kinds) {
      const va = testValue(la, kind, time), vb = testValue(lb, kind, time);
      if (!Number.isFinite(va) || !Number.isFinite(vb)) continue;
      const rate = (vb - va) / ds;
      if (rate === 0 || vb * rate >= 0) continue; // moving away from zero
      best = Math.min(best, Math.abs(vb / rate));
    }
  }
  return best;
}

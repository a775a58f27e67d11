/**
 * The one classifier of real critical eigenvalues (λ = 1 for maps, 0 for flows): saddle-node,
 * transcritical or pitchfork, with super/subcriticality (docs/theory.md §7). Both continuation
 * (at a located event) and the channel analysis (at a fixed point some distance σ from the
 * boundary) call it, so the same point gets the same name.
 *
 * Decision, in order:
 * 1. **Symmetry.** If the system has an involutive signed permutation `S` (odd symmetry `S = −I`,
 *    swap of units, …) with `S h* = h*`, `S r = −r` and `f(Sx) = S f(x)`, the quadratic coefficient
 *    vanishes identically on the centre manifold and the point is a pitchfork (`b₃ < 0`:
 *    supercritical). The symmetry is searched from the critical mode itself, with tolerances scaled
 *    by the accuracy of the located point, so a pitchfork off the origin (on a swap-symmetric
 *    branch) is named as one.
 * 2. **Continuation** (`foldLike` given): a turning point in `s` is a saddle-node; otherwise a branch
 *    point, pitchfork when `|a| ≤ aTol`, transcritical otherwise. `aTol = 30·max(|b₃|, 1e-3)·accuracy
 *    + 1e-9·max(1, |b₃|)`: along the centre coordinate `∂a/∂z = 3b₃`, so an error `accuracy` in the
 *    located point moves `a` by about `3|b₃|·accuracy` (factor 10 margin).
 * 3. **A point at distance σ** (`foldLike` absent): an odd system (`f(−h) = −f(h)`) whose
 *    coefficients satisfy `a² ≤ pitchforkRatio·|σ|·|b₃| + aTol²` is on a pitchfork (in the normal form
 *    `z ↦ z + νμz + b₃z³`, `a²/(σ|b₃|)` is 0 on the trivial branch and 9/2 on the symmetric pair of
 *    branches, while near a fold it grows like 1/σ); else a vanishing unfolding (`unfoldingZero`)
 *    gives transcritical, and anything else a saddle-node.
 */
import type { Matrix } from '../linalg/index.js';
import type { ParamSystem } from './system.js';
import type { Criticality } from './normal-form.js';
import type { RealCriticalCoefficients } from './normal-form.js';
import { realCriticalCoefficients } from './normal-form.js';

/** Names a real critical eigenvalue can get. */
export type RealCriticalType = 'saddle-node' | 'transcritical' | 'pitchfork';

/** Input of `classifyRealCritical`. */
export interface RealCriticalInput {
  sys: ParamSystem;
  h: Float64Array;
  s: number;
  /** Jacobian of `sys` at (h, s). */
  J: Matrix;
  /** The real critical eigenvalue of `J`. */
  lambda: number;
  /** Continuation: whether `ds/darc` changed sign over the event's bracket (fold). */
  foldLike?: boolean;
  /** Upper bound on the error of `h` (located events: the final bracket width; default 1e-10). */
  accuracy?: number;
  /** Distance to the boundary `σ` (0 at a located event; default 0). */
  sigma?: number;
  /** Whether the unfolding `‖B*ᵀl‖` vanishes (only used without `foldLike`). */
  unfoldingZero?: boolean;
  /** See step 3 of the module doc (default 20). */
  pitchforkRatio?: number;
}

/** What `classifyRealCritical` decides. */
export interface RealCriticalClass {
  type: RealCriticalType;
  criticality: Criticality;
  coefficients: RealCriticalCoefficients;
  /** The symmetry that made it a pitchfork, if one was found: `'odd'` or a signed permutation. */
  symmetry: null | { kind: 'odd' | 'signed-permutation'; permutation: number[]; signs: number[] };
  /** Tolerance on `a` that was used. */
  aTol: number;
}

/**
 * Classifies the real critical eigenvalue `lambda` of `J` at `(h, s)` (module doc). Cost: the
 * normal-form coefficients O(N³) plus a symmetry search O(N²) and six system evaluations.
 */
export function classifyRealCritical(inp: RealCriticalInput): RealCriticalClass {
  const { sys, h, s, J, lambda } = inp;
  const k = realCriticalCoefficients(sys, h, s, J, lambda);
  const accuracy = Math.max(inp.accuracy ?? 1e-10, 1e-12);
  const aTol = 30 * Math.max(Math.abs(k.b3), 1e-3) * accuracy + 1e-9 * Math.max(1, Math.abs(k.b3));
  const pitch = (symmetry: RealCriticalClass['symmetry']): RealCriticalClass => ({
    type: 'pitchfork',
    criticality: k.b3 < 0 ? 'supercritical' : k.b3 > 0 ? 'subcritical' : 'degenerate',
    coefficients: k,
    symmetry,
    aTol,
  });
  const symmetry = findIsotropy(sys, h, s, k.pair.right.re, accuracy);
  if (symmetry) return pitch(symmetry);
  const plain = (type: RealCriticalType): RealCriticalClass => ({ type, criticality: type === 'saddle-node' && k.a === 0 ? 'degenerate' : null, coefficients: k, symmetry: null, aTol });
  if (inp.foldLike !== undefined) {
    if (inp.foldLike) return plain('saddle-node');
    return Math.abs(k.a) <= aTol ? pitch(null) : plain('transcritical');
  }
  const sigma = Math.abs(inp.sigma ?? 0);
  const ratio = inp.pitchforkRatio ?? 20;
  if (isOdd(sys, h, s) && k.a * k.a <= ratio * sigma * Math.abs(k.b3) + aTol * aTol) return pitch({ kind: 'odd', permutation: [...h.keys()], signs: Array.from(h, () => -1) });
  return plain(inp.unfoldingZero ? 'transcritical' : 'saddle-node');
}

function equivariant(sys: ParamSystem, s: number, base: Float64Array, perm: number[], signs: number[]): boolean {
  const N = base.length;
  const apply = (v: Float64Array): Float64Array => {
    const o = new Float64Array(N);
    for (let i = 0; i < N; i++) o[i] = signs[i]! * v[perm[i]!]!;
    return o;
  };
  const probes = [
    base.map((v, i) => v + 0.05 * Math.sin(1.3 * i + 0.7)),
    base.map((v, i) => v + 0.3 * Math.cos(2.1 * i + 0.2)),
    base.map((_, i) => 0.8 * Math.sin(0.9 * i + 1.9)),
  ];
  for (const p of probes) {
    let a: Float64Array, b: Float64Array;
    try {
      a = apply(sys.value(p, s));
      b = sys.value(apply(p), s);
    } catch {
      return false;
    }
    let scale = 1;
    for (let i = 0; i < N; i++) scale = Math.max(scale, Math.abs(a[i]!));
    for (let i = 0; i < N; i++) if (!(Math.abs(a[i]! - b[i]!) <= 1e-10 * scale)) return false;
  }
  return true;
}

function isOdd(sys: ParamSystem, h: Float64Array, s: number): boolean {
  return equivariant(sys, s, h, [...h.keys()], Array.from(h, () => -1));
}

/**
 * An involutive signed permutation `S` with `S h = h`, `S r = −r` under which the system is
 * equivariant, or null. Candidates: `S = −I` when `h ≈ 0`, then the signed permutation that pairs
 * each coordinate with the one whose (h, r) entries match (|σ h_j − h_i| ≤ tol, |σ r_j + r_i| ≤ tol),
 * nearest first. `tol` scales with the accuracy of `h` (≥ 1e-7). Cost O(N²) + six evaluations.
 */
export function findIsotropy(sys: ParamSystem, h: Float64Array, s: number, r: Float64Array, accuracy: number): RealCriticalClass['symmetry'] {
  const N = h.length;
  const tolH = Math.max(1e-7, 100 * accuracy);
  const tolR = Math.max(1e-6, 100 * accuracy);
  let hmax = 0;
  for (const v of h) hmax = Math.max(hmax, Math.abs(v));
  const ident = [...h.keys()];
  if (hmax <= tolH && equivariant(sys, s, new Float64Array(N), ident, Array.from(h, () => -1))) return { kind: 'odd', permutation: ident, signs: Array.from(h, () => -1) };
  const perm = new Array<number>(N).fill(-1);
  const signs = new Array<number>(N).fill(1);
  for (let i = 0; i < N; i++) {
    let best = Infinity;
    for (let j = 0; j < N; j++) {
      for (const sg of [1, -1]) {
        const eh = Math.abs(sg * h[j]! - h[i]!), er = Math.abs(sg * r[j]! + r[i]!);
        if (eh > tolH * (1 + Math.abs(h[i]!)) || er > tolR) continue;
        const score = eh + er + (j === i ? 0 : 1e-15);
        if (score < best) {
          best = score;
          perm[i] = j;
          signs[i] = sg;
        }
      }
    }
    if (perm[i] === -1) return null;
  }
  // an involution (S² = I) that is not the identity
  let nontrivial = false;
  for (let i = 0; i < N; i++) {
    const j = perm[i]!;
    if (perm[j] !== i || signs[j] !== signs[i]) return null;
    if (j !== i || signs[i] !== 1) nontrivial = true;
  }
  if (!nontrivial) return null;
  // equivariance at the symmetric base point (S h* = h* exactly when h* is symmetrised)
  const hs = h.map((v, i) => 0.5 * (v + signs[i]! * h[perm[i]!]!));
  if (!equivariant(sys, s, hs, perm, signs)) return null;
  const odd = perm.every((j, i) => j === i) && signs.every((v) => v === -1);
  return { kind: odd ? 'odd' : 'signed-permutation', permutation: perm, signs };
}

/**
 * Normal-form coefficients of codimension-one bifurcations of fixed points, on the centre manifold
 * (`z = lᵀ(h − h*)`, `lᵀ r = 1`), from the exact derivatives of a ParamSystem. Writing the residual
 * `F(h*+x) = A x + ½B(x,x) + ⅙C(x,x,x) + …` (A = F_h, B = f_hh, C = f_hhh):
 *
 * - real eigenvalue at criticality (λ = 1 for maps, 0 for flows; A r = 0):
 *   `b₂ = a = ½ lᵀB(r,r)`, `β = lᵀ f_s` (unfolding; 0 at a branch point),
 *   `w` with `A w = 2a r − B(r,r)`, `lᵀw = 0`, and `b₃ = ⅙ lᵀ[C(r,r,r) + 3B(r,w)]`, so that the
 *   centre-manifold dynamics is `ż = β μ + b₂ z² + b₃ z³` (flows; maps: `z ↦ z + …`, same coefficients).
 *   Pitchfork: supercritical iff `b₃ < 0`.
 * - Hopf (flows), Kuznetsov's formula with `A q = iωq`, `Aᵀp = −iωp`, `⟨q,q⟩ = ⟨p,q⟩ = 1`:
 *   `c₁ = ½[⟨p,C(q,q,q̄)⟩ − 2⟨p,B(q,A⁻¹B(q,q̄))⟩ + ⟨p,B(q̄,(2iω−A)⁻¹B(q,q))⟩]`, `ℓ₁ = Re c₁/ω`;
 *   supercritical iff `ℓ₁ < 0`.
 * - Period doubling (maps), `A q = −q` (A = f_h here), `‖q‖ = 1`, `⟨p,q⟩ = 1`:
 *   `c = ⅙⟨p,C(q,q,q)⟩ + ½⟨p,B(q,(I−A)⁻¹B(q,q))⟩`, normal form `η ↦ −(1+μ)η + cη³`;
 *   supercritical (stable 2-cycle born) iff `c > 0`.
 * - Neimark–Sacker (maps), `A q = e^{iθ}q`:
 *   `d = ½ Re{e^{−iθ}⟨p, C(q,q,q̄) + 2B(q,(I−A)⁻¹B(q,q̄)) + B(q̄,(e^{2iθ}−A)⁻¹B(q,q))⟩}`;
 *   supercritical (stable invariant circle) iff `d < 0`.
 *
 * `⟨p, x⟩ = p̄ᵀx`; with `l` normalised `lᵀq = 1`, `p = l̄` and `⟨p, x⟩ = lᵀx`.
 */
import type { Matrix } from '../linalg/index.js';
import { norm2, solve, zeros } from '../linalg/index.js';
import { SingularMatrixError } from '../errors.js';
import type { ParamSystem } from './system.js';
import type { CVec, Complex } from './cvec.js';
import { bilinearC, cdotu, cmul, cscale, conj, creal, solveShifted, trilinearC } from './cvec.js';
import type { EigenPair } from './spectrum.js';
import { eigenPair } from './spectrum.js';

export type Criticality = 'supercritical' | 'subcritical' | 'degenerate' | null;

function forms(sys: ParamSystem, h: Float64Array, s: number) {
  const B = (u: Float64Array, v: Float64Array) => sys.hessian(h, s, u, v);
  const C = (u: Float64Array, v: Float64Array, w: Float64Array) => sys.third(h, s, u, v, w);
  return { B, C };
}

function dotReal(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Coefficients at a real critical eigenvalue (fold / branch point). */
export interface RealCriticalCoefficients {
  pair: EigenPair;
  /** Quadratic coefficient `a = b₂ = ½ lᵀ f_hh[r,r]`. */
  a: number;
  /** Unfolding `β = lᵀ f_s` (zero at a branch point). */
  beta: number;
  /** Cubic coefficient `b₃` (meaningful when `a ≈ 0`). */
  b3: number;
}

/**
 * Saddle-node / branch-point coefficients at `(h, s)` for the critical real eigenvalue `lambda` of
 * the system Jacobian (≈ 1 for maps, ≈ 0 for flows). Cost O(N³) + a few derivative calls.
 *
 * @param sys - the system in `N` dimensions.
 * @param h - the critical point (length `N`).
 * @param s - the path parameter there.
 * @param J - the system Jacobian at `(h, s)`, `N × N`.
 * @param lambda - the critical real eigenvalue.
 * @returns `a = b₂`, `b₃`, the unfolding `β` and the eigenpair `(λ, r, l)` (docs/theory.md §7); when the
 *   bordered system for the centre-manifold correction is singular, `b₃` omits that correction.
 * @throws {@link sntk!ConvergenceError} for a defective critical eigenvalue (`lᵀr ≈ 0`).
 */
export function realCriticalCoefficients(sys: ParamSystem, h: Float64Array, s: number, J: Matrix, lambda: number): RealCriticalCoefficients {
  const pair = eigenPair(J, { re: lambda, im: 0 });
  const r = pair.right.re, l = pair.left.re;
  const { B, C } = forms(sys, h, s);
  const Brr = B(r, r);
  const a = 0.5 * dotReal(l, Brr);
  const beta = dotReal(l, sys.ds(h, s));
  // bordered solve [[A, r], [lᵀ, 0]] [w; ν] = [2a r − B(r,r); 0], A = F_h = J − λI
  const N = sys.N;
  const M = zeros(N + 1, N + 1);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) M.data[i * (N + 1) + j] = J.data[i * N + j]! - (i === j ? lambda : 0);
    M.data[i * (N + 1) + N] = r[i]!;
    M.data[N * (N + 1) + i] = l[i]!;
  }
  const rhs = new Float64Array(N + 1);
  for (let i = 0; i < N; i++) rhs[i] = 2 * a * r[i]! - Brr[i]!;
  let b3 = NaN;
  try {
    const w = solve(M, { rows: N + 1, cols: 1, data: rhs }).data.subarray(0, N).slice();
    b3 = (dotReal(l, C(r, r, r)) + 3 * dotReal(l, B(r, w))) / 6;
  } catch (err) {
    if (!(err instanceof SingularMatrixError)) throw err;
    b3 = dotReal(l, C(r, r, r)) / 6;
  }
  return { pair, a, beta, b3 };
}

/** Hopf coefficients. */
export interface HopfCoefficients {
  pair: EigenPair;
  omega: number;
  c1: Complex;
  /** First Lyapunov coefficient `ℓ₁ = Re c₁ / ω`. */
  l1: number;
}

/** Normalises `pair` to `‖q‖ = 1` and returns `q` and `l` with `lᵀ q = 1` (then `p = l̄`). */
function normalised(pair: EigenPair): { q: CVec; l: CVec } {
  return { q: pair.right, l: pair.left };
}

/**
 * Kuznetsov's first Lyapunov coefficient at a Hopf point of a flow: `lambda = iω` (the eigenvalue
 * with positive imaginary part of `J = g_h`). Cost O((2N)³) + derivative calls.
 *
 * @param sys - a flow (`time: 'continuous'`) in `N` dimensions.
 * @param h - the Hopf point (length `N`).
 * @param s - the path parameter there.
 * @param J - `g_h` at `(h, s)`, `N × N`.
 * @param lambda - the critical eigenvalue `iω`, `ω > 0`.
 * @returns `c₁`, `ω` and `ℓ₁ = Re c₁ / ω` (supercritical iff `ℓ₁ < 0`; docs/theory.md §7).
 * @throws {@link sntk!SingularMatrixError} when `J` or `2iω − J` is singular.
 */
export function hopfCoefficients(sys: ParamSystem, h: Float64Array, s: number, J: Matrix, lambda: Complex): HopfCoefficients {
  const pair = eigenPair(J, lambda);
  const { q, l } = normalised(pair);
  const { B, C } = forms(sys, h, s);
  const omega = Math.abs(lambda.im);
  const qb = conj(q);
  const term1 = cdotu(l, trilinearC(C, q, q, qb));
  const Bqqb = bilinearC(B, q, qb); // real
  const Ainv = solveShifted(J, { re: 0, im: 0 }, creal(Bqqb.re));
  const term2 = cdotu(l, bilinearC(B, q, Ainv));
  const Bqq = bilinearC(B, q, q);
  const x = cscale({ re: -1, im: 0 }, solveShifted(J, { re: 0, im: 2 * omega }, Bqq)); // (2iω − A)⁻¹ Bqq
  const term3 = cdotu(l, bilinearC(B, qb, x));
  const c1 = { re: 0.5 * (term1.re - 2 * term2.re + term3.re), im: 0.5 * (term1.im - 2 * term2.im + term3.im) };
  return { pair, omega, c1, l1: c1.re / omega };
}

/**
 * Period-doubling coefficient `c` of a map at eigenvalue −1. Cost O(N³).
 *
 * @param sys - a map in `N` dimensions.
 * @param h - the period-doubling point (length `N`).
 * @param s - the path parameter there.
 * @param J - `f_h` at `(h, s)`, `N × N`.
 * @param lambda - the critical eigenvalue (≈ −1).
 * @returns `c` (supercritical iff `c > 0`) and the eigenpair (docs/theory.md §7).
 * @throws {@link sntk!SingularMatrixError} when `I − J` is singular.
 */
export function periodDoublingCoefficient(sys: ParamSystem, h: Float64Array, s: number, J: Matrix, lambda: number): { pair: EigenPair; c: number } {
  const pair = eigenPair(J, { re: lambda, im: 0 });
  const q = pair.right.re, l = pair.left.re;
  const { B, C } = forms(sys, h, s);
  const Bqq = B(q, q);
  let extra = 0;
  if (norm2(Bqq) > 0) {
    const w = solveShifted(J, { re: 1, im: 0 }, creal(Bqq)).re.map((v) => -v); // (I − A)⁻¹ Bqq
    extra = 0.5 * dotReal(l, B(q, w));
  }
  return { pair, c: dotReal(l, C(q, q, q)) / 6 + extra };
}

/**
 * Neimark–Sacker coefficient `d` of a map at `lambda = e^{iθ}` (Im > 0). Cost O((2N)³).
 *
 * @param sys - a map in `N` dimensions.
 * @param h - the Neimark–Sacker point (length `N`).
 * @param s - the path parameter there.
 * @param J - `f_h` at `(h, s)`, `N × N`.
 * @param lambda - the critical eigenvalue `e^{iϑ}`, `Im λ > 0`.
 * @returns `d` (supercritical iff `d < 0`), the angle `ϑ` and the eigenpair (docs/theory.md §7).
 * @throws {@link sntk!SingularMatrixError} when `I − J` or `e^{2iϑ} − J` is singular.
 */
export function neimarkSackerCoefficient(sys: ParamSystem, h: Float64Array, s: number, J: Matrix, lambda: Complex): { pair: EigenPair; d: number; theta: number } {
  const pair = eigenPair(J, lambda);
  const { q, l } = normalised(pair);
  const { B, C } = forms(sys, h, s);
  const qb = conj(q);
  const theta = Math.atan2(lambda.im, lambda.re);
  const t1 = cdotu(l, trilinearC(C, q, q, qb));
  const Bqqb = bilinearC(B, q, qb);
  const w1 = cscale({ re: -1, im: 0 }, solveShifted(J, { re: 1, im: 0 }, creal(Bqqb.re))); // (I − A)⁻¹
  const t2 = cdotu(l, bilinearC(B, q, w1));
  const Bqq = bilinearC(B, q, q);
  const e2 = { re: Math.cos(2 * theta), im: Math.sin(2 * theta) };
  const w2 = cscale({ re: -1, im: 0 }, solveShifted(J, e2, Bqq)); // (e^{2iθ} − A)⁻¹
  const t3 = cdotu(l, bilinearC(B, qb, w2));
  const sum = { re: t1.re + 2 * t2.re + t3.re, im: t1.im + 2 * t2.im + t3.im };
  const rot = cmul({ re: Math.cos(theta), im: -Math.sin(theta) }, sum);
  return { pair, d: 0.5 * rot.re, theta };
}

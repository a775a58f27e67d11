/**
 * Spectra and stability of fixed points: eigenvalues of the Jacobian (`f_h` of a map, `g_h` of a
 * flow), classification as stable/unstable/saddle (maps: |λ| vs 1, flows: Re λ vs 0), the critical
 * eigenvalue and its distance to criticality σ, and accurate right/left eigenvectors of a chosen
 * eigenvalue by shifted inverse iteration (normalised `‖r‖ = 1`, `lᵀ r = 1`, bilinear).
 */
import type { Matrix } from '../linalg/index.js';
import { generalEigen } from '../linalg/index.js';
import { ConvergenceError, NonFiniteError, SingularMatrixError, assertFinite } from '../errors.js';
import type { TimeKind } from './system.js';
import type { CVec, Complex } from './cvec.js';
import { cdotu, cinv, cnorm, cscale, solveShifted } from './cvec.js';

export type Stability = 'stable' | 'unstable' | 'saddle' | 'marginal';

/** Eigenvalues and the stability summary of one Jacobian. */
export interface SpectrumInfo {
  /** Eigenvalues sorted by decreasing "criticality" (|λ| for maps, Re λ for flows). */
  eigenvalues: Complex[];
  stability: Stability;
  /** Spectral radius max|λ| (maps) or spectral abscissa max Re λ (flows). */
  radius: number;
  /** The critical eigenvalue (largest |λ| for maps, largest Re λ for flows). */
  critical: Complex;
  /** Distance to criticality: `1 − |λ_c|` (maps) or `−Re λ_c` (flows); positive when stable. */
  sigma: number;
  /** Number of unstable eigenvalues (|λ| > 1 or Re λ > 0, beyond `tol`). */
  unstableCount: number;
}

/** The measure of an eigenvalue that decides stability: |λ| − 1 (maps) or Re λ (flows). */
export function growth(l: Complex, time: TimeKind): number {
  return time === 'discrete' ? Math.hypot(l.re, l.im) - 1 : l.re;
}

/**
 * Eigenvalues of `J` and the stability summary. `tol` is the band around criticality counted as
 * marginal (default 1e-10). Cost O(N³).
 *
 * @param J - the `N × N` Jacobian at a fixed point (`f_h` for maps, `g_h` for flows).
 * @param time - `'discrete'` (stable iff `|λ| < 1`) or `'continuous'` (stable iff `Re λ < 0`).
 * @param tol - width of the marginal band around the stability boundary.
 * @returns the eigenvalues, the stability class and the distance of the critical one to the boundary.
 * @throws {@link sntk!NonFiniteError} when `J` has NaN or Inf entries.
 */
export function spectrumOf(J: Matrix, time: TimeKind, tol = 1e-10): SpectrumInfo {
  assertFinite(J.data, 'Jacobian');
  const e = generalEigen(J, { vectors: false });
  const eig: Complex[] = [];
  for (let i = 0; i < e.re.length; i++) eig.push({ re: e.re[i]!, im: e.im[i]! });
  for (const v of eig) if (!Number.isFinite(v.re) || !Number.isFinite(v.im)) throw new NonFiniteError('eigenvalue computation produced a non-finite value');
  eig.sort((a, b) => growth(b, time) - growth(a, time) || b.im - a.im);
  let unstable = 0, stableCount = 0;
  for (const v of eig) {
    const g = growth(v, time);
    if (g > tol) unstable++;
    else if (g < -tol) stableCount++;
  }
  const n = eig.length;
  const stability: Stability =
    unstable === 0 ? (stableCount === n ? 'stable' : 'marginal') : stableCount === 0 ? 'unstable' : 'saddle';
  const critical = eig[0] ?? { re: 0, im: 0 };
  const radius = time === 'discrete' ? Math.hypot(critical.re, critical.im) : critical.re;
  const sigma = -growth(critical, time);
  return { eigenvalues: eig, stability, radius, critical, sigma, unstableCount: unstable };
}

/** Right and left eigenvectors of one eigenvalue, `A r = λ r`, `Aᵀ l = λ l`, `‖r‖ = 1`, `lᵀ r = 1`. */
export interface EigenPair {
  lambda: Complex;
  right: CVec;
  left: CVec;
}

function startVector(n: number, salt: number): CVec {
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = Math.sin(1.7 * (i + 1) + salt) + 0.3;
    im[i] = Math.cos(2.3 * (i + 1) + salt) * 0.5;
  }
  return { re, im };
}

function inverseIteration(A: Matrix, lambda: Complex, trans: boolean, real: boolean): CVec {
  const n = A.rows;
  const scale = Math.max(1, Math.hypot(lambda.re, lambda.im));
  let lastErr: unknown;
  for (const delta of [1e-10, 3.7e-9, -2.1e-8, 1e-6]) {
    try {
      const shift: Complex = { re: lambda.re + delta * scale, im: real ? 0 : lambda.im };
      let v = startVector(n, trans ? 0.5 : 0);
      if (real) v = { re: v.re, im: new Float64Array(n) };
      for (let it = 0; it < 4; it++) {
        const x = solveShifted(A, shift, v, trans);
        const nx = cnorm(x);
        if (!Number.isFinite(nx) || nx === 0) throw new SingularMatrixError('inverse iteration broke down');
        v = cscale({ re: 1 / nx, im: 0 }, x);
      }
      return v;
    } catch (err) {
      if (!(err instanceof SingularMatrixError)) throw err;
      lastErr = err;
    }
  }
  throw new ConvergenceError(`eigenvectors of λ = ${lambda.re} + ${lambda.im}i: inverse iteration failed (${String(lastErr)})`);
}

/**
 * Right and left eigenvectors of the eigenvalue `lambda` of the real matrix `A` by shifted inverse
 * iteration (4 steps; accurate to working precision for a simple eigenvalue). For a real λ the
 * vectors are real and `r` is signed so that its largest-magnitude entry is positive; for a complex
 * λ, `r` is rotated so that that entry is real positive. Normalisation: `‖r‖₂ = 1`, `lᵀ r = 1`.
 * Throws ConvergenceError when `lᵀ r` vanishes (a defective eigenvalue). Cost O(N³) (O(8N³) complex).
 *
 * @param A - a real `N × N` matrix.
 * @param lambda - one of its eigenvalues (real or complex).
 * @returns `λ` with right and left eigenvectors `r`, `l` (length `N`, complex), `‖r‖ = 1`, `lᵀr = 1` (docs/theory.md §6).
 * @throws {@link sntk!ConvergenceError} when `lᵀ r` vanishes (a defective eigenvalue).
 */
export function eigenPair(A: Matrix, lambda: Complex): EigenPair {
  const real = lambda.im === 0;
  let r = inverseIteration(A, lambda, false, real);
  let l = inverseIteration(A, lambda, true, real);
  // orientation of r
  let k = 0, best = -1;
  for (let i = 0; i < r.re.length; i++) {
    const m = Math.hypot(r.re[i]!, r.im[i]!);
    if (m > best * (1 + 1e-9)) {
      best = m;
      k = i;
    }
  }
  const phase: Complex = { re: r.re[k]! / best, im: r.im[k]! / best };
  r = cscale({ re: phase.re, im: -phase.im }, r);
  r.im[k] = 0;
  if (real) r.im.fill(0);
  const lr = cdotu(l, r);
  const m = Math.hypot(lr.re, lr.im);
  if (!(m > 1e-12 * cnorm(l) * cnorm(r))) {
    throw new ConvergenceError(`eigenvalue ${lambda.re} + ${lambda.im}i looks defective (lᵀr ≈ 0); no normal form`);
  }
  l = cscale(cinv(lr), l);
  if (real) l.im.fill(0);
  return { lambda, right: r, left: l };
}

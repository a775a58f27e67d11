/** Power-law fits on log–log axes and the two-sided critical fit `κ ≈ C± |α − α_c|^{p±}`. */
import { InputError } from '../errors.js';

/** A least-squares fit `log y = log C + p log x`. */
export interface PowerLawFit {
  exponent: number;
  constant: number;
  /** R² of the log–log fit. */
  r2: number;
  n: number;
}

/**
 * Fits `y = C x^p` on log–log axes (x, y > 0; others dropped). InputError with fewer than 2 points. O(n).
 *
 * @param x - abscissae (only positive pairs are used).
 * @param y - ordinates, same length.
 * @returns the exponent `p`, the constant `C`, `R²` on log–log axes and the points used (docs/theory.md §9).
 * @throws {@link sntk!InputError} with fewer than 2 positive points, or when all `x` are equal.
 */
export function fitPowerLaw(x: ArrayLike<number>, y: ArrayLike<number>): PowerLawFit {
  const lx: number[] = [], ly: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > 0 && y[i]! > 0 && Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      lx.push(Math.log(x[i]!));
      ly.push(Math.log(y[i]!));
    }
  }
  const n = lx.length;
  if (n < 2) throw new InputError(`fitPowerLaw: need at least 2 positive points, got ${n}`);
  const mx = lx.reduce((s, v) => s + v, 0) / n, my = ly.reduce((s, v) => s + v, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
    syy += (ly[i]! - my) ** 2;
  }
  if (!(sxx > 0)) throw new InputError('fitPowerLaw: all x are equal');
  const p = sxy / sxx;
  const r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1;
  return { exponent: p, constant: Math.exp(my - p * mx), r2, n };
}

/** The two-sided fit. */
export interface CriticalFit {
  alphaC: number;
  /** Fits of `κ` against `α_c − α` (below) and `α − α_c` (above); null with < minPoints points. */
  below: PowerLawFit | null;
  above: PowerLawFit | null;
  /** Mean R² of the sides that were fitted. */
  r2: number;
}

/**
 * Fits `α_c` and the exponents on each side: for candidate `α_c` on a grid inside the interval
 * around the peak of `κ` (between its neighbours), fits each side's `window` points nearest `α_c`
 * (default: half of the side, at least `minPoints` = 3) on log–log axes and keeps the candidate
 * with the best mean R². Cost O(candidates · n).
 *
 * @param alpha - scan positions, increasing.
 * @param kappa - the restricted kernel at each position.
 * @param opts - points per side, the minimum per side, candidates of `α_c`.
 * @returns `α_c`, the exponent and constant on each side, and the mean `R²` (docs/theory.md §9).
 * @throws {@link sntk!InputError} for lengths that differ, fewer than 4 points, `α` not strictly
 *   increasing, or no candidate `α_c` with enough positive `κ` on both sides.
 */
export function fitCritical(alpha: ArrayLike<number>, kappa: ArrayLike<number>, opts: { window?: number; minPoints?: number; candidates?: number } = {}): CriticalFit {
  const n = alpha.length;
  if (kappa.length !== n) throw new InputError(`fitCritical: ${n} α values but ${kappa.length} κ values`);
  if (n < 4) throw new InputError(`fitCritical: need at least 4 points, got ${n}`);
  for (let i = 1; i < n; i++) if (!(alpha[i]! > alpha[i - 1]!)) throw new InputError('fitCritical: α must be strictly increasing');
  const minPoints = opts.minPoints ?? 3;
  let imax = 0;
  for (let i = 1; i < n; i++) if (kappa[i]! > kappa[imax]!) imax = i;
  const lo = alpha[Math.max(0, imax - 1)]!, hi = alpha[Math.min(n - 1, imax + 1)]!;
  const nc = opts.candidates ?? 200;
  let best: CriticalFit | null = null;
  const sideFit = (ac: number, dir: 1 | -1): PowerLawFit | null => {
    const pts: { d: number; k: number }[] = [];
    for (let i = 0; i < n; i++) {
      const d = dir * (alpha[i]! - ac);
      if (d > 0 && kappa[i]! > 0) pts.push({ d, k: kappa[i]! });
    }
    pts.sort((a, b) => a.d - b.d);
    const w = Math.max(minPoints, Math.ceil((opts.window ?? 0.5) * pts.length));
    const use = pts.slice(0, w);
    if (use.length < minPoints) return null;
    try {
      return fitPowerLaw(use.map((p) => p.d), use.map((p) => p.k));
    } catch {
      return null;
    }
  };
  for (let c = 1; c < nc; c++) {
    const ac = lo + ((hi - lo) * c) / nc;
    if (Array.prototype.some.call(alpha, (a: number) => a === ac)) continue;
    const below = sideFit(ac, -1), above = sideFit(ac, 1);
    const fits = [below, above].filter((f): f is PowerLawFit => f !== null);
    if (fits.length === 0) continue;
    const r2 = fits.reduce((s, f) => s + f.r2, 0) / fits.length;
    if (!best || r2 > best.r2) best = { alphaC: ac, below, above, r2 };
  }
  if (!best) throw new InputError('fitCritical: no candidate α_c gave a fit (too few positive κ values on either side)');
  return best;
}

/** Whether a scan holds a critical point, and why not. */
export interface CriticalPointVerdict {
  found: boolean;
  /** Empty when found; otherwise which condition failed. */
  reason: string;
}

/** Defaults of the criterion (stated in `sntk scan --help`). */
export const CRITICAL_POINT_CRITERION = { margin: 2, prominence: 3 } as const;

/**
 * The criterion for reporting a critical point instead of fitting at the edge of the range: κ peaks
 * with at least `margin` α values on each side (not at or next to an end), the peak is at least
 * `prominence` times κ at both ends of the range, and every fitted side of `fit` diverges toward
 * α_c (negative exponent). O(n).
 */
export function criticalPointInRange(alpha: ArrayLike<number>, kappa: ArrayLike<number>, fit: CriticalFit | null, opts: { margin?: number; prominence?: number } = {}): CriticalPointVerdict {
  const n = kappa.length;
  const margin = opts.margin ?? CRITICAL_POINT_CRITERION.margin;
  const prominence = opts.prominence ?? CRITICAL_POINT_CRITERION.prominence;
  if (n < 2 * margin + 1) return { found: false, reason: `too few points (${n}) for a peak with ${margin} on each side` };
  let imax = 0;
  for (let i = 1; i < n; i++) if (kappa[i]! > kappa[imax]!) imax = i;
  if (imax < margin || imax > n - 1 - margin) return { found: false, reason: `κ is largest at the edge of the range (α = ${alpha[imax]})` };
  const edge = Math.max(kappa[0]!, kappa[n - 1]!);
  if (!(kappa[imax]! >= prominence * edge)) return { found: false, reason: `the peak of κ is only ${(kappa[imax]! / edge).toFixed(2)}× its value at the ends (needs ${prominence}×)` };
  if (!fit) return { found: false, reason: 'no critical fit' };
  for (const [side, f] of [['below', fit.below], ['above', fit.above]] as const) {
    if (f && !(f.exponent < 0)) return { found: false, reason: `κ does not diverge toward α_c from ${side} (exponent ${f.exponent.toFixed(3)})` };
  }
  return { found: true, reason: '' };
}

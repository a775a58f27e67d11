/**
 * The critical mode of a fixed point and what bifurcation it is nearest to.
 *
 * Two different eigenvalues matter (docs/theory.md §8):
 * - the **channel eigenvalue**: the one that dominates the resolvent `(I − J*)⁻¹` of the fixed-point
 *   sNTK, i.e. the eigenvalue of `J*` nearest to `1` (maps; for flows the eigenvalue of `g_h`
 *   nearest `0`, the same mode). Only a real eigenvalue near 1 (folds, transcritical, pitchfork)
 *   makes `1/|1 − λ|` large; at Hopf / Neimark–Sacker / period doubling it stays bounded;
 * - the **critical eigenvalue**: the one nearest the stability boundary (largest |λ| for maps,
 *   largest Re λ for flows), which names the nearest bifurcation.
 */
import type { Model } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import type { Complex, EigenPair, TimeKind, BifurcationType, Criticality } from '../dynamics/index.js';
import {
  eigenPair,
  spectrumOf,
  growth,
  modelSystem,
  classifyRealCritical,
  hopfCoefficients,
  periodDoublingCoefficient,
  neimarkSackerCoefficient,
} from '../dynamics/index.js';
import { ConvergenceError, SingularMatrixError } from '../errors.js';

/** Why a point is not a clean codimension-one situation. */
export type Degeneracy =
  | 'double-critical' // two distinct modes (not a conjugate pair) equally close to criticality: codim 2
  | 'defective' // critical eigenvalue with lᵀr ≈ 0 (Jordan block, e.g. Bogdanov–Takens)
  | 'cusp' // real eigenvalue at 1 with a ≈ 0 and b₃ ≈ 0
  | 'bautin' // Hopf with ℓ₁ ≈ 0
  | 'degenerate-period-doubling' // c ≈ 0
  | 'degenerate-neimark-sacker'; // d ≈ 0

/** What `classifyNearest` decides. */
export interface NearestBifurcation {
  /** The codimension-one bifurcation this point is nearest to, `'degenerate'` for a codim-2 point. */
  type: BifurcationType | 'degenerate';
  /** Set when `type` is `'degenerate'`. */
  degeneracy?: Degeneracy;
  criticality: Criticality;
  /** The critical eigenvalue (nearest the stability boundary). */
  eigenvalue: Complex;
  /** Distance of the critical eigenvalue to the stability boundary: `1 − |λ|` (maps), `−Re λ` (flows). */
  distance: number;
  /** Distance of the next distinct mode (the conjugate excluded). */
  nextDistance: number;
  /** Normal-form coefficients used (a, b3, beta for real; l1, omega, c1Re, c1Im for Hopf; c; d). */
  coefficients: Record<string, number>;
}

/** Options of `classifyNearest`. */
export interface ClassifyOptions {
  time?: TimeKind;
  /** Two modes whose distances to criticality are within this ratio count as codim 2 (default 3). */
  codim2Ratio?: number;
  /** Only points with distance to criticality ≤ nearTol can be codim-2 'double-critical' (default 0.1). */
  nearTol?: number;
  /** Absolute tolerance below which a normal-form coefficient counts as zero (default 1e-8). */
  coefficientTol?: number;
  /**
   * Pitchfork vs saddle-node at a real mode, decided by the dynamics layer's one classifier
   * (`classifyRealCritical`): a symmetry of the system fixing `h*` and reversing the mode (odd,
   * swap of units, …) makes it a pitchfork; an odd system also on its symmetric pair of branches,
   * when `a² ≤ pitchforkRatio · |σ| · |b₃|` (in the normal form `z ↦ z + νμz + b₃z³`, a²/(σ|b₃|)
   * is 0 on the trivial branch and 9/2 on the branches; near a fold it grows like 1/σ). Default 20.
   */
  pitchforkRatio?: number;
}

/** Map-equivalent eigenvalues of the analysed Jacobian: `λ` of `J*` (maps) or of `g_h` (flows). */
/**
 * Eigenvalues ordered by their distance to the stability boundary, nearest first (|1 − |λ|| for
 * maps, |Re λ| for flows): at a saddle the mode about to bifurcate is the one closest to the
 * boundary, not the most unstable one. Ties: positive imaginary part first.
 */
function criticalSort(eig: Complex[], time: TimeKind): Complex[] {
  return eig.slice().sort((a, b) => Math.abs(growth(a, time)) - Math.abs(growth(b, time)) || b.im - a.im);
}

function isRealEig(l: Complex): boolean {
  return Math.abs(l.im) <= 1e-10 * Math.max(1, Math.abs(l.re));
}

/**
 * The Jacobian used by the dynamics of `time`: `J* = ∂f/∂h` (maps) or `g_h` (flows, from the
 * model's flow field). Cost O(N²) + one step.
 */
export function systemJacobian(model: Model, hStar: Float64Array, xbar: Float64Array, time: TimeKind): Matrix {
  const sys = modelSystem(model, { input: xbar, time });
  return sys.jacobian(hStar, 0);
}

/**
 * Classifies the bifurcation nearest to the fixed point `hStar` (constant input `xbar`) from its
 * spectrum and normal-form coefficients (dynamics layer): a real critical eigenvalue near 1 (maps)
 * / 0 (flows) gives saddle-node, transcritical (unfolding `‖B*ᵀl‖ ≈ 0`, `a ≠ 0`) or pitchfork
 * (see `pitchforkRatio`); near −1 period doubling; a complex pair Hopf (flows) or Neimark–Sacker
 * (maps). Two modes equally critical, a defective eigenvalue, or a vanishing leading coefficient
 * give `type: 'degenerate'` with the reason. Cost O(N³).
 *
 * @param model - the network.
 * @param hStar - a converged fixed point (length `N`; its residual is not checked here).
 * @param xbar - the constant input (length `D`).
 * @param opts - map or flow time and the thresholds that decide degeneracy.
 * @returns the bifurcation type (or `'degenerate'` with the reason), criticality, the critical
 *   eigenvalue, its distance to the boundary and the normal-form coefficients (docs/theory.md §7–§8).
 * @throws {@link sntk!ConvergenceError} when an eigensolver fails for another reason than a defective
 *   mode (defective and singular modes are returned as `'degenerate'`, not thrown).
 */
export function classifyNearest(model: Model, hStar: Float64Array, xbar: Float64Array, opts: ClassifyOptions = {}): NearestBifurcation {
  const time = opts.time ?? 'discrete';
  const sys = modelSystem(model, { input: xbar, time });
  const J = sys.jacobian(hStar, 0);
  const spec = spectrumOf(J, time);
  const eig = criticalSort(spec.eigenvalues, time);
  const lc = eig[0]!;
  const distance = -growth(lc, time);
  // next distinct mode: skip the conjugate of a complex critical eigenvalue
  let next: Complex | undefined;
  for (let i = 1; i < eig.length; i++) {
    const e = eig[i]!;
    if (!isRealEig(lc) && Math.abs(e.re - lc.re) <= 1e-9 * Math.max(1, Math.abs(lc.re)) && Math.abs(e.im + lc.im) <= 1e-9 * Math.max(1, Math.abs(lc.im))) continue;
    next = e;
    break;
  }
  const nextDistance = next ? -growth(next, time) : Infinity;
  const ratio = opts.codim2Ratio ?? 3;
  const ctol = opts.coefficientTol ?? 1e-8;
  const base = { eigenvalue: lc, distance, nextDistance };
  const degenerate = (degeneracy: Degeneracy, coefficients: Record<string, number> = {}): NearestBifurcation => ({
    ...base,
    type: 'degenerate',
    degeneracy,
    criticality: 'degenerate',
    coefficients,
  });
  if (Math.abs(distance) <= (opts.nearTol ?? 0.1) && Math.abs(nextDistance) <= ratio * Math.abs(distance) + 1e-9) return degenerate('double-critical');
  const lamPos: Complex = lc.im < 0 ? { re: lc.re, im: -lc.im } : lc;
  try {
    if (isRealEig(lc)) {
      const lam = lc.re;
      const nearPlus = time === 'continuous' || lam > 0;
      if (!nearPlus) {
        const k = periodDoublingCoefficient(sys, hStar, 0, J, lam);
        if (Math.abs(k.c) <= ctol) return degenerate('degenerate-period-doubling', { c: k.c });
        return { ...base, type: 'period-doubling', criticality: k.c > 0 ? 'supercritical' : 'subcritical', coefficients: { c: k.c } };
      }
      const sigma = time === 'discrete' ? 1 - lam : -lam;
      const ctx = { sys, h: hStar, s: 0, J, lambda: lam, sigma, pitchforkRatio: opts.pitchforkRatio ?? 20 };
      const first = classifyRealCritical(ctx);
      const k = first.coefficients;
      const coefficients = { a: k.a, b3: k.b3, beta: k.beta };
      if (Math.abs(k.a) <= ctol && Math.abs(k.b3) <= ctol) return degenerate('cusp', coefficients);
      if (first.type === 'pitchfork') return { ...base, type: 'pitchfork', criticality: first.criticality, coefficients };
      const unfold = unfoldingNorm(model, hStar, xbar, k.pair.left.re);
      const type = unfold.ratio <= 1e-10 ? 'transcritical' : 'saddle-node';
      return { ...base, type, criticality: null, coefficients };
    }
    if (time === 'continuous') {
      const k = hopfCoefficients(sys, hStar, 0, J, lamPos);
      const coefficients = { l1: k.l1, omega: k.omega, c1Re: k.c1.re, c1Im: k.c1.im };
      if (Math.abs(k.l1) <= ctol) return degenerate('bautin', coefficients);
      return { ...base, type: 'hopf', criticality: k.l1 < 0 ? 'supercritical' : 'subcritical', coefficients };
    }
    const k = neimarkSackerCoefficient(sys, hStar, 0, J, lamPos);
    if (Math.abs(k.d) <= ctol) return degenerate('degenerate-neimark-sacker', { d: k.d, theta: k.theta });
    return { ...base, type: 'neimark-sacker', criticality: k.d < 0 ? 'supercritical' : 'subcritical', coefficients: { d: k.d, theta: k.theta } };
  } catch (err) {
    if (err instanceof ConvergenceError && /defective/.test(err.message)) return degenerate('defective');
    if (err instanceof SingularMatrixError) return degenerate('defective');
    throw err;
  }
}

/** `‖B*ᵀ l‖` and its ratio to `‖B*‖_F ‖l‖` (B* = ∂f/∂θ at the point). Cost O(N·P). */
function unfoldingNorm(model: Model, hStar: Float64Array, xbar: Float64Array, l: Float64Array): { norm: number; ratio: number } {
  const theta = model.params.subarray(0, model.layout.cellSize);
  const c = model.cell.forward(theta, hStar, xbar);
  const g = new Float64Array(model.layout.cellSize);
  model.cell.vjpTheta(theta, c, l, g);
  const Bs = model.cell.jacobianTheta(theta, c);
  let bn = 0;
  for (const v of Bs.data) bn += v * v;
  let ln = 0;
  for (const v of l) ln += v * v;
  let gn = 0;
  for (const v of g) gn += v * v;
  const norm = Math.sqrt(gn);
  return { norm, ratio: norm / Math.max(Math.sqrt(bn * ln), Number.MIN_VALUE) };
}

/**
 * The channel mode: the eigenvalue of `J* = ∂f/∂h` nearest to the stability boundary among real and
 * complex ones (`||λ| − 1|` for maps; for flows `|Re λ − 1|`, i.e. `|Re μ|` of `μ = (λ − 1)/α`),
 * ties to the one nearest 1, with right/left eigenvectors (`‖r‖ = 1`, `lᵀr = 1`; for a complex
 * pair the member with Im λ > 0, and the channel has rank two). Throws ConvergenceError for a
 * defective eigenvalue. Cost O(N³).
 */
export function channelMode(Jmap: Matrix, time: TimeKind = 'discrete'): EigenPair {
  const spec = spectrumOf(Jmap, 'discrete');
  const boundary = (e: Complex) => (time === 'discrete' ? Math.abs(Math.hypot(e.re, e.im) - 1) : Math.abs(e.re - 1));
  let best = spec.eigenvalues[0]!;
  let bd = Infinity, b1 = Infinity;
  for (const e of spec.eigenvalues) {
    const d = boundary(e);
    const d1 = Math.hypot(1 - e.re, e.im);
    const tol = 1e-12 * Math.max(1, Math.hypot(e.re, e.im));
    if (d < bd - tol || (Math.abs(d - bd) <= tol && (d1 < b1 - tol || (Math.abs(d1 - b1) <= tol && e.im > best.im)))) {
      bd = d;
      b1 = d1;
      best = e;
    }
  }
  const lam: Complex = isRealEig(best) ? { re: best.re, im: 0 } : { re: best.re, im: Math.abs(best.im) };
  return eigenPair(Jmap, lam);
}

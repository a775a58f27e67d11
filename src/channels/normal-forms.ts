/**
 * Normal-form predictions (docs/theory.md §9; coefficients §7; checked in the tests).
 * Coefficients follow the dynamics layer: on the centre manifold `z = lᵀ(h − h*)` (`lᵀr = 1`,
 * `‖r‖ = 1`) the reduced dynamics is `z ↦ z + F(z, μ)` (maps) or `ż = F(z, μ)` (flows) with
 * - saddle-node    `F = βμ + a z²`:     `z*² = −βμ/a`, `σ = 2|a z*|`, `κ = (dz* / dμ)² = |β|/(4|a||μ|)`;
 * - transcritical  `F = νμ z + a z²`:   `z* = −νμ/a` (`κ = (ν/a)²`, bounded); the symmetry-breaking
 *   unfolding `β` on the trivial branch gives `κ = β²/(νμ)² = β²/σ²`;
 * - pitchfork      `F = νμ z + b₃ z³`:  `z*² = −νμ/b₃`, `σ = 2|νμ|`, `κ = |ν|/(4|b₃||μ|)`;
 *   trivial branch with imperfection `β`: `κ = β²/(νμ)²`;
 * - Hopf (flows)   `ż = (νμ + iω)z + c₁|z|²z`: `ρ*² = −νμ/Re c₁`, `(dρ* / dμ)² = |ν|/(4|Re c₁||μ|)`;
 * - period doubling (maps) `z ↦ −(1+νμ)z + c z³`: 2-cycle `z*² = νμ/c`, multiplier of `f²` on it
 *   `1 − 4νμ`, `(dz* / dμ)² = |ν|/(4|c||μ|)`.
 * `κ(μ)` is the fixed-point sNTK restricted to the path direction in the centre coordinate
 * (`dh* / dμ ≈ r dz* / dμ`, `‖r‖ = 1`), to leading order in μ.
 */
import { InputError } from '../errors.js';
import type { BifurcationType, ParamSystem } from '../dynamics/index.js';
import { eigenPair } from '../dynamics/index.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { solve } from '../linalg/index.js';

/** A normal-form prediction along a one-parameter unfolding μ. */
export interface NormalFormPrediction {
  type: BifurcationType;
  /** Which branch `kappa` describes. */
  branch: 'nontrivial' | 'trivial' | 'cycle';
  /** Coefficients and the constant `C` of `κ ≈ C |μ|^exponent`. */
  constants: Record<string, number>;
  /** Exponent of `κ` in `|μ|` on the predicted side (−1, −2, or 0 for bounded). */
  exponent: number;
  /** Sign of μ on which the branch exists (±1; 0 on both sides). */
  side: number;
  /** Equilibria / amplitudes at μ (empty where the branch does not exist). */
  equilibria(mu: number): number[];
  /** Distance to criticality on the branch at μ (NaN where it does not exist). */
  sigma(mu: number): number;
  /** `|dz* / dμ|` (or `|dρ* / dμ|`) on the branch at μ (NaN where it does not exist). */
  sensitivity(mu: number): number;
  /** Predicted restricted kernel `κ(μ)`; NaN where the branch does not exist. */
  kappa(mu: number): number;
}

function nonzero(v: number, what: string): void {
  if (!Number.isFinite(v) || v === 0) throw new InputError(`normal-form prediction: ${what} must be finite and non-zero, got ${v}`);
}

/**
 * Saddle-node `F = βμ + a z²`; the branch is the stable (for maps/flows σ > 0) one. O(1) per call.
 *
 * @param c - the quadratic coefficient `a` and the unfolding `β` (docs/theory.md §7, §9).
 * @returns the branch `z*(μ)`, `σ(μ)`, `|dz* / dμ|` and `κ(μ) = |β| / (4|a||μ|)` with exponent −1.
 * @throws {@link sntk!InputError} when `a` or `β` is zero or not finite.
 */
export function saddleNodePrediction(c: { a: number; beta: number }): NormalFormPrediction {
  nonzero(c.a, 'a');
  nonzero(c.beta, 'β');
  const { a, beta } = c;
  const zStar = (mu: number): number => {
    const q = (-beta * mu) / a;
    return q > 0 ? -Math.sign(a) * Math.sqrt(q) : NaN;
  };
  const C = Math.abs(beta) / (4 * Math.abs(a));
  return {
    type: 'saddle-node',
    branch: 'nontrivial',
    constants: { a, beta, C },
    exponent: -1,
    side: -Math.sign(beta / a),
    equilibria: (mu) => {
      const q = (-beta * mu) / a;
      return q > 0 ? [-Math.sqrt(q), Math.sqrt(q)] : q === 0 ? [0] : [];
    },
    sigma: (mu) => Math.abs(2 * a * zStar(mu)),
    sensitivity: (mu) => Math.abs(beta / (2 * a * zStar(mu))),
    kappa: (mu) => (Number.isNaN(zStar(mu)) ? NaN : C / Math.abs(mu)),
  };
}

/**
 * Transcritical `F = νμz + az²`. `branch: 'nontrivial'` → `z* = −νμ/a`, bounded κ = (ν/a)²;
 * `'trivial'` with the symmetry-breaking unfolding `beta` → κ = β²/(νμ)². O(1) per call.
 *
 * @param c - `a`, `ν`, and for the trivial branch the symmetry-breaking `β` (docs/theory.md §7, §9).
 * @returns the branch, `σ(μ)` and `κ(μ)` (bounded on the nontrivial branch, exponent −2 on the trivial one).
 * @throws {@link sntk!InputError} when a needed coefficient is zero or not finite.
 */
export function transcriticalPrediction(c: { a: number; nu: number; beta?: number; branch?: 'nontrivial' | 'trivial' }): NormalFormPrediction {
  nonzero(c.a, 'a');
  nonzero(c.nu, 'ν');
  const { a, nu } = c;
  const branch = c.branch ?? 'nontrivial';
  const beta = c.beta ?? 0;
  if (branch === 'trivial') nonzero(beta, 'β (symmetry-breaking unfolding)');
  return {
    type: 'transcritical',
    branch,
    constants: branch === 'trivial' ? { a, nu, beta, C: (beta * beta) / (nu * nu) } : { a, nu, C: (nu * nu) / (a * a) },
    exponent: branch === 'trivial' ? -2 : 0,
    side: 0,
    equilibria: (mu) => [0, (-nu * mu) / a],
    sigma: (mu) => Math.abs(nu * mu),
    sensitivity: (mu) => (branch === 'trivial' ? Math.abs(beta / (nu * mu)) : Math.abs(nu / a)),
    kappa: (mu) => (branch === 'trivial' ? (beta * beta) / (nu * mu) ** 2 : (nu * nu) / (a * a)),
  };
}

/**
 * Pitchfork `F = νμz + b₃z³`: `branch: 'nontrivial'` (default) → `κ = |ν|/(4|b₃||μ|)` where
 * `z*² = −νμ/b₃ > 0`; `'trivial'` with imperfection `beta` → `κ = β²/(νμ)²`. O(1) per call.
 *
 * @param c - the coefficients `b₃` and `ν` (and the imperfection `β` for the trivial branch) from
 *   the dynamics layer's normal form (docs/theory.md §7, §9).
 * @returns `z*(μ)`, `σ(μ)`, `|dz* / dμ|` and `κ(μ)` with the exponent (−1 on the branch, −2 trivial).
 * @throws {@link sntk!InputError} when a coefficient is zero or not finite.
 */
export function pitchforkPrediction(c: { b3: number; nu: number; beta?: number; branch?: 'nontrivial' | 'trivial' }): NormalFormPrediction {
  nonzero(c.b3, 'b₃');
  nonzero(c.nu, 'ν');
  const { b3, nu } = c;
  const branch = c.branch ?? 'nontrivial';
  const beta = c.beta ?? 0;
  if (branch === 'trivial') nonzero(beta, 'β (imperfection)');
  const q = (mu: number): number => (-nu * mu) / b3;
  const C = Math.abs(nu) / (4 * Math.abs(b3));
  if (branch === 'trivial') {
    return {
      type: 'pitchfork',
      branch,
      constants: { b3, nu, beta, C: (beta * beta) / (nu * nu) },
      exponent: -2,
      side: 0,
      equilibria: () => [0],
      sigma: (mu) => Math.abs(nu * mu),
      sensitivity: (mu) => Math.abs(beta / (nu * mu)),
      kappa: (mu) => (beta * beta) / (nu * mu) ** 2,
    };
  }
  return {
    type: 'pitchfork',
    branch,
    constants: { b3, nu, C },
    exponent: -1,
    side: -Math.sign(nu / b3),
    equilibria: (mu) => (q(mu) > 0 ? [-Math.sqrt(q(mu)), 0, Math.sqrt(q(mu))] : [0]),
    sigma: (mu) => (q(mu) > 0 ? 2 * Math.abs(nu * mu) : NaN),
    sensitivity: (mu) => (q(mu) > 0 ? Math.abs(nu / b3) / (2 * Math.sqrt(q(mu))) : NaN),
    kappa: (mu) => (q(mu) > 0 ? C / Math.abs(mu) : NaN),
  };
}

/**
 * Hopf `ż = (νμ + iω)z + c₁|z|²z` (ν = dRe λ/dμ): cycle radius `ρ* = √(−νμ/Re c₁)` in the normal-form
 * coordinate, radial contraction `σ = 2|νμ|`, `(dρ* / dμ)² = |ν|/(4|Re c₁||μ|)`. O(1) per call.
 *
 * @param c - `Re c₁`, `ω` and the crossing speed `ν` from {@link hopfCoefficients} (docs/theory.md §7, §9).
 * @returns the cycle radius, `σ`, `|dρ* / dμ|` and `κ(μ)` with exponent −1.
 * @throws {@link sntk!InputError} when `Re c₁` or `ν` is zero or not finite.
 */
export function hopfPrediction(c: { c1Re: number; c1Im?: number; omega: number; nu?: number }): NormalFormPrediction {
  nonzero(c.c1Re, 'Re c₁');
  const nu = c.nu ?? 1;
  nonzero(nu, 'ν');
  const q = (mu: number): number => (-nu * mu) / c.c1Re;
  const C = Math.abs(nu) / (4 * Math.abs(c.c1Re));
  return {
    type: 'hopf',
    branch: 'cycle',
    constants: { c1Re: c.c1Re, c1Im: c.c1Im ?? NaN, omega: c.omega, l1: c.c1Re / c.omega, nu, C },
    exponent: -1,
    side: -Math.sign(nu / c.c1Re),
    equilibria: (mu) => (q(mu) > 0 ? [Math.sqrt(q(mu))] : []),
    sigma: (mu) => (q(mu) > 0 ? 2 * Math.abs(nu * mu) : NaN),
    sensitivity: (mu) => (q(mu) > 0 ? Math.abs(nu / c.c1Re) / (2 * Math.sqrt(q(mu))) : NaN),
    kappa: (mu) => (q(mu) > 0 ? C / Math.abs(mu) : NaN),
  };
}

/**
 * Period doubling `z ↦ −(1+νμ)z + cz³`: 2-cycle `z*² = νμ/c`, `κ = |ν|/(4|c||μ|)`. O(1) per call.
 *
 * @param c - the cubic coefficient `c` and the crossing speed `ν` (docs/theory.md §7, §9).
 * @returns the 2-cycle `z*(μ)`, the distance to criticality and `κ(μ)` with exponent −1.
 * @throws {@link sntk!InputError} when `c` or `ν` is zero or not finite.
 */
export function periodDoublingPrediction(c: { c: number; nu?: number }): NormalFormPrediction {
  nonzero(c.c, 'c');
  const nu = c.nu ?? 1;
  nonzero(nu, 'ν');
  const q = (mu: number): number => (nu * mu) / c.c;
  const C = Math.abs(nu) / (4 * Math.abs(c.c));
  return {
    type: 'period-doubling',
    branch: 'cycle',
    constants: { c: c.c, nu, C },
    exponent: -1,
    side: Math.sign(nu / c.c),
    equilibria: (mu) => (q(mu) > 0 ? [-Math.sqrt(q(mu)), Math.sqrt(q(mu))] : []),
    sigma: (mu) => (q(mu) > 0 ? 4 * Math.abs(nu * mu) : NaN),
    sensitivity: (mu) => (q(mu) > 0 ? Math.abs(nu / c.c) / (2 * Math.sqrt(q(mu))) : NaN),
    kappa: (mu) => (q(mu) > 0 ? C / Math.abs(mu) : NaN),
  };
}

/**
 * The crossing speed `ν = d(λ − λ_c)/ds` (real part for a complex pair) of the critical eigenvalue
 * of a ParamSystem at a critical point `(h, s)` with Jacobian `J` (of f for maps, g for flows):
 * `ν = Re lᵀ(f_hs[r] + f_hh[r, h_s])`, `h_s` from the bordered system
 * `[[F_h, r], [lᵀ, 0]] [h_s; ξ] = [−F_s; 0]` (`lᵀr = 1`). Analytic; cost O(N³).
 */
export function crossingSpeed(sys: ParamSystem, h: Float64Array, s: number, J: Matrix, lambda: { re: number; im: number }): number {
  const N = sys.N;
  const pair = eigenPair(J, lambda);
  const r = pair.right, l = pair.left;
  const Fs = sys.ds(h, s);
  const n1 = N + 1;
  const M = zeros(n1, n1);
  const shift = sys.time === 'discrete' ? 1 : 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) M.data[i * n1 + j] = J.data[i * N + j]! - (i === j ? shift : 0);
    M.data[i * n1 + N] = r.re[i]!;
    M.data[N * n1 + i] = l.re[i]!;
  }
  const rhs = new Float64Array(n1);
  for (let i = 0; i < N; i++) rhs[i] = -Fs[i]!;
  let hs: Float64Array;
  if (lambda.im === 0) hs = solve(M, { rows: n1, cols: 1, data: rhs }).data.subarray(0, N).slice();
  else {
    // complex pair: F_h is invertible, h_s = −F_h⁻¹ F_s
    const A = zeros(N, N);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) A.data[i * N + j] = J.data[i * N + j]! - (i === j ? shift : 0);
    hs = solve(A, { rows: N, cols: 1, data: rhs.subarray(0, N).slice() }).data.slice();
  }
  const re = (u: Float64Array): Float64Array => {
    const a = sys.hessianS(h, s, u);
    const b = sys.hessian(h, s, u, hs);
    return a.map((v, i) => v + b[i]!);
  };
  const xr = re(r.re);
  const xi = lambda.im !== 0 ? re(r.im) : new Float64Array(N);
  let v = 0;
  for (let i = 0; i < N; i++) v += l.re[i]! * xr[i]! - l.im[i]! * xi[i]!;
  return v;
}

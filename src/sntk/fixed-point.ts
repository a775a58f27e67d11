/**
 * The fixed-point sNTK (docs/theory.md §4): at `h* = f(h*, x̄; θ)`,
 * `dh* / dθ = (I − J*)⁻¹ B*` with `J* = ∂f/∂h`, `B* = ∂f/∂θ` at `h*`, and
 * `sNTK_fp = (I − J*)⁻¹ B* B*ᵀ (I − J*)⁻ᵀ` (`N × N`).
 * For the flow of leaky/rate cells, `g = (f − h)/α`, so `−(∂g/∂h)⁻¹ ∂g/∂θ = (I − J*)⁻¹ B*`: the
 * flow's fixed-point sNTK is the same matrix (the α cancels); `time` is accepted for clarity.
 */
import type { Model } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { identity } from '../linalg/matrix.js';
import { generalEigen, solve, syrk } from '../linalg/index.js';
import { InputError, ShapeError, SingularMatrixError, assertFinite } from '../errors.js';

/** Result of `fixedPointSntk`. */
export interface FixedPointSntk {
  /** `sNTK_fp` (`N × N`). */
  K: Matrix;
  /** `dh* / dθ` (`N × P`). */
  sensitivity: Matrix;
  /** `J* = ∂f/∂h` at the point (`N × N`). */
  jacobian: Matrix;
  /** `‖f(h*) − h*‖∞`: how far the given point is from being fixed. */
  residual: number;
  /** `min_i |1 − λ_i(J*)|`: distance of the spectrum to criticality (1 for maps). */
  sigma: number;
}

/**
 * The fixed-point sNTK at `hStar` for constant input `xbar`. Throws InputError when `hStar` is not a
 * fixed point to `tol` (default 1e-8, ∞-norm of the residual), SingularMatrixError when `I − J*` is
 * singular (the point sits exactly at a bifurcation, where the kernel is infinite).
 * Cost O(N³ + N²·P).
 *
 * @param model - the network; the kernel is over its `P` cell parameters.
 * @param hStar - the fixed point (length `N`).
 * @param xbar - the constant input (length `D`).
 * @returns the `N × N` kernel `(I − J*)⁻¹ B* B*ᵀ (I − J*)⁻ᵀ` with `S = dh* / dθ` (docs/theory.md §4).
 * @throws {@link sntk!InputError} when `hStar` is not a fixed point to `tol`.
 * @throws {@link sntk!SingularMatrixError} when `I − J*` is singular (exactly at a bifurcation).
 */
export function fixedPointSntk(
  model: Model,
  hStar: Float64Array,
  xbar: Float64Array,
  opts: { tol?: number; time?: 'discrete' | 'continuous' } = {},
): FixedPointSntk {
  const { N, D } = model.cell;
  if (hStar.length !== N) throw new ShapeError(`fixed point has length ${hStar.length}, expected hiddenSize = ${N}`);
  if (xbar.length !== D) throw new ShapeError(`constant input has length ${xbar.length}, expected inputSize = ${D}`);
  assertFinite(hStar, 'fixed point h*');
  assertFinite(xbar, 'constant input x̄');
  const theta = model.params.subarray(0, model.layout.cellSize);
  const c = model.cell.forward(theta, hStar, xbar);
  let residual = 0;
  for (let i = 0; i < N; i++) residual = Math.max(residual, Math.abs(c.out[i]! - hStar[i]!));
  const tol = opts.tol ?? 1e-8;
  if (!(residual <= tol)) {
    throw new InputError(`the given state is not a fixed point: ‖f(h*) − h*‖∞ = ${residual.toExponential(3)} > ${tol}`);
  }
  const Jstar = model.cell.jacobianH(theta, c);
  const Bstar = model.cell.jacobianTheta(theta, c);
  const eig = generalEigen(Jstar, { vectors: false });
  let sigma = Infinity;
  for (let i = 0; i < N; i++) sigma = Math.min(sigma, Math.hypot(1 - eig.re[i]!, eig.im[i]!));
  let scale = 1;
  for (let i = 0; i < N; i++) scale = Math.max(scale, Math.hypot(eig.re[i]!, eig.im[i]!));
  if (sigma <= 64 * Number.EPSILON * scale) {
    throw new SingularMatrixError(
      `I − J* is singular (an eigenvalue of J* is 1 to working precision, σ = ${sigma.toExponential(2)}): ` +
        `the fixed point sits exactly at a bifurcation, where the fixed-point sNTK is infinite`,
    );
  }
  const A = identity(N);
  for (let i = 0; i < N * N; i++) A.data[i] -= Jstar.data[i]!;
  const S = solve(A, Bstar);
  return { K: syrk(S), sensitivity: S, jacobian: Jstar, residual, sigma };
}

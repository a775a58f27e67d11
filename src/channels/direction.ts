/** The dominant parameter direction: top right singular vector of the state Jacobian `J = dH/dθ`. */
import type { Model, Trajectory } from '../models/types.js';
import { fisherOperator } from '../sntk/operators.js';
import { lanczosTopK } from '../linalg/iterative/lanczos.js';
import { ShapeError } from '../errors.js';

/** Result of `dominantDirection`. */
export interface DominantDirection {
  /** Unit P-vector `u` (sign: largest-magnitude entry positive). */
  direction: Float64Array;
  /** `‖J u‖² = λ_max(JᵀJ)` (the restricted kernel along u). */
  kappa: number;
  matvecs: number;
  converged: boolean;
}

/**
 * Top right singular vector of `J` by Lanczos on `JᵀJ` (one JVP + one VJP per step), warm-started
 * from `init` (e.g. the previous direction, or `B*ᵀl` from `channelDecomposition`). Cost
 * `matvecs × O(B·T·(N² + P))`.
 *
 * @param model - the network (`P` cell parameters).
 * @param traj - a trajectory of `model`.
 * @param opts - warm start `init` (length `P`), tolerance, matvec budget, seed.
 * @returns the unit direction `u` (length `P`), `kappa = ‖J u‖²` (the top sNTK eigenvalue, the
 *   restricted kernel along `u`), the matvecs used and whether Lanczos converged (docs/theory.md §9).
 * @throws {@link sntk!ShapeError} when `init` has the wrong length.
 */
export function dominantDirection(model: Model, traj: Trajectory, opts: { init?: Float64Array; tol?: number; budget?: number; seed?: number } = {}): DominantDirection {
  const op = fisherOperator(model, traj);
  const P = op.rows;
  if (opts.init && opts.init.length !== P) throw new ShapeError(`init has length ${opts.init.length}, expected P = ${P}`);
  const r = lanczosTopK(
    { n: P, apply: (X) => op.matmat(X) },
    {
      k: 1,
      tol: opts.tol ?? 1e-10,
      requireConvergence: false,
      ...(opts.budget !== undefined ? { budget: opts.budget } : {}),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.init ? { init: { rows: P, cols: 1, data: opts.init.slice() } } : {}),
    },
  );
  const u = new Float64Array(P);
  for (let p = 0; p < P; p++) u[p] = r.vectors.data[p * r.vectors.cols]!;
  let k = 0;
  for (let p = 1; p < P; p++) if (Math.abs(u[p]!) > Math.abs(u[k]!)) k = p;
  if (u[k]! < 0) for (let p = 0; p < P; p++) u[p] = -u[p]!;
  return { direction: u, kappa: r.values[0]!, matvecs: r.matvecs, converged: r.converged };
}

/**
 * The weight-site factors of a trajectory, gathered once: for each site j, the stacked site
 * vectors `U_j` (`BT × L_j`, row `(b, t)`) and the diagonal factors `β_j` (`BT × N`). These are
 * everything the Kronecker core `K_θ` needs (docs/theory.md §3):
 * `K_θ[(bt,i),(b's,i')] = δ_{ii'} Σ_j β_j[bt,i] (u_j,bt · u_j,b's) β_j[b's,i]`.
 */
import type { Model, Trajectory } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { InputError } from '../errors.js';

/** Stacked site factors of one site. */
export interface SiteFactors {
  /** `BT × L` site vectors. */
  U: Matrix;
  /** `BT × N` diagonal factors `β`. */
  beta: Matrix;
}

/** Gathers the site factors of every step. Cost O(B·T·Σ_j(L_j + N)) time and memory. */
export function gatherSiteFactors(model: Model, traj: Trajectory): SiteFactors[] {
  const theta = model.params.subarray(0, model.layout.cellSize);
  const BT = traj.B * traj.T;
  const N = traj.N;
  let out: SiteFactors[] = [];
  for (let row = 0; row < BT; row++) {
    const sites = model.cell.sites(theta, traj.caches[row]!);
    if (sites === null) throw new InputError(`a ${model.spec.cell} cell has no weight sites: the Kronecker core K_θ does not apply (use the Jacobian form)`);
    if (row === 0) out = sites.map((s) => ({ U: zeros(BT, s.u.length), beta: zeros(BT, N) }));
    for (let j = 0; j < sites.length; j++) {
      const s = sites[j]!;
      const f = out[j]!;
      f.U.data.set(s.u, row * f.U.cols);
      f.beta.data.set(s.beta, row * N);
    }
  }
  return out;
}

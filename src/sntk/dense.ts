/**
 * Dense sNTK for small problems. Three routes to the same kernel (DESIGN.md §3):
 * - `jjt`: the Jacobian `J` (`M × P`) by forward sensitivities, then `J Jᵀ` (SYRK);
 * - `pkp`: the Kronecker core `K_θ` (`M × M`, from the weight sites) then `P K_θ Pᵀ` by block sweeps;
 * - the dual `Jᵀ J` (`P × P`), which has the same nonzero spectrum: used by `sntkSpectrum` when
 *   `P < M`, since the eigenproblem dominates the cost.
 * Every route checks the memory budget before allocating (see budget.ts).
 */
import type { Model, Trajectory } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { identity, zeros } from '../linalg/matrix.js';
import { syrk, symmetricEigen } from '../linalg/index.js';
import { denseJacobian } from './sensitivity.js';
import { gatherSiteFactors } from './site-gram.js';
import { applyCoreKernel, applyPropagator } from './operators.js';
import { checkDenseBudget, memoryBudget } from './budget.js';

/** How to build a dense sNTK. */
export type DenseMethod = 'auto' | 'jjt' | 'pkp';

/** Problem sizes of a trajectory's sNTK. */
export interface SntkShape {
  /** Rows `M = B·T·N`. */
  rows: number;
  /** Cell parameters `P`. */
  params: number;
  B: number;
  T: number;
  N: number;
  /** Total site length `Σ_j L_j` (Kronecker core). */
  siteLength: number;
}

/** The sizes that the cost model needs. Cost O(1) (reads one step's sites). */
export function sntkShape(model: Model, traj: Trajectory): SntkShape {
  const theta = model.params.subarray(0, model.layout.cellSize);
  const sites = model.cell.sites(theta, traj.caches[0]!);
  return {
    rows: traj.B * traj.T * traj.N,
    params: model.layout.cellSize,
    B: traj.B,
    T: traj.T,
    N: traj.N,
    siteLength: sites.reduce((s, x) => s + x.u.length, 0),
  };
}

/** Estimated flops of each dense route (used by `auto`; documented so users can see the choice). */
export function denseCosts(s: SntkShape): { jjt: number; pkp: number; dualEig: number; fullEig: number } {
  const { rows: M, params: P, B, T, N, siteLength: L } = s;
  const jac = 2 * B * T * N * N * P;
  return {
    jjt: jac + M * M * P,
    // core: per site Uᵀ(βY) and U(·) for Y = M columns → 4·BT·L·N·M; two propagator passes 2·(2·BT·N²·M)
    pkp: 4 * B * T * L * N * M + 4 * B * T * N * N * M,
    dualEig: jac + P * P * M + 9 * P ** 3,
    fullEig: 9 * M ** 3,
  };
}

/** Chooses `jjt` or `pkp` for a dense `M × M` kernel by the cost model. */
export function chooseDenseMethod(s: SntkShape): 'jjt' | 'pkp' {
  const c = denseCosts(s);
  return c.pkp < c.jjt ? 'pkp' : 'jjt';
}

/**
 * The dense sNTK `J Jᵀ` (`M × M`, rows `(b,t,i)`), by the chosen route (`auto`: cheapest by
 * `denseCosts`). Throws MemoryBudgetError before allocating more than the budget.
 * Cost: see `denseCosts`; memory O(M²) (+ O(M·P) for `jjt`).
 */
export function denseSntk(
  model: Model,
  traj: Trajectory,
  opts: { method?: DenseMethod; memoryBudget?: number } = {},
): { K: Matrix; method: 'jjt' | 'pkp' } {
  const shape = sntkShape(model, traj);
  const M = shape.rows;
  // Peak float64 counts of the two routes (measured RSS: the propagator's passes hold about five
  // M×M buffers at once before the collector runs; J Jᵀ holds the kernel, J and J's build buffers).
  const jjtDoubles = M * M + 2 * M * shape.params;
  const pkpDoubles = 6 * M * M;
  let method = !opts.method || opts.method === 'auto' ? chooseDenseMethod(shape) : opts.method;
  // auto: the cheaper route when it fits the budget, else the one that does
  if ((!opts.method || opts.method === 'auto') && method === 'pkp' && 8 * pkpDoubles > memoryBudget(opts.memoryBudget) && jjtDoubles < pkpDoubles) method = 'jjt';
  if (method === 'jjt') {
    checkDenseBudget(jjtDoubles, `the dense sNTK (${M}×${M}) with its Jacobian (${M}×${shape.params})`, opts.memoryBudget);
    const J = denseJacobian(model, traj, opts);
    return { K: syrk(J), method };
  }
  checkDenseBudget(pkpDoubles, `the dense sNTK (${M}×${M}) by P K_θ Pᵀ (M×M buffers of the propagator passes)`, opts.memoryBudget);
  // Each M×M intermediate is dropped as soon as the next exists (the collector may still lag).
  let K0: Matrix | null = applyCoreKernel(gatherSiteFactors(model, traj), traj.N, identity(M));
  // X = P K_θ; sNTK = X Pᵀ = (P Xᵀ)ᵀ, and K_θ symmetric ⇒ Xᵀ = K_θ Pᵀ.
  const X = applyPropagator(model, traj, K0, false);
  K0 = null;
  transposeSquareInPlace(X);
  const K = applyPropagator(model, traj, X, false);
  symmetrize(K);
  return { K, method };
}

/** The dense Kronecker core `K_θ` (`M × M`) from the weight sites. Cost O(Σ_j BT·L_j·N·M). */
export function denseCoreKernel(model: Model, traj: Trajectory, opts: { memoryBudget?: number } = {}): Matrix {
  const M = traj.B * traj.T * traj.N;
  checkDenseBudget(2 * M * M, `the dense core kernel K_θ (${M}×${M})`, opts.memoryBudget);
  return applyCoreKernel(gatherSiteFactors(model, traj), traj.N, identity(M));
}

/** Transposes a square matrix in place. Cost O(n²), no allocation. */
function transposeSquareInPlace(A: Matrix): void {
  const n = A.rows;
  const d = A.data;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = d[i * n + j]!;
      d[i * n + j] = d[j * n + i]!;
      d[j * n + i] = v;
    }
  }
}

function symmetrize(A: Matrix): void {
  const n = A.rows;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = 0.5 * (A.data[i * n + j]! + A.data[j * n + i]!);
      A.data[i * n + j] = v;
      A.data[j * n + i] = v;
    }
  }
}

/** Result of `sntkSpectrum`. */
export interface SntkSpectrum {
  /** The `min(M, P)` eigenvalues that can be nonzero, descending (the rest of the sNTK's are 0). */
  values: Float64Array;
  /** Which Gram matrix was diagonalised: `'JtJ'` (`P × P`) or `'JJt'` (`M × M`). */
  via: 'JtJ' | 'JJt';
  rows: number;
  params: number;
}

/**
 * The sNTK's spectrum through the smaller of `Jᵀ J` (`P × P`) and `J Jᵀ` (`M × M`) — same nonzero
 * eigenvalues. Cost O(B·T·N²·P) for `J`, O(min(M,P)²·max(M,P)) for the Gram, O(min(M,P)³) for the EVD.
 */
export function sntkSpectrum(model: Model, traj: Trajectory, opts: { memoryBudget?: number } = {}): SntkSpectrum {
  const shape = sntkShape(model, traj);
  const { rows: M, params: P } = shape;
  const n = Math.min(M, P);
  checkDenseBudget(M * P + 2 * n * n, `the sNTK spectrum (Jacobian ${M}×${P}, Gram ${n}×${n})`, opts.memoryBudget);
  const J = denseJacobian(model, traj, opts);
  const via = P < M ? 'JtJ' : 'JJt';
  const G = syrk(J, via === 'JtJ');
  const { values } = symmetricEigen(G, { vectors: false });
  const desc = Float64Array.from(values).reverse();
  return { values: desc, via, rows: M, params: P };
}

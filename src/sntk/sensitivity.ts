/**
 * Forward sensitivities `S_t = dh_t/dθ` (`N × P` per step) by the recursion
 * `S_t = J_t S_{t−1} + ∂f/∂θ|_t`, `S_0 = 0` (h0 fixed), with `J_t S_{t−1}` as one GEMM per step and
 * `∂f/∂θ|_t` added from the weight sites (no dense `N × P` per-step Jacobian is formed).
 * Rows of the stacked Jacobian `J = dH/dθ` (`M × P`, `M = B·T·N`) are ordered `(b, t, i)`.
 */
import type { Model, Trajectory } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { gemm, getBackend, largeZeros } from '../linalg/index.js';
import { checkDenseBudget } from './budget.js';
import { ShapeError } from '../errors.js';

/** Adds `∂f/∂θ` of one step (from its weight sites) into the `N × P` row-major block `S`. Cost O(P). */
export function addParamJacobian(model: Model, traj: Trajectory, row: number, S: Float64Array): void {
  const theta = model.params.subarray(0, model.layout.cellSize);
  const P = model.layout.cellSize;
  const N = traj.N;
  const sites = model.cell.sites(theta, traj.caches[row]!);
  if (sites === null) {
    // cells without weight sites: the dense step Jacobian ∂f/∂θ (N × P), cost O(N·P)
    const Jt = model.cell.jacobianTheta(theta, traj.caches[row]!).data;
    for (let k = 0; k < N * P; k++) S[k]! += Jt[k]!;
    return;
  }
  for (const site of sites) {
    const { u, beta } = site;
    for (const seg of site.segments) {
      const { offset, colStart, cols } = seg;
      for (let i = 0; i < N; i++) {
        const bi = beta[i]!;
        if (bi === 0) continue;
        const base = i * P + offset + i * cols;
        for (let c = 0; c < cols; c++) S[base + c]! += bi * u[colStart + c]!;
      }
    }
  }
}

function checkTraj(model: Model, traj: Trajectory): void {
  if (traj.N !== model.cell.N || traj.D !== model.cell.D || traj.caches.length !== traj.B * traj.T) {
    throw new ShapeError(`trajectory (N=${traj.N}, D=${traj.D}) does not belong to this model (N=${model.cell.N}, D=${model.cell.D})`);
  }
}

/**
 * The dense state Jacobian `J = dH/dθ` (`M × P`, rows `(b, t, i)`, columns the cell parameters in
 * flat order). Checks the memory budget first. Cost O(B·T·N²·P) flops (GEMMs), O(M·P) memory.
 *
 * @param model - the network (`P` cell parameters).
 * @param traj - a trajectory of `model` (`M = B·T·N` rows).
 * @param opts - the memory budget in bytes.
 * @returns `J`, a dense `M × P` float64 matrix (docs/theory.md §3).
 * @throws {@link sntk!MemoryBudgetError} when `M·P` entries exceed the budget.
 * @throws {@link sntk!ShapeError} when `traj` does not belong to `model`.
 */
export function denseJacobian(model: Model, traj: Trajectory, opts: { memoryBudget?: number } = {}): Matrix {
  checkTraj(model, traj);
  const { B, T, N } = traj;
  const P = model.layout.cellSize;
  const M = B * T * N;
  checkDenseBudget(M * P, `the dense Jacobian dH/dθ (${M}×${P})`, opts.memoryBudget);
  const J = largeZeros(M, P);
  const theta = model.params.subarray(0, P);
  const block = N * P;
  // Small per-step products (N·N·P below SMALL_STEP_GEMM) run faster on one BLAS thread: measured
  // on an AMD EPYC (2 cores, OpenBLAS 0.3.21), N = 32, P = 1120: 0.013 s on one thread vs 0.025 s
  // on two; N = 64, P = 4288: two threads win (0.53 s vs 0.83 s).
  const backend = getBackend();
  const restore = N * N * P < SMALL_STEP_GEMM && backend.setThreads ? backend.setThreads(1) : undefined;
  try {
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const row = b * T + t;
        const S = J.data.subarray(row * block, (row + 1) * block);
        if (t > 0) {
          const prev = { rows: N, cols: P, data: J.data.subarray((row - 1) * block, row * block) };
          const out = { rows: N, cols: P, data: S };
          // the cell's block JVP (one GEMM with W viewed on θ, then a row scaling) when it has one
          if (model.cell.jvpHBlock) model.cell.jvpHBlock(theta, traj.caches[row]!, prev, out, false);
          else gemm(model.cell.jacobianH(theta, traj.caches[row]!), prev, { out });
        }
        addParamJacobian(model, traj, row, S);
      }
    }
  } finally {
    if (restore !== undefined) backend.setThreads!(restore);
  }
  return J;
}

/** Per-step product size `N·N·P` below which `denseJacobian` runs the BLAS on one thread. */
const SMALL_STEP_GEMM = 4e6;

/**
 * Streams the forward sensitivities `S_t = dh_t/dθ` (`N × P`, row-major, cell parameters) of every
 * step in trial order, calling `visit(S, row)` with `row = b·T + t`; `S` is reused, so read it before
 * returning. O(N·P) memory. Throws ShapeError when `traj` does not belong to `model`.
 * Cost O(B·T·N²·P) flops.
 */
export function forEachSensitivity(model: Model, traj: Trajectory, visit: (S: Float64Array, row: number) => void): void {
  checkTraj(model, traj);
  const { B, T, N } = traj;
  const P = model.layout.cellSize;
  const theta = model.params.subarray(0, P);
  let a = new Float64Array(N * P);
  let c = new Float64Array(N * P);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      if (t === 0) c.fill(0);
      else {
        const Jt = model.cell.jacobianH(theta, traj.caches[row]!);
        gemm(Jt, { rows: N, cols: P, data: a }, { out: { rows: N, cols: P, data: c } });
      }
      addParamJacobian(model, traj, row, c);
      visit(c, row);
      const tmp = a;
      a = c;
      c = tmp;
    }
  }
}

/**
 * `‖J‖_F² = tr(sNTK)` exactly, streaming the forward sensitivities with O(N·P) memory.
 * Cost O(B·T·N²·P) flops: use it when that is affordable (see `exactTraceCost`).
 */
export function jacobianFrobeniusSquared(model: Model, traj: Trajectory): number {
  let total = 0;
  forEachSensitivity(model, traj, (c) => {
    let s = 0;
    for (let k = 0; k < c.length; k++) s += c[k]! * c[k]!;
    total += s;
  });
  return total;
}

/** Flop count of `jacobianFrobeniusSquared` / `denseJacobian` (≈ 2·B·T·N²·P). */
export function exactTraceCost(B: number, T: number, N: number, P: number): number {
  return 2 * B * T * N * N * P;
}

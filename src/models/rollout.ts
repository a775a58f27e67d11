/**
 * Batched rollouts and the Jacobian sweeps through time (docs/theory.md §3):
 * forward sensitivity `dH/dθ · u` (`(Pq)_t = q_t + J_t (Pq)_{t−1}`, `q_t = ∂f/∂θ u`) and BPTT
 * `(dH/dθ)ᵀ e` (`λ_t = e_t + J_{t+1}ᵀ λ_{t+1}`, grad `= Σ_t (∂f/∂θ)_tᵀ λ_t`).
 * Flat layouts as in types.ts: states/tangents `B × T × N`, inputs `B × T × D`, `h0` `B × N`.
 */
import type { Model, Trajectory, StepCache } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { getBackend } from '../linalg/index.js';
import { ShapeError, NonFiniteError, assertFinite } from '../errors.js';
import { hasBlockSweep, jvpBlockSweep, stackSites, vjpBlockSweep, type StackedSite } from './block-sweep.js';

/** Options of `rollout`. */
export interface RolloutOptions {
  B: number;
  T: number;
  /** Initial states `B × N` (default zeros). Not copied. */
  h0?: Float64Array;
}

/**
 * Rolls the model over inputs `X` (`B × T × D`, not copied) from `h0`; returns states
 * `H` (`B × T × N`) and one step cache per (b, t). Throws ShapeError on wrong lengths,
 * NonFiniteError on non-finite inputs or when the states blow up. Cost O(B·T·(N² + ND)) time,
 * O(B·T·N·c) memory (c ≈ 3 for vanilla/leaky/rate, 8 for GRU). See docs/theory.md §2–§3.
 *
 * @param model - the network (cell, flat parameters, readout).
 * @param X - inputs, `B·T·D` float64 values in row-major `(b, t, d)` order.
 * @param opts - `B` trials and `T` steps; optional initial states `h0` (`B·N`, default zeros).
 * @returns the trajectory: states `H` (`B·T·N`, row `(b, t, i)` is `h_{t+1}` of trial `b`) and the
 *   step caches the Jacobian sweeps and the sNTK use.
 * @throws {@link sntk!ShapeError} when `X` or `h0` has the wrong length.
 * @throws {@link sntk!NonFiniteError} on NaN/Inf inputs or states that overflow.
 * @example
 * ```ts
 * import { defineSpec, randomModel, rollout } from 'sntk';
 *
 * const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 8, inputSize: 2 }), 1);
 * const X = new Float64Array(3 * 20 * 2).fill(0.1); // B × T × D = 3 × 20 × 2
 * const traj = rollout(model, X, { B: 3, T: 20 });
 * console.log(traj.H.length); // prints: 480
 * ```
 */
export function rollout(model: Model, X: Float64Array, opts: RolloutOptions): Trajectory {
  const { B, T } = opts;
  const { cell } = model;
  const N = cell.N;
  const D = cell.D;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 1) {
    throw new ShapeError(`rollout: B and T must be positive integers, got B=${B}, T=${T}`);
  }
  if (X.length !== B * T * D) {
    throw new ShapeError(`rollout: inputs have length ${X.length}, expected B·T·D = ${B}·${T}·${D} = ${B * T * D}`);
  }
  assertFinite(X, 'rollout inputs X');
  const h0 = opts.h0 ?? new Float64Array(B * N);
  if (h0.length !== B * N) throw new ShapeError(`rollout: h0 has length ${h0.length}, expected B·N = ${B * N}`);
  assertFinite(h0, 'rollout initial state h0');
  const theta = model.params.subarray(0, model.layout.cellSize);
  const H = new Float64Array(B * T * N);
  const caches: StepCache[] = new Array(B * T);
  for (let b = 0; b < B; b++) {
    let h = h0.subarray(b * N, (b + 1) * N);
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      const out = H.subarray(row * N, (row + 1) * N);
      caches[row] = cell.forward(theta, h, X.subarray(row * D, (row + 1) * D), out);
      h = out;
    }
  }
  for (let i = 0; i < H.length; i++) {
    if (!Number.isFinite(H[i]!)) {
      const row = Math.floor(i / N);
      throw new NonFiniteError(
        `rollout diverged: state of trial ${Math.floor(row / T)} at step ${(row % T) + 1} is ${H[i]} (entry ${i % N})`,
      );
    }
  }
  return { B, T, N, D, h0, X, H, caches };
}

function cellTheta(model: Model): Float64Array {
  return model.params.subarray(0, model.layout.cellSize);
}

/** Accepts a tangent of length cellSize or size (readout part ignored); returns the cell part. */
function cellPart(model: Model, v: Float64Array, what: string): Float64Array {
  const { cellSize, size } = model.layout;
  if (v.length === cellSize) return v;
  if (v.length === size) return v.subarray(0, cellSize);
  throw new ShapeError(`${what} has length ${v.length}, expected ${cellSize} (cell parameters) or ${size} (all parameters)`);
}

function checkTraj(model: Model, traj: Trajectory): void {
  if (traj.N !== model.cell.N || traj.D !== model.cell.D || traj.caches.length !== traj.B * traj.T) {
    throw new ShapeError(`trajectory (N=${traj.N}, D=${traj.D}) does not belong to this model (N=${model.cell.N}, D=${model.cell.D})`);
  }
}

/** Forward sweep into `out` (B·T·N) for one cell tangent; `tmp` is N scratch. */
function jvpSweep(model: Model, traj: Trajectory, dth: Float64Array, out: Float64Array, tmp: Float64Array): void {
  const { cell } = model;
  const theta = cellTheta(model);
  const { B, T, N, caches } = traj;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      const c = caches[row]!;
      const o = out.subarray(row * N, (row + 1) * N);
      if (t === 0) o.fill(0);
      else cell.jvpH(theta, c, out.subarray((row - 1) * N, row * N), o);
      cell.jvpTheta(theta, c, dth, tmp);
      for (let i = 0; i < N; i++) o[i]! += tmp[i]!;
    }
  }
}

/**
 * Forward sensitivity `dH/dθ · dθ` (`B × T × N`) along a trajectory with `h0` held fixed.
 * `dtheta`: length cellSize (or size; the readout part is ignored). Cost one forward sweep,
 * O(B·T·(N² + P/N·N)) = O(B·T·P).
 *
 * @param model - the network.
 * @param traj - a trajectory of `model`.
 * @param dtheta - the parameter tangent, length `P` cell parameters (or the full length).
 * @returns `J dθ`, `B·T·N` values ordered `(b, t, i)` (docs/theory.md §3).
 * @throws {@link sntk!ShapeError} when `traj` or `dtheta` does not fit the model.
 */
export function trajectoryJvp(model: Model, traj: Trajectory, dtheta: Float64Array): Float64Array {
  checkTraj(model, traj);
  const dth = cellPart(model, dtheta, 'trajectoryJvp: dθ');
  const out = new Float64Array(traj.B * traj.T * traj.N);
  jvpSweep(model, traj, dth, out, new Float64Array(traj.N));
  return out;
}

/** Backward sweep: grad (cell, accumulated) += (dH/dθ)ᵀ E; optional dh0 (B·N) = (dH/dh0)ᵀ E. */
function vjpSweep(
  model: Model,
  traj: Trajectory,
  E: Float64Array,
  grad: Float64Array,
  lam: Float64Array,
  dh0: Float64Array | null,
): void {
  const { cell } = model;
  const theta = cellTheta(model);
  const { B, T, N, caches } = traj;
  for (let b = 0; b < B; b++) {
    lam.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const row = b * T + t;
      const c = caches[row]!;
      if (t < T - 1) cell.vjpH(theta, caches[row + 1]!, lam, lam);
      for (let i = 0; i < N; i++) lam[i]! += E[row * N + i]!;
      cell.vjpTheta(theta, c, lam, grad);
    }
    if (dh0) cell.vjpH(theta, caches[b * T]!, lam, dh0.subarray(b * N, (b + 1) * N));
  }
}

/** Options of `trajectoryVjp`. */
export interface TrajectoryVjpOptions {
  /** If given (length B·N), receives `(dH/dh0)ᵀ E` (overwritten). */
  dh0?: Float64Array;
}

/**
 * BPTT: `(dH/dθ)ᵀ E` for cotangents `E` (`B × T × N`); returns a new vector of length cellSize
 * (the readout does not affect H). Cost one backward sweep, O(B·T·P).
 *
 * @param model - the network.
 * @param traj - a trajectory of `model`.
 * @param E - cotangents, `B·T·N` values ordered `(b, t, i)`.
 * @param opts - where to accumulate the result.
 * @returns `Jᵀ E`, length `P` cell parameters (docs/theory.md §3).
 * @throws {@link sntk!ShapeError} when `traj` or `E` does not fit the model.
 */
export function trajectoryVjp(model: Model, traj: Trajectory, E: Float64Array, opts: TrajectoryVjpOptions = {}): Float64Array {
  checkTraj(model, traj);
  const M = traj.B * traj.T * traj.N;
  if (E.length !== M) throw new ShapeError(`trajectoryVjp: cotangent has length ${E.length}, expected B·T·N = ${M}`);
  if (opts.dh0 && opts.dh0.length !== traj.B * traj.N) {
    throw new ShapeError(`trajectoryVjp: dh0 has length ${opts.dh0.length}, expected B·N = ${traj.B * traj.N}`);
  }
  const grad = new Float64Array(model.layout.cellSize);
  vjpSweep(model, traj, E, grad, new Float64Array(traj.N), opts.dh0 ?? null);
  return grad;
}

/** How the block sweeps run. */
export type BlockSweepMethod = 'auto' | 'block' | 'columns';

/** Options of `trajectoryJvpBlock` / `trajectoryVjpBlock`. */
export interface BlockSweepOptions {
  /**
   * `'block'`: GEMM-shaped sweeps (block-sweep.ts; needs a cell with `jvpHBlock`/`vjpHBlock` and
   * a fixed site structure, else falls back to columns); `'columns'`: one single-vector sweep per
   * column (the reference); `'auto'` (default): block when available and `preferBlockSweep(N, k)`.
   */
  method?: BlockSweepMethod;
}

/**
 * Whether `'auto'` runs the GEMM-shaped block sweeps for hidden size N and k columns: with the
 * native backend when `N·k ≥ 64`; with the pure TypeScript backend when `k ≥ 4` and `N·k ≥ 1024`
 * (below that its GEMM's packing costs more than the single-vector kernels; measured, see
 * bench/sweeps.bench.ts). Cost O(1).
 */
export function preferBlockSweep(N: number, k: number): boolean {
  if (k < 2) return false;
  if (getBackend().name === 'native') return N * k >= 64;
  return k >= 4 && N * k >= 1024;
}

function useBlock(model: Model, traj: Trajectory, k: number, method: BlockSweepMethod): StackedSite[] | null {
  if (method === 'columns' || !hasBlockSweep(model.cell)) return null;
  if (method === 'auto' && !preferBlockSweep(traj.N, k)) return null;
  return stackSites(model, traj);
}

/**
 * Forward sensitivities of k tangents at once: `dthetas` is `P × k` (P = cellSize, or size with
 * the readout rows ignored); returns `(B·T·N) × k`. By default (`opts.method`, see
 * BlockSweepOptions) GEMM-shaped: one GEMM over all steps per weight site for the θ part and one
 * `N × N × k` GEMM per step for `J_t Y_{t−1}` (block-sweep.ts); otherwise one sweep per column.
 * Throws ShapeError on wrong shapes, NonFiniteError on NaN/Inf tangents. Cost O(k·B·T·P) flops.
 */
export function trajectoryJvpBlock(model: Model, traj: Trajectory, dthetas: Matrix, opts: BlockSweepOptions = {}): Matrix {
  checkTraj(model, traj);
  const { cellSize, size } = model.layout;
  if ((dthetas.rows !== cellSize && dthetas.rows !== size) || dthetas.data.length !== dthetas.rows * dthetas.cols) {
    throw new ShapeError(`trajectoryJvpBlock: tangents are ${dthetas.rows}×${dthetas.cols}, expected ${cellSize} (or ${size}) rows`);
  }
  const k = dthetas.cols;
  assertFinite(dthetas.data.subarray(0, cellSize * k), 'trajectoryJvpBlock tangents');
  const sites = useBlock(model, traj, k, opts.method ?? 'auto');
  if (sites) return jvpBlockSweep(model, traj, dthetas, sites);
  const M = traj.B * traj.T * traj.N;
  const P = cellSize;
  const col = new Float64Array(P);
  const res = new Float64Array(M);
  const tmp = new Float64Array(traj.N);
  const out = zeros(M, k);
  const d = dthetas.data;
  for (let j = 0; j < k; j++) {
    for (let p = 0; p < P; p++) col[p] = d[p * k + j]!;
    jvpSweep(model, traj, col, res, tmp);
    for (let m = 0; m < M; m++) out.data[m * k + j] = res[m]!;
  }
  return out;
}

/**
 * BPTT for k cotangents at once: `E` is `(B·T·N) × k`; returns `P × k` (P = cellSize). GEMM-shaped
 * by default (one transposed `N × N × k` GEMM per step, then one GEMM over all steps per weight
 * site for the θ-gradient; see trajectoryJvpBlock and BlockSweepOptions), else one sweep per
 * column. Throws ShapeError / NonFiniteError. Cost O(k·B·T·P) flops.
 */
export function trajectoryVjpBlock(model: Model, traj: Trajectory, E: Matrix, opts: BlockSweepOptions = {}): Matrix {
  checkTraj(model, traj);
  const M = traj.B * traj.T * traj.N;
  if (E.rows !== M || E.data.length !== E.rows * E.cols) {
    throw new ShapeError(`trajectoryVjpBlock: cotangents are ${E.rows}×${E.cols}, expected ${M} rows (B·T·N)`);
  }
  assertFinite(E.data, 'trajectoryVjpBlock cotangents');
  const k = E.cols;
  const sites = useBlock(model, traj, k, opts.method ?? 'auto');
  if (sites) return vjpBlockSweep(model, traj, E, sites);
  const P = model.layout.cellSize;
  const col = new Float64Array(M);
  const g = new Float64Array(P);
  const lam = new Float64Array(traj.N);
  const out = zeros(P, k);
  for (let j = 0; j < k; j++) {
    for (let m = 0; m < M; m++) col[m] = E.data[m * k + j]!;
    g.fill(0);
    vjpSweep(model, traj, col, g, lam, null);
    for (let p = 0; p < P; p++) out.data[p * k + j] = g[p]!;
  }
  return out;
}

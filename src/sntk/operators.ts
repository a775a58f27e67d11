/**
 * The sNTK as operators (DESIGN.md §3), applied without forming the `M × P` Jacobian:
 * - `jacobianOperator`: `J = dH/dθ` (`M × P`): JVP = forward sensitivity, VJP = BPTT;
 * - `propagatorOperator`: `P = (I − L)⁻¹` (`M × M`), `(Pq)_t = q_t + J_t (Pq)_{t−1}`;
 * - `coreKernelOperator`: the Kronecker core `K_θ = J_θ J_θᵀ` from the weight sites;
 * - `sntkOperator`: `J Jᵀ = P K_θ Pᵀ` (`M × M`, symmetric PSD);
 * - `fisherOperator`: the state-space Fisher `Jᵀ J` (`P × P`);
 * - `outputNtkOperator`: `(I ⊗ C) sNTK (I ⊗ C)ᵀ` (`B·T·O` rows), plus the readout's own term.
 * Rows are ordered `(b, t, i)` (`M = B·T·N`); parameters in the documented flat order (cell only).
 * One application costs one forward and/or one backward sweep, O(B·T·(N² + P)) per vector.
 */
import type { Model, Trajectory } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import type { LinearOperator } from '../operators/types.js';
import { zeros } from '../linalg/matrix.js';
import { gemm } from '../linalg/index.js';
import { makeOperator } from '../operators/make.js';
import {
  trajectoryJvp,
  trajectoryVjp,
  trajectoryJvpBlock,
  trajectoryVjpBlock,
} from '../models/index.js';
import { gatherSiteFactors, type SiteFactors } from './site-gram.js';
import { ShapeError } from '../errors.js';

function rowsOf(traj: Trajectory): number {
  return traj.B * traj.T * traj.N;
}

/** `J = dH/dθ` as an operator `M × P`. Cost per vector one sweep, O(B·T·(N² + P)). */
export function jacobianOperator(model: Model, traj: Trajectory): LinearOperator {
  const M = rowsOf(traj);
  const P = model.layout.cellSize;
  return makeOperator({
    rows: M,
    cols: P,
    label: `state Jacobian dH/dθ`,
    matvec: (x) => trajectoryJvp(model, traj, x),
    rmatvec: (y) => trajectoryVjp(model, traj, y),
    matmat: (X) => trajectoryJvpBlock(model, traj, X),
    rmatmat: (Y) => trajectoryVjpBlock(model, traj, Y),
  });
}

/**
 * Applies `P` (or `Pᵀ`) to a block `Q` (`M × k`) with one N×N-by-N×k GEMM per step (the cell's
 * block JVP/VJP when it has them). `inPlace`: overwrites and returns `Q` (no M×k copy).
 */
function applyPropagator(model: Model, traj: Trajectory, Q: Matrix, transpose: boolean, inPlace = false): Matrix {
  const { B, T, N, caches } = traj;
  const k = Q.cols;
  const theta = model.params.subarray(0, model.layout.cellSize);
  const { cell } = model;
  const Y = inPlace ? Q : { rows: Q.rows, cols: k, data: Q.data.slice() };
  const blk = N * k;
  const view = (row: number): Matrix => ({ rows: N, cols: k, data: Y.data.subarray(row * blk, (row + 1) * blk) });
  for (let b = 0; b < B; b++) {
    if (!transpose) {
      // Y_t = Q_t + J_t Y_{t-1}
      for (let t = 1; t < T; t++) {
        const row = b * T + t;
        if (cell.jvpHBlock) cell.jvpHBlock(theta, caches[row]!, view(row - 1), view(row), true);
        else gemm(cell.jacobianH(theta, caches[row]!), view(row - 1), { out: view(row), beta: 1 });
      }
    } else {
      // Y_t = Q_t + J_{t+1}ᵀ Y_{t+1}
      for (let t = T - 2; t >= 0; t--) {
        const row = b * T + t;
        if (cell.vjpHBlock) cell.vjpHBlock(theta, caches[row + 1]!, view(row + 1), view(row), true);
        else gemm(cell.jacobianH(theta, caches[row + 1]!), view(row + 1), { out: view(row), beta: 1, transA: true });
      }
    }
  }
  return Y;
}

/** The propagator `P = (I − L)⁻¹` (`M × M`); `rmatvec` is BPTT's adjoint recursion. Cost O(B·T·N²·k) per block. */
export function propagatorOperator(model: Model, traj: Trajectory): LinearOperator {
  const M = rowsOf(traj);
  return makeOperator({
    rows: M,
    cols: M,
    label: 'propagator P',
    matmat: (X) => applyPropagator(model, traj, X, false),
    rmatmat: (Y) => applyPropagator(model, traj, Y, true),
  });
}

/**
 * `K_θ Y` for a block from the site factors: per site, `Z = β ⊙ (U (Uᵀ (β ⊙ Y)))` with the
 * `(bt) × (i·k)` reshape, two GEMMs. Cost O(Σ_j B·T·L_j·N·k).
 */
export function applyCoreKernel(factors: readonly SiteFactors[], N: number, Y: Matrix): Matrix {
  const BT = Y.rows / N;
  const k = Y.cols;
  const Z = zeros(Y.rows, k);
  const nk = N * k;
  const scaled = new Float64Array(Y.rows * k);
  for (const { U, beta } of factors) {
    const bd = beta.data;
    for (let r = 0; r < BT; r++) {
      for (let i = 0; i < N; i++) {
        const bv = bd[r * N + i]!;
        const o = (r * N + i) * k;
        for (let c = 0; c < k; c++) scaled[o + c] = bv * Y.data[o + c]!;
      }
    }
    const S = { rows: BT, cols: nk, data: scaled };
    const A = gemm(U, S, { transA: true }); // L × (N k)
    const V = gemm(U, A); // BT × (N k)
    for (let r = 0; r < BT; r++) {
      for (let i = 0; i < N; i++) {
        const bv = bd[r * N + i]!;
        const o = (r * N + i) * k;
        for (let c = 0; c < k; c++) Z.data[o + c]! += bv * V.data[o + c]!;
      }
    }
  }
  return Z;
}

/** The Kronecker core `K_θ = J_θ J_θᵀ` (`M × M`, symmetric PSD) from the weight sites. */
export function coreKernelOperator(model: Model, traj: Trajectory): LinearOperator {
  const M = rowsOf(traj);
  const factors = gatherSiteFactors(model, traj);
  return makeOperator({
    rows: M,
    cols: M,
    symmetric: true,
    label: 'core kernel K_θ',
    matmat: (Y) => applyCoreKernel(factors, traj.N, Y),
  });
}

/** Which factorisation `sntkOperator` applies. */
export type SntkForm = 'jacobian' | 'kronecker';

/**
 * The sNTK `J Jᵀ` (`M × M`, symmetric PSD) as an operator: `form: 'jacobian'` applies `J(Jᵀ y)`
 * (one backward + one forward sweep), `'kronecker'` applies `P K_θ Pᵀ`. Same operator; the
 * Kronecker form uses GEMMs on blocks and is the faster one for many vectors at once.
 */
export function sntkOperator(model: Model, traj: Trajectory, opts: { form?: SntkForm } = {}): LinearOperator {
  const M = rowsOf(traj);
  const form = opts.form ?? 'kronecker';
  if (form === 'jacobian') {
    return makeOperator({
      rows: M,
      cols: M,
      symmetric: true,
      label: 'sNTK (J Jᵀ)',
      matvec: (y) => trajectoryJvp(model, traj, trajectoryVjp(model, traj, y)),
      matmat: (Y) => trajectoryJvpBlock(model, traj, trajectoryVjpBlock(model, traj, Y)),
    });
  }
  const factors = gatherSiteFactors(model, traj);
  return makeOperator({
    rows: M,
    cols: M,
    symmetric: true,
    label: 'sNTK (P K_θ Pᵀ)',
    matmat: (Y) => {
      const a = applyPropagator(model, traj, Y, true);
      const b = applyCoreKernel(factors, traj.N, a);
      return applyPropagator(model, traj, b, false);
    },
  });
}

/** The state-space Fisher / Gauss–Newton matrix `Jᵀ J` (`P × P`, same nonzero spectrum as the sNTK). */
export function fisherOperator(model: Model, traj: Trajectory): LinearOperator {
  const P = model.layout.cellSize;
  return makeOperator({
    rows: P,
    cols: P,
    symmetric: true,
    label: 'state-space Fisher JᵀJ',
    matvec: (x) => trajectoryVjp(model, traj, trajectoryJvp(model, traj, x)),
    matmat: (X) => trajectoryVjpBlock(model, traj, trajectoryJvpBlock(model, traj, X)),
  });
}

/** `y ↦ (I ⊗ C) y` on blocks: `(B·T·N) × k → (B·T·O) × k`, and its transpose. */
function applyReadout(model: Model, traj: Trajectory, Y: Matrix, transpose: boolean): Matrix {
  const { B, T, N } = traj;
  const O = model.spec.outputSize;
  const C = model.params.subarray(model.layout.cellSize, model.layout.cellSize + O * N);
  const k = Y.cols;
  const BT = B * T;
  const out = zeros(BT * (transpose ? N : O), k);
  for (let r = 0; r < BT; r++) {
    for (let o = 0; o < O; o++) {
      for (let i = 0; i < N; i++) {
        const c = C[o * N + i]!;
        if (c === 0) continue;
        if (!transpose) {
          const src = (r * N + i) * k;
          const dst = (r * O + o) * k;
          for (let j = 0; j < k; j++) out.data[dst + j]! += c * Y.data[src + j]!;
        } else {
          const src = (r * O + o) * k;
          const dst = (r * N + i) * k;
          for (let j = 0; j < k; j++) out.data[dst + j]! += c * Y.data[src + j]!;
        }
      }
    }
  }
  return out;
}

/**
 * The output NTK `Θ_y = (I ⊗ C) sNTK (I ⊗ C)ᵀ` (`B·T·O` square), rows `(b, t, o)`. With
 * `includeReadout`, adds the readout parameters' own term `δ_{oo'} (h_bt · h_b's + 1)` (C and d
 * trained). Throws ShapeError when the model has no readout.
 */
export function outputNtkOperator(model: Model, traj: Trajectory, opts: { includeReadout?: boolean } = {}): LinearOperator {
  const O = model.spec.outputSize;
  if (O === 0) throw new ShapeError('output NTK: the model has no readout (outputSize = 0)');
  const { B, T, N } = traj;
  const BT = B * T;
  const inner = sntkOperator(model, traj);
  const H = { rows: BT, cols: N, data: traj.H };
  return makeOperator({
    rows: BT * O,
    cols: BT * O,
    symmetric: true,
    label: 'output NTK',
    matmat: (Y) => {
      const z = applyReadout(model, traj, inner.matmat(applyReadout(model, traj, Y, true)), false);
      if (opts.includeReadout) {
        const k = Y.cols;
        // per output o: (H Hᵀ + 1 1ᵀ) Y_o with Y_o the BT × k slice of rows (·, o)
        for (let o = 0; o < O; o++) {
          const Yo = zeros(BT, k);
          for (let r = 0; r < BT; r++) for (let j = 0; j < k; j++) Yo.data[r * k + j] = Y.data[(r * O + o) * k + j]!;
          const G = gemm(H, gemm(H, Yo, { transA: true }));
          const colSum = new Float64Array(k);
          for (let r = 0; r < BT; r++) for (let j = 0; j < k; j++) colSum[j]! += Yo.data[r * k + j]!;
          for (let r = 0; r < BT; r++) {
            for (let j = 0; j < k; j++) z.data[(r * O + o) * k + j]! += G.data[r * k + j]! + colSum[j]!;
          }
        }
      }
      return z;
    },
  });
}

export { applyPropagator };

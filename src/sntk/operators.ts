/**
 * The sNTK as operators (docs/theory.md §3–§4), applied without forming the `M × P` Jacobian:
 * - `jacobianOperator`: `J = dH/dθ` (`M × P`): JVP = forward sensitivity, VJP = BPTT;
 * - `propagatorOperator`: `P = (I − L)⁻¹` (`M × M`), `(Pq)_t = q_t + J_t (Pq)_{t−1}`;
 * - `coreKernelOperator`: the Kronecker core `K_θ = J_θ J_θᵀ` from the weight sites;
 * - `sntkOperator`: `J Jᵀ = P K_θ Pᵀ` (`M × M`, symmetric PSD);
 * - `fisherOperator`: the state-space Fisher `Jᵀ J` (`P × P`);
 * - `outputNtkOperator`: `J_y J_yᵀ = (I ⊗ C) sNTK (I ⊗ C)ᵀ` (`B·T·O` rows), plus the readout's own
 *   term, on the sweep engine of training (models/output-sweep.ts).
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
  preferBlockSweep,
  hasBlockSweep,
  stackSites,
  jvpBlockSweep,
  vjpBlockSweep,
  SweepWorkspace,
  type StackedSite,
} from '../models/index.js';
import { prepareOutputSweep, outputJvpBlock, outputVjpBlock } from '../models/output-sweep.js';
import { gatherSiteFactors, type SiteFactors } from './site-gram.js';
import { ShapeError, assertFinite } from '../errors.js';
import { readoutSlice } from '../models/spec.js';

function rowsOf(traj: Trajectory): number {
  return traj.B * traj.T * traj.N;
}

/**
 * `J = dH/dθ` as an operator `M × P`. Cost per vector one sweep, O(B·T·(N² + P)).
 *
 * @param model - the network (`P` cell parameters).
 * @param traj - a trajectory of `model` (`M = B·T·N` rows).
 * @returns `J` as an `M × P` operator: `matvec` is the forward sensitivity, `rmatvec` is BPTT (docs/theory.md §3).
 * @throws {@link sntk!ShapeError} when `traj` does not belong to `model`.
 */
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
    // the whole trial in one call where the cell has it (the weights stay in place across steps)
    if (!transpose && cell.jvpHRun) {
      cell.jvpHRun(theta, caches, b * T, T, Y.data, b * T * blk, k);
      continue;
    }
    if (transpose && cell.vjpHRun) {
      cell.vjpHRun(theta, caches, b * T, T, Y.data, b * T * blk, k);
      continue;
    }
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

/**
 * The propagator `P = (I − L)⁻¹` (`M × M`); `rmatvec` is BPTT's adjoint recursion. Cost O(B·T·N²·k) per block.
 *
 * @param model - the network.
 * @param traj - a trajectory of `model` (`M = B·T·N` rows).
 * @returns `P` as an `M × M` operator, applied by the recursion `(P q)_t = q_t + J_t (P q)_{t−1}` (docs/theory.md §3).
 * @throws {@link sntk!ShapeError} when `traj` does not belong to `model`.
 */
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
 * `(bt) × (i·k)` reshape, two GEMMs (sites that share their `β` are best merged first,
 * `mergeSharedBeta`). `work`: buffers kept between calls; `out`: a block of Y's shape the result
 * is written into. Cost O(Σ_j B·T·L_j·N·k).
 */
export function applyCoreKernel(factors: readonly SiteFactors[], N: number, Y: Matrix, work?: SweepWorkspace, out?: Matrix): Matrix {
  const BT = Y.rows / N;
  const k = Y.cols;
  const Z = out && out.rows === Y.rows && out.cols === k ? (out.data.fill(0), out) : zeros(Y.rows, k);
  const nk = N * k;
  const scaled = work ? work.take('core-scaled', Y.rows * k) : new Float64Array(Y.rows * k);
  const y = Y.data, z = Z.data;
  let V: Matrix | undefined = work ? { rows: BT, cols: nk, data: work.take('core-product', BT * nk) } : undefined;
  for (const { U, beta } of factors) {
    const bd = beta.data;
    for (let r = 0, o = 0; r < BT * N; r++, o += k) {
      const bv = bd[r]!;
      for (let c = o; c < o + k; c++) scaled[c] = bv * y[c]!;
    }
    const S = { rows: BT, cols: nk, data: scaled };
    const A = gemm(U, S, { transA: true, ...(work ? { out: { rows: U.cols, cols: nk, data: work.take('core-site', U.cols * nk) } } : {}) }); // L × (N k)
    V = gemm(U, A, V ? { out: V } : {}); // BT × (N k)
    const v = V.data;
    for (let r = 0, o = 0; r < BT * N; r++, o += k) {
      const bv = bd[r]!;
      for (let c = o; c < o + k; c++) z[c]! += bv * v[c]!;
    }
  }
  return Z;
}

/**
 * Merges sites with the same diagonal factors `β` (e.g. a vanilla cell's `W`, `U` and `b`, all
 * scaled by `φ′(a)`) into one site whose vectors are the concatenation `[U_1 | U_2 | …]`:
 * `Σ_j β ⊙ U_j U_jᵀ (β ⊙ Y) = β ⊙ Ũ Ũᵀ (β ⊙ Y)`, so `applyCoreKernel` runs one GEMM pair and one
 * pair of scalings instead of one per site. Cost O(B·T·Σ_j(L_j + N)) once.
 */
export function mergeSharedBeta(factors: readonly SiteFactors[]): SiteFactors[] {
  const groups: SiteFactors[][] = [];
  for (const f of factors) {
    const g = groups.find((gr) => {
      const a = gr[0]!.beta.data, b = f.beta.data;
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    });
    if (g) g.push(f);
    else groups.push([f]);
  }
  return groups.map((gr) => {
    if (gr.length === 1) return gr[0]!;
    const BT = gr[0]!.U.rows;
    const L = gr.reduce((acc, f) => acc + f.U.cols, 0);
    const U = zeros(BT, L);
    for (let r = 0; r < BT; r++) {
      let off = r * L;
      for (const f of gr) {
        U.data.set(f.U.data.subarray(r * f.U.cols, (r + 1) * f.U.cols), off);
        off += f.U.cols;
      }
    }
    return { U, beta: gr[0]!.beta };
  });
}

/**
 * The Kronecker core `K_θ = J_θ J_θᵀ` (`M × M`, symmetric PSD) from the weight sites.
 *
 * @param model - the network (`P` cell parameters).
 * @param traj - a trajectory of `model` (`M = B·T·N` rows).
 * @returns `K_θ` as a symmetric `M × M` operator applied site by site as `V (Vᵀ Y)` (docs/theory.md §3).
 * @throws {@link sntk!ShapeError} when `traj` does not belong to `model`.
 */
export function coreKernelOperator(model: Model, traj: Trajectory): LinearOperator {
  const M = rowsOf(traj);
  const factors = mergeSharedBeta(gatherSiteFactors(model, traj));
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
 *
 * @param model - the network; the kernel is over its `P` cell parameters.
 * @param traj - a trajectory of `model` (`M = B·T·N` rows, ordered `(b, t, i)`).
 * @param opts - `form`: `'jacobian'` or `'kronecker'` (docs/theory.md §3).
 * @returns a symmetric `M × M` operator (`apply` on `M × k` blocks); nothing `M × M` is stored.
 * @throws {@link sntk!ShapeError} when `traj` does not belong to `model`.
 */
export function sntkOperator(model: Model, traj: Trajectory, opts: { form?: SntkForm } = {}): LinearOperator {
  const M = rowsOf(traj);
  // cells without weight sites (PyTorch LSTM, stacked) have no Kronecker form: J Jᵀ by sweeps
  const hasSites = model.cell.sites(model.params.subarray(0, model.layout.cellSize), traj.caches[0]!) !== null;
  const form = hasSites ? (opts.form ?? 'kronecker') : 'jacobian';
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
  const factors = mergeSharedBeta(gatherSiteFactors(model, traj));
  // the core kernel's large blocks, kept for the next application
  const work = new SweepWorkspace();
  return makeOperator({
    rows: M,
    cols: M,
    symmetric: true,
    label: 'sNTK (P K_θ Pᵀ)',
    matmat: (Y, out) => {
      const copy = work.take('propagate', Y.data.length);
      copy.set(Y.data);
      const a = applyPropagator(model, traj, { rows: Y.rows, cols: Y.cols, data: copy }, true, true);
      const b = applyCoreKernel(factors, traj.N, a, work, out);
      return applyPropagator(model, traj, b, false, true); // b is ours: no copy
    },
  });
}

/**
 * The state-space Fisher / Gauss–Newton matrix `Jᵀ J` (`P × P`, same nonzero spectrum as the sNTK).
 *
 * @param model - the network (`P` cell parameters).
 * @param traj - a trajectory of `model`.
 * @returns `JᵀJ` as a symmetric `P × P` operator (one forward and one backward sweep per vector; docs/theory.md §5).
 * @throws {@link sntk!ShapeError} when `traj` does not belong to `model`.
 */
export function fisherOperator(model: Model, traj: Trajectory): LinearOperator {
  const P = model.layout.cellSize;
  // the stacked weight sites of the block sweeps, gathered once for every application (not per
  // call), and the JVP's product handed to the VJP as its workspace (no M × k copy)
  let sites: StackedSite[] | null | undefined;
  // the sweeps' large blocks, kept for the next application (an eigensolver applies it hundreds of times)
  const work = new SweepWorkspace();
  return makeOperator({
    rows: P,
    cols: P,
    symmetric: true,
    label: 'state-space Fisher JᵀJ',
    matvec: (x) => trajectoryVjp(model, traj, trajectoryJvp(model, traj, x)),
    matmat: (X, out) => {
      if (hasBlockSweep(model.cell) && preferBlockSweep(traj.N, X.cols)) {
        if (sites === undefined) {
          if (traj.N !== model.cell.N || traj.D !== model.cell.D || traj.caches.length !== traj.B * traj.T) {
            throw new ShapeError(`trajectory (N=${traj.N}, D=${traj.D}) does not belong to this model (N=${model.cell.N}, D=${model.cell.D})`);
          }
          sites = stackSites(model, traj);
        }
        if (sites) {
          assertFinite(X.data, 'Fisher operator input');
          return vjpBlockSweep(model, traj, jvpBlockSweep(model, traj, X, sites, 'block', work), sites, 'block', true, work, out);
        }
      }
      return trajectoryVjpBlock(model, traj, trajectoryJvpBlock(model, traj, X));
    },
  });
}

/**
 * The output NTK `Θ_y = J_y J_yᵀ` (`B·T·O` square), rows `(b, t, o)`, composed from the sweep
 * engine (models/output-sweep.ts): `J_y = (I ⊗ C) dH/dθ` over the cell parameters, so
 * `Θ_y = (I ⊗ C) sNTK (I ⊗ C)ᵀ`; with `includeReadout` also over the readout parameters (C and d
 * trained), which adds `δ_{oo'} (h_bt · h_b's + 1)`. One block VJP and one block JVP per
 * application, O(B·T·k·(N·N_J + P + N·O)). Throws ShapeError when the model has no readout.
 */
export function outputNtkOperator(model: Model, traj: Trajectory, opts: { includeReadout?: boolean } = {}): LinearOperator {
  const O = model.spec.outputSize;
  if (O === 0) throw new ShapeError('output NTK: the model has no readout (outputSize = 0)');
  const { B, T } = traj;
  const BT = B * T;
  const sw = prepareOutputSweep(model, traj, 'output');
  const Pc = model.layout.cellSize;
  return makeOperator({
    rows: BT * O,
    cols: BT * O,
    symmetric: true,
    label: 'output NTK',
    matmat: (Y) => {
      const G = outputVjpBlock(sw, Y);
      if (!opts.includeReadout) G.data.fill(0, Pc * G.cols);
      return outputJvpBlock(sw, G);
    },
  });
}

export { applyPropagator };

/**
 * The sNTK over a subset of the state entries (docs/theory.md §3): `K_S = S K Sᵀ` for the rows
 * `(b, t, i)` with `i` in a selected set — an LSTM's `h` only (not `c`), or one layer of a stacked
 * cell. The selection is per time step and the same for every `(b, t)`.
 */
import type { Model, ModelSpec, Trajectory } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import type { LinearOperator } from '../operators/types.js';
import { zeros } from '../linalg/matrix.js';
import { makeOperator } from '../operators/make.js';
import { layerCount, layerStateSize, stateSize } from '../models/spec.js';
import { InputError } from '../errors.js';
import { sntkOperator } from './operators.js';
import { denseSntk } from './dense.js';

/** Which state entries: all, every layer's `h` (drops LSTM `c`), or all entries of one layer. */
export type StateSelection = 'all' | 'h' | { layer: number };

/**
 * The state indices (within one step's state, ascending) of a selection. Throws InputError for a
 * layer out of range. Cost O(N).
 */
export function stateRows(spec: ModelSpec, sel: StateSelection): number[] {
  const N = stateSize(spec);
  const S = layerStateSize(spec);
  const L = layerCount(spec);
  const out: number[] = [];
  if (sel === 'all') for (let i = 0; i < N; i++) out.push(i);
  else if (sel === 'h') for (let i = 0; i < N; i++) {
    if (i % S < spec.hiddenSize) out.push(i);
  }
  else {
    if (!Number.isInteger(sel.layer) || sel.layer < 0 || sel.layer >= L) throw new InputError(`layer ${sel.layer} is out of range (the model has ${L} layer${L > 1 ? 's' : ''})`);
    for (let i = sel.layer * S; i < (sel.layer + 1) * S; i++) out.push(i);
  }
  return out;
}

/**
 * Rows of the whole sNTK, `(b·T + t)·N + i`, for the selected state indices `rows` (ascending,
 * in `[0, N)`), in order: `B·T·|rows|` indices. Throws InputError for an index out of range or out
 * of order. Cost O(B·T·|rows|).
 */
export function kernelRowIndex(traj: Trajectory, rows: readonly number[]): Int32Array {
  rows.forEach((i, a) => {
    if (!Number.isInteger(i) || i < 0 || i >= traj.N || (a > 0 && i <= rows[a - 1]!)) {
      throw new InputError(`state rows must be ascending state indices in [0, ${traj.N}), got ${i} at position ${a}`);
    }
  });
  if (rows.length === 0) throw new InputError('no state rows selected (the restricted sNTK is empty)');
  const out = new Int32Array(traj.B * traj.T * rows.length);
  let k = 0;
  for (let bt = 0; bt < traj.B * traj.T; bt++) for (const i of rows) out[k++] = bt * traj.N + i;
  return out;
}

/**
 * `S K Sᵀ` as an operator (`M_S × M_S`, `M_S = B·T·|rows|`): pads a block with zeros to all rows,
 * applies the sNTK operator and keeps the selected rows. Cost per block as the sNTK operator's.
 */
export function restrictedSntkOperator(model: Model, traj: Trajectory, rows: readonly number[]): LinearOperator {
  const K = sntkOperator(model, traj);
  const idx = kernelRowIndex(traj, rows);
  const M = traj.B * traj.T * traj.N;
  return makeOperator({
    rows: idx.length,
    cols: idx.length,
    symmetric: true,
    label: `sNTK over ${rows.length} of ${traj.N} state entries`,
    matmat: (Y: Matrix) => {
      const k = Y.cols;
      const full = zeros(M, k);
      idx.forEach((r, a) => full.data.set(Y.data.subarray(a * k, (a + 1) * k), r * k));
      const Z = K.matmat(full);
      const out = zeros(idx.length, k);
      idx.forEach((r, a) => out.data.set(Z.data.subarray(r * k, (r + 1) * k), a * k));
      return out;
    },
  });
}

/** The dense `S K Sᵀ` (from the dense sNTK; same memory checks). Cost as `denseSntk` plus O(M_S²). */
export function restrictedDenseSntk(model: Model, traj: Trajectory, rows: readonly number[], opts: { memoryBudget?: number } = {}): Matrix {
  const { K } = denseSntk(model, traj, opts);
  const idx = kernelRowIndex(traj, rows);
  const m = idx.length;
  const out = zeros(m, m);
  for (let a = 0; a < m; a++) {
    const ra = idx[a]! * K.cols;
    for (let b = 0; b < m; b++) out.data[a * m + b] = K.data[ra + idx[b]!]!;
  }
  return out;
}

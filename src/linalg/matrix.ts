/**
 * Dense float64 matrices.
 *
 * Storage convention (used everywhere in sntk): **row-major**, `data[i * cols + j]` is entry `(i, j)`.
 * A vector is a plain `Float64Array`. Nothing here copies unless it says so.
 */
import { ShapeError } from '../errors.js';

/** A dense row-major float64 matrix `rows × cols`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major entries, length `rows * cols`. */
  readonly data: Float64Array;
}

/** A new zero matrix `rows × cols`. Cost: O(rows·cols) memory. */
export function zeros(rows: number, cols: number): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeError(`matrix dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** Wraps an existing row-major buffer as a `rows × cols` matrix (no copy). Throws ShapeError on length mismatch. */
export function matrix(rows: number, cols: number, data: Float64Array): Matrix {
  if (data.length !== rows * cols) {
    throw new ShapeError(`buffer of length ${data.length} cannot be a ${rows}×${cols} matrix`);
  }
  return { rows, cols, data };
}

/** The `n × n` identity. */
export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** A matrix from nested arrays `rows[i][j]` (copies). Throws ShapeError on ragged input. */
export function fromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const m = zeros(r, c);
  for (let i = 0; i < r; i++) {
    const row = rows[i]!;
    if (row.length !== c) throw new ShapeError(`row ${i} has length ${row.length}, expected ${c}`);
    for (let j = 0; j < c; j++) m.data[i * c + j] = row[j]!;
  }
  return m;
}

/** Nested arrays `[rows][cols]` from a matrix (copies). */
export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

/** A deep copy. */
export function clone(m: Matrix): Matrix {
  return { rows: m.rows, cols: m.cols, data: m.data.slice() };
}

/** Entry `(i, j)`. */
export function get(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

/** The diagonal matrix with the given entries. */
export function diag(d: ArrayLike<number>): Matrix {
  const n = d.length;
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = d[i]!;
  return m;
}

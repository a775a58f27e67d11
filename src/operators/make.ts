/**
 * `makeOperator`: builds a checked LinearOperator from whichever of the vector/block routines the
 * caller has, deriving the missing ones.
 */
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import type { LinearOperator, OperatorSpec } from './types.js';
import { InputError, NonFiniteError, ShapeError } from '../errors.js';

/** `rows×cols` (or the label) for messages. */
export function describe(op: { rows: number; cols: number; label?: string }): string {
  return op.label ? `${op.label} (${op.rows}×${op.cols})` : `operator ${op.rows}×${op.cols}`;
}

function checkDims(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeError(`operator dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
}

/** Column `j` of a row-major block as a vector. */
function column(X: Matrix, j: number): Float64Array {
  const v = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) v[i] = X.data[i * X.cols + j]!;
  return v;
}

function blockFromVec(f: (x: Float64Array) => Float64Array, outRows: number): (X: Matrix) => Matrix {
  return (X) => {
    const k = X.cols;
    const out = zeros(outRows, k);
    for (let j = 0; j < k; j++) {
      const y = f(column(X, j));
      if (y.length !== outRows) throw new ShapeError(`vector routine returned length ${y.length}, expected ${outRows}`);
      for (let i = 0; i < outRows; i++) out.data[i * k + j] = y[i]!;
    }
    return out;
  };
}

function vecFromBlock(f: (X: Matrix) => Matrix): (x: Float64Array) => Float64Array {
  // An n×1 row-major block has exactly the vector's layout.
  return (x) => f({ rows: x.length, cols: 1, data: x }).data;
}

function finite(a: Float64Array, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new NonFiniteError(`${what} produced a non-finite entry (${a[i]}) at flat index ${i}`);
  }
}

/**
 * Wraps raw routines as a LinearOperator with shape checks on every call (ShapeError naming the
 * operator and the offending shape) and, by default, finiteness checks on results. Missing block
 * routines are derived column by column from the vector ones and vice versa; for a symmetric
 * operator the adjoint defaults to the forward map. Cost: the routines' cost plus O(input + output).
 */
export function makeOperator(spec: OperatorSpec): LinearOperator {
  const { rows, cols } = spec;
  checkDims(rows, cols);
  const symmetric = spec.symmetric ?? false;
  if (symmetric && rows !== cols) throw new ShapeError(`a symmetric operator must be square, got ${rows}×${cols}`);
  let mv = spec.matvec;
  let mm = spec.matmat;
  let rmv = spec.rmatvec ?? (symmetric ? mv : undefined);
  let rmm = spec.rmatmat ?? (symmetric ? mm : undefined);
  if (!mv && !mm) throw new InputError(`${describe(spec)}: needs matvec or matmat`);
  if (!rmv && !rmm) throw new InputError(`${describe(spec)}: needs rmatvec or rmatmat (or symmetric: true)`);
  mm ??= blockFromVec(mv!, rows);
  mv ??= vecFromBlock(mm);
  rmm ??= blockFromVec(rmv!, cols);
  rmv ??= vecFromBlock(rmm);
  return wrapChecked({ rows, cols, symmetric, label: spec.label, matvec: mv, rmatvec: rmv, matmat: mm, rmatmat: rmm }, spec.checkFinite ?? true);
}

/** Raw (unchecked) routines of an operator. */
export interface RawOperator {
  rows: number;
  cols: number;
  symmetric: boolean;
  label?: string | undefined;
  matvec(x: Float64Array): Float64Array;
  rmatvec(y: Float64Array): Float64Array;
  matmat(X: Matrix, out?: Matrix): Matrix;
  rmatmat(Y: Matrix): Matrix;
}

/** Adds shape checks (and optionally finiteness checks of results) around raw routines. */
export function wrapChecked(raw: RawOperator, checkFinite: boolean): LinearOperator {
  const { rows, cols } = raw;
  const name = describe(raw);
  const vin = (x: Float64Array, n: number, what: string): void => {
    if (!(x instanceof Float64Array)) throw new ShapeError(`${name}.${what}: expected a Float64Array`);
    if (x.length !== n) throw new ShapeError(`${name}.${what}: vector of length ${x.length}, expected ${n}`);
  };
  const vout = (y: Float64Array, n: number, what: string): Float64Array => {
    if (y.length !== n) throw new ShapeError(`${name}.${what}: result has length ${y.length}, expected ${n}`);
    if (checkFinite) finite(y, `${name}.${what}`);
    return y;
  };
  const bin = (X: Matrix, n: number, what: string): void => {
    if (X.rows !== n || X.data.length !== X.rows * X.cols) {
      throw new ShapeError(`${name}.${what}: block is ${X.rows}×${X.cols}, expected ${n}×k`);
    }
  };
  const bout = (Y: Matrix, n: number, k: number, what: string): Matrix => {
    if (Y.rows !== n || Y.cols !== k || Y.data.length !== n * k) {
      throw new ShapeError(`${name}.${what}: result is ${Y.rows}×${Y.cols}, expected ${n}×${k}`);
    }
    if (checkFinite) finite(Y.data, `${name}.${what}`);
    return Y;
  };
  const op: LinearOperator = {
    rows,
    cols,
    symmetric: raw.symmetric,
    matvec: (x) => (vin(x, cols, 'matvec'), vout(raw.matvec(x), rows, 'matvec')),
    rmatvec: (y) => (vin(y, rows, 'rmatvec'), vout(raw.rmatvec(y), cols, 'rmatvec')),
    matmat: (X, out) => {
      bin(X, cols, 'matmat');
      if (out && (out.rows !== rows || out.cols !== X.cols || out.data.length !== rows * X.cols)) {
        throw new ShapeError(`${name}.matmat: output block is ${out.rows}×${out.cols}, expected ${rows}×${X.cols}`);
      }
      return bout(out ? raw.matmat(X, out) : raw.matmat(X), rows, X.cols, 'matmat');
    },
    rmatmat: (Y) => (bin(Y, rows, 'rmatmat'), bout(raw.rmatmat(Y), cols, Y.cols, 'rmatmat')),
    ...(raw.label !== undefined ? { label: raw.label } : {}),
  };
  return op;
}

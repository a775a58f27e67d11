/**
 * Building LinearOperators: from a dense matrix, identity, transpose, composition, sums, scaling,
 * and the symmetric Gram forms `AᵀA` and `AAᵀ`.
 */
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { gemm, gemv } from '../linalg/index.js';
import type { LinearOperator } from './types.js';
import { describe, wrapChecked } from './make.js';
import { InputError, NonFiniteError, ShapeError } from '../errors.js';

/**
 * The dense matrix `A` as an operator (no copy: later changes to `A` show through). `symmetric`
 * defaults to whether `A` is square and exactly symmetric; passing `true` for a non-symmetric
 * matrix throws InputError (tolerance 1e-12·max|A|). Cost per block: one GEMM, O(rows·cols·k).
 */
export function fromMatrix(A: Matrix, opts: { symmetric?: boolean; label?: string } = {}): LinearOperator {
  const { rows, cols, data } = A;
  if (data.length !== rows * cols) throw new ShapeError(`fromMatrix: buffer of length ${data.length} for a ${rows}×${cols} matrix`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new NonFiniteError(`fromMatrix: entry (${Math.floor(i / cols)}, ${i % cols}) is ${data[i]}`);
  }
  let symmetric = false;
  if (rows === cols) {
    let maxAbs = 0, maxAsym = 0;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < i; j++) {
        maxAsym = Math.max(maxAsym, Math.abs(data[i * cols + j]! - data[j * cols + i]!));
        maxAbs = Math.max(maxAbs, Math.abs(data[i * cols + j]!));
      }
      maxAbs = Math.max(maxAbs, Math.abs(data[i * cols + i]!));
    }
    if (opts.symmetric === true && maxAsym > 1e-12 * maxAbs) {
      throw new InputError(`fromMatrix: matrix declared symmetric but |A − Aᵀ| reaches ${maxAsym.toExponential(3)} (max |A| = ${maxAbs.toExponential(3)})`);
    }
    symmetric = opts.symmetric ?? maxAsym === 0;
  } else if (opts.symmetric === true) {
    throw new ShapeError(`fromMatrix: a ${rows}×${cols} matrix cannot be symmetric`);
  }
  return wrapChecked(
    {
      rows,
      cols,
      symmetric,
      label: opts.label ?? 'matrix',
      matvec: (x) => gemv(A, x),
      rmatvec: (y) => gemv(A, y, true),
      matmat: (X) => gemm(A, X),
      rmatmat: (Y) => gemm(A, Y, { transA: true }),
    },
    false,
  );
}

/** The `n × n` identity operator. Cost O(n·k) (a copy). */
export function identityOperator(n: number): LinearOperator {
  const copyM = (X: Matrix): Matrix => ({ rows: X.rows, cols: X.cols, data: X.data.slice() });
  const copyV = (x: Float64Array): Float64Array => x.slice();
  return wrapChecked({ rows: n, cols: n, symmetric: true, label: 'identity', matvec: copyV, rmatvec: copyV, matmat: copyM, rmatmat: copyM }, false);
}

/** `Aᵀ` (no work: swaps the forward and adjoint routines). */
export function transpose(A: LinearOperator): LinearOperator {
  if (A.symmetric) return A;
  return wrapChecked(
    { rows: A.cols, cols: A.rows, symmetric: false, label: `(${A.label ?? 'A'})ᵀ`, matvec: A.rmatvec, rmatvec: A.matvec, matmat: A.rmatmat, rmatmat: A.matmat },
    false,
  );
}

/**
 * The product `A₁ A₂ ⋯ A_m` (applied right to left). ShapeError when inner dimensions differ.
 * Cost: the sum of the factors' costs.
 */
export function compose(...ops: LinearOperator[]): LinearOperator {
  if (ops.length === 0) throw new InputError('compose: needs at least one operator');
  for (let i = 0; i + 1 < ops.length; i++) {
    if (ops[i]!.cols !== ops[i + 1]!.rows) {
      throw new ShapeError(`compose: ${describe(ops[i]!)} cannot multiply ${describe(ops[i + 1]!)} (inner dimensions ${ops[i]!.cols} and ${ops[i + 1]!.rows})`);
    }
  }
  if (ops.length === 1) return ops[0]!;
  const rev = [...ops].reverse();
  return wrapChecked(
    {
      rows: ops[0]!.rows,
      cols: ops[ops.length - 1]!.cols,
      symmetric: false,
      label: ops.map((o) => o.label ?? 'A').join('·'),
      matvec: (x) => rev.reduce((v, o) => o.matvec(v), x),
      rmatvec: (y) => ops.reduce((v, o) => o.rmatvec(v), y),
      matmat: (X) => rev.reduce((V, o) => o.matmat(V), X),
      rmatmat: (Y) => ops.reduce((V, o) => o.rmatmat(V), Y),
    },
    false,
  );
}

function addInto(acc: Float64Array, y: Float64Array): void {
  for (let i = 0; i < acc.length; i++) acc[i]! += y[i]!;
}

/** `A₁ + A₂ + ⋯` (all the same shape; symmetric when all are). Cost: the sum of the terms' costs + O(rows·k). */
export function sum(...ops: LinearOperator[]): LinearOperator {
  if (ops.length === 0) throw new InputError('sum: needs at least one operator');
  const { rows, cols } = ops[0]!;
  for (const o of ops) {
    if (o.rows !== rows || o.cols !== cols) throw new ShapeError(`sum: ${describe(o)} does not match ${describe(ops[0]!)}`);
  }
  const vec = (f: (o: LinearOperator) => Float64Array): Float64Array => {
    const acc = f(ops[0]!).slice();
    for (let i = 1; i < ops.length; i++) addInto(acc, f(ops[i]!));
    return acc;
  };
  const blk = (f: (o: LinearOperator) => Matrix): Matrix => {
    const first = f(ops[0]!);
    const acc = { rows: first.rows, cols: first.cols, data: first.data.slice() };
    for (let i = 1; i < ops.length; i++) addInto(acc.data, f(ops[i]!).data);
    return acc;
  };
  return wrapChecked(
    {
      rows,
      cols,
      symmetric: ops.every((o) => o.symmetric),
      label: ops.map((o) => o.label ?? 'A').join(' + '),
      matvec: (x) => vec((o) => o.matvec(x)),
      rmatvec: (y) => vec((o) => o.rmatvec(y)),
      matmat: (X) => blk((o) => o.matmat(X)),
      rmatmat: (Y) => blk((o) => o.rmatmat(Y)),
    },
    false,
  );
}

/** `α A`. Cost: `A`'s cost + O(rows·k). */
export function scale(alpha: number, A: LinearOperator): LinearOperator {
  if (!Number.isFinite(alpha)) throw new NonFiniteError(`scale: factor is ${alpha}`);
  const sv = (y: Float64Array): Float64Array => {
    for (let i = 0; i < y.length; i++) y[i]! *= alpha;
    return y;
  };
  const sm = (Y: Matrix): Matrix => {
    const out = { rows: Y.rows, cols: Y.cols, data: Y.data.slice() };
    sv(out.data);
    return out;
  };
  return wrapChecked(
    {
      rows: A.rows,
      cols: A.cols,
      symmetric: A.symmetric,
      label: `${alpha}·${A.label ?? 'A'}`,
      matvec: (x) => sv(A.matvec(x).slice()),
      rmatvec: (y) => sv(A.rmatvec(y).slice()),
      matmat: (X) => sm(A.matmat(X)),
      rmatmat: (Y) => sm(A.rmatmat(Y)),
    },
    false,
  );
}

/** `AᵀA` (`cols × cols`) as a symmetric operator: `X ↦ Aᵀ(A X)`. Cost: one forward + one adjoint block apply. */
export function gram(A: LinearOperator): LinearOperator {
  const mv = (x: Float64Array): Float64Array => A.rmatvec(A.matvec(x));
  const mm = (X: Matrix): Matrix => A.rmatmat(A.matmat(X));
  return wrapChecked({ rows: A.cols, cols: A.cols, symmetric: true, label: `(${A.label ?? 'A'})ᵀ(${A.label ?? 'A'})`, matvec: mv, rmatvec: mv, matmat: mm, rmatmat: mm }, false);
}

/** `AAᵀ` (`rows × rows`) as a symmetric operator: `Y ↦ A(Aᵀ Y)` (e.g. sNTK `= J Jᵀ`). Cost: one adjoint + one forward block apply. */
export function outerGram(A: LinearOperator): LinearOperator {
  const mv = (y: Float64Array): Float64Array => A.matvec(A.rmatvec(y));
  const mm = (Y: Matrix): Matrix => A.matmat(A.rmatmat(Y));
  return wrapChecked({ rows: A.rows, cols: A.rows, symmetric: true, label: `(${A.label ?? 'A'})(${A.label ?? 'A'})ᵀ`, matvec: mv, rmatvec: mv, matmat: mm, rmatmat: mm }, false);
}

/** A block of `k` unit vectors `e_{j0}, …, e_{j0+k−1}` in `R^n`. */
export function unitBlock(n: number, j0: number, k: number): Matrix {
  const E = zeros(n, k);
  for (let c = 0; c < k; c++) E.data[(j0 + c) * k + c] = 1;
  return E;
}

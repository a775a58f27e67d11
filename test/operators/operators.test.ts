import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Matrix } from '../../src/linalg/matrix.js';
import { zeros } from '../../src/linalg/matrix.js';
import { gemm } from '../../src/linalg/index.js';
import { createRng } from '../../src/linalg/random.js';
import {
  compose, densify, estimateMoments, estimateTrace, fromMatrix, gram, identityOperator, makeOperator, outerGram, scale, sum,
  symmetricApply, topEigenpairs, transpose,
} from '../../src/operators/index.js';
import type { LinearOperator } from '../../src/operators/index.js';
import { InputError, MemoryBudgetError, NonFiniteError, ShapeError } from '../../src/errors.js';

function randM(r: number, c: number, seed: number): Matrix {
  const M = zeros(r, c);
  createRng(seed).fillNormal(M.data);
  return M;
}
function randV(n: number, seed: number): Float64Array {
  const v = new Float64Array(n);
  createRng(seed).fillNormal(v);
  return v;
}
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
/** A matrix-free (vector-only) operator, to exercise the derived block routines. */
function vectorOnly(M: Matrix): LinearOperator {
  const { rows, cols } = M;
  return makeOperator({
    rows, cols, label: 'vecOnly',
    matvec: (x) => { const y = new Float64Array(rows); for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) y[i]! += M.data[i * cols + j]! * x[j]!; return y; },
    rmatvec: (y) => { const x = new Float64Array(cols); for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[j]! += M.data[i * cols + j]! * y[i]!; return x; },
  });
}

describe('LinearOperator combinators', () => {
  it('adjoint identity ⟨Ax, y⟩ = ⟨x, Aᵀy⟩ to 1e-12 for compose/transpose/sum/scale/gram (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer(), (m, k, n, seed) => {
        const A = fromMatrix(randM(m, k, seed));
        const B = vectorOnly(randM(k, n, seed + 1));
        const C = fromMatrix(randM(m, n, seed + 2));
        const ops: LinearOperator[] = [
          compose(A, B),
          transpose(compose(A, B)),
          sum(compose(A, B), scale(-0.7, C)),
          compose(transpose(C), A, B),
          gram(compose(A, B)),
          outerGram(B),
        ];
        for (const [t, op] of ops.entries()) {
          const x = randV(op.cols, seed + 10 + t);
          const y = randV(op.rows, seed + 20 + t);
          const lhs = dot(op.matvec(x), y);
          const rhs = dot(x, op.rmatvec(y));
          const scaleRef = Math.max(1, Math.abs(lhs));
          expect(Math.abs(lhs - rhs)).toBeLessThan(1e-12 * scaleRef * 10);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('combinators agree with dense algebra (matvec, matmat, rmatmat)', () => {
    const Am = randM(7, 5, 1), Bm = randM(5, 4, 2), Cm = randM(7, 4, 3);
    const AB = gemm(Am, Bm);
    const op = sum(compose(fromMatrix(Am), vectorOnly(Bm)), scale(2, fromMatrix(Cm)));
    const want = AB.data.map((v, i) => v + 2 * Cm.data[i]!);
    const D = densify(op);
    expect(maxAbsDiff(D.data, want)).toBeLessThan(1e-12 * maxAbs(want));
    const X = randM(4, 3, 9);
    const Y = op.matmat(X);
    const Yw = gemm({ rows: 7, cols: 4, data: Float64Array.from(want) }, X);
    expect(maxAbsDiff(Y.data, Yw.data)).toBeLessThan(1e-12 * maxAbs(Yw.data));
    const Z = randM(7, 2, 10);
    const R = op.rmatmat(Z);
    const Rw = gemm({ rows: 7, cols: 4, data: Float64Array.from(want) }, Z, { transA: true });
    expect(maxAbsDiff(R.data, Rw.data)).toBeLessThan(1e-12 * maxAbs(Rw.data));
    // transpose densifies to the transposed matrix
    const Dt = densify(transpose(op));
    for (let i = 0; i < 7; i++) for (let j = 0; j < 4; j++) expect(Dt.data[j * 7 + i]).toBeCloseTo(D.data[i * 4 + j]!, 12);
    // identity
    expect(maxAbsDiff(densify(identityOperator(3)).data, [1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe(0);
  });

  it('gram and outerGram are symmetric PSD and equal AᵀA, AAᵀ', () => {
    const Am = randM(9, 4, 5);
    const G = densify(gram(fromMatrix(Am)));
    const O = densify(outerGram(vectorOnly(Am)));
    expect(gram(fromMatrix(Am)).symmetric).toBe(true);
    expect(maxAbsDiff(G.data, gemm(Am, Am, { transA: true }).data)).toBeLessThan(1e-12 * maxAbs(G.data));
    expect(maxAbsDiff(O.data, gemm(Am, Am, { transB: true }).data)).toBeLessThan(1e-12 * maxAbs(O.data));
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const x = randV(9, seed);
        expect(outerGram(fromMatrix(Am)).matvec(x).reduce((s, v, i) => s + v * x[i]!, 0)).toBeGreaterThanOrEqual(-1e-12);
      }),
      { numRuns: 30 },
    );
  });

  it('densify refuses over budget with MemoryBudgetError naming shape, bytes and budget', () => {
    const big = makeOperator({ rows: 128000, cols: 128000, symmetric: true, label: 'sNTK', matmat: (X) => X });
    expect(() => densify(big)).toThrow(MemoryBudgetError);
    let msg = '';
    try {
      densify(big, { maxEntries: 1e6 });
    } catch (e) {
      expect(e).toBeInstanceOf(MemoryBudgetError);
      msg = (e as Error).message;
    }
    expect(msg).toContain('128000×128000');
    expect(msg).toContain('16384000000 entries');
    expect(msg).toContain('GiB');
    expect(msg).toContain('1000000 entries');
    expect(msg).toContain('matrix-free');
    expect(() => densify(fromMatrix(randM(10, 10, 1)), { maxEntries: 99 })).toThrow(MemoryBudgetError);
    expect(densify(fromMatrix(randM(10, 10, 1)), { maxEntries: 100 }).rows).toBe(10);
  });

  it('shape, NaN and construction errors are typed', () => {
    const A = fromMatrix(randM(3, 4, 1));
    expect(() => A.matvec(new Float64Array(3))).toThrow(ShapeError);
    expect(() => A.rmatvec(new Float64Array(4))).toThrow(ShapeError);
    expect(() => A.matmat(zeros(3, 2))).toThrow(ShapeError);
    expect(() => compose(A, A)).toThrow(ShapeError);
    expect(() => sum(A, transpose(A))).toThrow(ShapeError);
    expect(() => fromMatrix(randM(3, 4, 1), { symmetric: true })).toThrow(ShapeError);
    expect(() => fromMatrix({ rows: 2, cols: 2, data: Float64Array.from([1, 2, 3, 1]) }, { symmetric: true })).toThrow(InputError);
    expect(() => fromMatrix({ rows: 1, cols: 2, data: Float64Array.from([1, NaN]) })).toThrow(NonFiniteError);
    expect(() => makeOperator({ rows: 2, cols: 2, matvec: (x) => x })).toThrow(InputError);
    const nan = makeOperator({ rows: 2, cols: 2, symmetric: true, matvec: () => Float64Array.from([NaN, 0]), label: 'bad' });
    expect(() => nan.matvec(new Float64Array(2))).toThrow(/bad.*non-finite/);
    expect(() => nan.matmat(zeros(2, 3))).toThrow(NonFiniteError);
    const wrongLen = makeOperator({ rows: 2, cols: 2, symmetric: true, matvec: () => new Float64Array(3) });
    expect(() => wrongLen.matvec(new Float64Array(2))).toThrow(ShapeError);
    expect(() => scale(Infinity, A)).toThrow(NonFiniteError);
    expect(() => symmetricApply(A)).toThrow(ShapeError);
    expect(() => symmetricApply(fromMatrix(randM(3, 3, 2)))).toThrow(InputError);
  });

  it('estimator front-ends on operators: J Jᵀ eigenpairs/trace/PR match dense', () => {
    const J = randM(60, 12, 4);
    const K = outerGram(fromMatrix(J));
    const Kd = gemm(J, J, { transB: true });
    let tr = 0, f = 0;
    for (let i = 0; i < 60; i++) tr += Kd.data[i * 60 + i]!;
    for (const v of Kd.data) f += v * v;
    const top = topEigenpairs(K, { k: 3, seed: 1 });
    const sub = topEigenpairs(K, { k: 3, seed: 1, method: 'subspace' });
    expect(maxAbsDiff(top.values, sub.values)).toBeLessThan(1e-8 * top.values[0]!);
    expect(Math.abs(estimateTrace(K, { budget: 60 }).estimate - tr)).toBeLessThan(1e-12 * tr);
    // rank 12 < sketch: Hutch++ exact
    expect(Math.abs(estimateTrace(K, { budget: 40, seed: 3 }).estimate - tr)).toBeLessThan(1e-9 * tr);
    const m = estimateMoments(K, { budget: 60 });
    expect(Math.abs(m.participationRatio.estimate - (tr * tr) / f)).toBeLessThan(1e-12 * m.participationRatio.estimate);
  });
});

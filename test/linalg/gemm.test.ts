import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gemm, gemv, gemvInto, syrk, transpose, zeros, clone, frobeniusNorm } from '../../src/linalg/index.js';
import { ShapeError } from '../../src/errors.js';
import { gaussian, maxAbs, maxAbsDiff, naiveGemm } from './helpers.js';

describe('gemm', () => {
  it('equals a naive triple loop for all transposes, α, β (relative 1e-12)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 0, max: 300 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(1, -0.5, 2.25),
        fc.constantFrom(0, 1, -1.5),
        fc.integer({ min: 1, max: 1e6 }),
        (m, n, k, tA, tB, alpha, beta, seed) => {
          const A = tA ? gaussian(k, m, seed) : gaussian(m, k, seed);
          const B = tB ? gaussian(n, k, seed + 1) : gaussian(k, n, seed + 1);
          const C0 = gaussian(m, n, seed + 2);
          const ref = naiveGemm(tA, tB, alpha, A, B, beta, C0);
          const C = clone(C0);
          gemm(A, B, { transA: tA, transB: tB, alpha, beta, out: C });
          const scale = Math.max(1, maxAbs(ref.data)) * Math.max(1, Math.sqrt(k));
          expect(maxAbsDiff(C.data, ref.data)).toBeLessThanOrEqual(1e-12 * scale);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('is exact on a small known product and ignores NaN in C when β = 0', () => {
    const A = { rows: 2, cols: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6]) };
    const B = { rows: 3, cols: 2, data: Float64Array.from([7, 8, 9, 10, 11, 12]) };
    const C = { rows: 2, cols: 2, data: Float64Array.from([NaN, NaN, NaN, NaN]) };
    gemm(A, B, { out: C, beta: 0 });
    expect(Array.from(C.data)).toEqual([58, 64, 139, 154]);
  });

  it('handles a large blocked case (k > KC, m > MC) against the naive loop', () => {
    const A = gaussian(130, 300, 7);
    const B = gaussian(300, 37, 8);
    const C = gemm(A, B, { alpha: 0.5 });
    const ref = naiveGemm(false, false, 0.5, A, B, 0, zeros(130, 37));
    expect(maxAbsDiff(C.data, ref.data)).toBeLessThanOrEqual(1e-12 * maxAbs(ref.data) * Math.sqrt(300));
  });

  it('throws ShapeError on mismatched shapes', () => {
    expect(() => gemm(zeros(2, 3), zeros(2, 3))).toThrow(ShapeError);
    expect(() => gemm(zeros(2, 3), zeros(3, 4), { out: zeros(2, 5) })).toThrow(ShapeError);
    expect(() => gemv(zeros(2, 3), new Float64Array(2))).toThrow(ShapeError);
    expect(() => gemvInto(zeros(2, 3), new Float64Array(3), new Float64Array(3))).toThrow(ShapeError);
    const S = zeros(3, 3);
    expect(() => gemm(S, zeros(3, 3), { out: S })).toThrow(ShapeError);
    const x = new Float64Array(3);
    expect(() => gemvInto(zeros(3, 3), x, x)).toThrow(ShapeError);
  });
});

describe('gemv', () => {
  it('matches gemm both ways, with α and β', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (m, n, trans, seed) => {
        const A = gaussian(m, n, seed);
        const x = gaussian(trans ? m : n, 1, seed + 1);
        const y0 = gaussian(trans ? n : m, 1, seed + 2);
        const ref = naiveGemm(trans, false, -0.7, A, x, 0.3, y0);
        const y = gemvInto(A, x.data, y0.data.slice(), { trans, alpha: -0.7, beta: 0.3 });
        expect(maxAbsDiff(y, ref.data)).toBeLessThanOrEqual(1e-12 * Math.max(1, maxAbs(ref.data)) * Math.max(1, Math.sqrt(n + m)));
        const y2 = gemv(A, x.data, trans);
        const ref2 = naiveGemm(trans, false, 1, A, x, 0, y0);
        expect(maxAbsDiff(y2, ref2.data)).toBeLessThanOrEqual(1e-12 * Math.max(1, maxAbs(ref2.data)) * Math.max(1, Math.sqrt(n + m)));
      }),
      { numRuns: 50 },
    );
  });
});

describe('syrk', () => {
  it('large blocked case (several row blocks and k blocks)', () => {
    for (const trans of [false, true]) {
      const A = trans ? gaussian(300, 131, 3) : gaussian(131, 300, 3);
      const S = syrk(A, trans);
      const ref = naiveGemm(trans, !trans, 1, A, A, 0, zeros(131, 131));
      expect(maxAbsDiff(S.data, ref.data)).toBeLessThanOrEqual(1e-12 * maxAbs(ref.data) * Math.sqrt(300));
    }
  });

  it('A Aᵀ and Aᵀ A equal gemm and are exactly symmetric', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), fc.boolean(), fc.integer({ min: 1, max: 1e6 }), (m, n, trans, seed) => {
        const A = gaussian(m, n, seed);
        const S = syrk(A, trans);
        const ref = gemm(A, A, { transA: trans, transB: !trans });
        const d = S.rows;
        expect(S.cols).toBe(d);
        expect(maxAbsDiff(S.data, ref.data)).toBeLessThanOrEqual(1e-12 * Math.max(1, frobeniusNorm(ref)));
        const St = transpose(S);
        expect(maxAbsDiff(S.data, St.data)).toBe(0);
      }),
      { numRuns: 40 },
    );
  });
});

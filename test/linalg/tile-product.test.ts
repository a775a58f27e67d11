/**
 * The register-tiled accumulating products `out += A X` and `out += Aᵀ W` (linalg/tile-product.ts)
 * against plain triple loops, on blocks at offsets inside larger arrays, for sizes that exercise
 * every tail (rows/cols not multiples of 4, odd k, k = 1, fewer than four rows). Tolerance: 1e-12
 * relative to the largest entry (sums of at most 70 products of O(1) terms, ≈ 70·ε). `tileProductAdd`
 * sums over q in order, as the plain loop does, so it must agree exactly; so does `stepsProduct`
 * with the TypeScript GEMM (one k-block below 256: the same order of summation). `tileProductTAdd3x4`
 * sums over i in order as the plain loop does (exact), and `stepsProductT` reproduces the GEMM's
 * `Uᵀ G` bit for bit, its runs of 256 rows and its one-run small products included.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tileProductAdd, tileProductTAdd, tileProductTAdd3x4 } from '../../src/linalg/tile-product.js';
import { createRng } from '../../src/linalg/random.js';
import { gemm, getBackend, setBackend } from '../../src/linalg/index.js';
import { stepsProduct, stepsProductT } from '../../src/models/kernels.js';

function filled(n: number, seed: string): Float64Array {
  const a = new Float64Array(n);
  createRng(seed).fillNormal(a);
  return a;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

const shapes = fc.record({ rows: fc.integer({ min: 1, max: 70 }), cols: fc.integer({ min: 1, max: 70 }), k: fc.integer({ min: 1, max: 13 }), aOff: fc.integer({ min: 0, max: 5 }), xOff: fc.integer({ min: 0, max: 5 }), oOff: fc.integer({ min: 0, max: 5 }) });

describe('tileProductAdd', () => {
  it('adds A X to out like a plain loop (exactly: the same order of summation)', () => {
    fc.assert(
      fc.property(shapes, ({ rows, cols, k, aOff, xOff, oOff }) => {
        const A = filled(aOff + rows * cols, `a${rows}:${cols}`);
        const X = filled(xOff + cols * k, `x${cols}:${k}`);
        const out = filled(oOff + rows * k + 3, `o${rows}:${k}`);
        const ref = out.slice();
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < k; j++) {
            let s = 0;
            for (let q = 0; q < cols; q++) s += A[aOff + i * cols + q]! * X[xOff + q * k + j]!;
            ref[oOff + i * k + j]! += s;
          }
        }
        tileProductAdd(A, aOff, rows, cols, X, xOff, k, out, oOff);
        expect(Array.from(out)).toEqual(Array.from(ref));
      }),
      { numRuns: 150 },
    );
  });
});

describe('tileProductTAdd', () => {
  it('adds Aᵀ W to out within 1e-12 of a plain loop, leaving the rest of out alone', () => {
    fc.assert(
      fc.property(shapes, ({ rows, cols, k, aOff, xOff, oOff }) => {
        const A = filled(aOff + rows * cols, `a${rows}:${cols}`);
        const W = filled(xOff + rows * k, `w${rows}:${k}`);
        const out = filled(oOff + cols * k + 3, `o${cols}:${k}`);
        const ref = out.slice();
        for (let q = 0; q < cols; q++) {
          for (let j = 0; j < k; j++) {
            let s = 0;
            for (let i = 0; i < rows; i++) s += A[aOff + i * cols + q]! * W[xOff + i * k + j]!;
            ref[oOff + q * k + j]! += s;
          }
        }
        tileProductTAdd(A, aOff, rows, cols, W, xOff, k, out, oOff);
        const scale = maxAbs(ref);
        for (let i = 0; i < out.length; i++) {
          if (i < oOff || i >= oOff + cols * k) expect(out[i]).toBe(ref[i]);
          else expect(Math.abs(out[i]! - ref[i]!)).toBeLessThanOrEqual(1e-12 * scale);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('stepsProduct (models/kernels.ts) on the js backend', () => {
  it('equals the TypeScript GEMM bit for bit, overwriting or accumulating, for inner dimensions on both sides of the tile/GEMM switch', () => {
    const prev = getBackend().name as 'js' | 'native';
    setBackend('js');
    try {
      for (const [rows, inner, cols] of [[37, 19, 48], [5, 1, 7], [64, 63, 13], [21, 64, 9], [12, 130, 6]] as const) {
        const U = { rows, cols: inner, data: filled(rows * inner, `u${inner}`) };
        const X = { rows: inner, cols, data: filled(inner * cols, `x${inner}`) };
        const start = filled(rows * cols, `o${rows}`);
        for (const accumulate of [false, true]) {
          const out = { rows, cols, data: start.slice() };
          const ref = gemm(U, X, { out: { rows, cols, data: start.slice() }, ...(accumulate ? { beta: 1 } : {}) });
          expect(stepsProduct(U, X, out, accumulate)).toBe(out);
          expect(Array.from(out.data)).toEqual(Array.from(ref.data));
        }
      }
    } finally {
      setBackend(prev);
    }
  });
});

describe('tileProductTAdd3x4', () => {
  it('adds Aᵀ W to out like a plain loop (exactly: the same order of summation), leaving the rest of out alone', () => {
    fc.assert(
      fc.property(shapes, ({ rows, cols, k, aOff, xOff, oOff }) => {
        const A = filled(aOff + rows * cols, `a${rows}:${cols}`);
        const W = filled(xOff + rows * k, `w${rows}:${k}`);
        const out = filled(oOff + cols * k + 3, `o${cols}:${k}`);
        const ref = out.slice();
        for (let q = 0; q < cols; q++) {
          for (let j = 0; j < k; j++) {
            let s = 0;
            for (let i = 0; i < rows; i++) s += A[aOff + i * cols + q]! * W[xOff + i * k + j]!;
            ref[oOff + q * k + j]! += s;
          }
        }
        tileProductTAdd3x4(A, aOff, rows, cols, W, xOff, k, out, oOff);
        expect(Array.from(out)).toEqual(Array.from(ref));
      }),
      { numRuns: 150 },
    );
  });
});

describe('stepsProductT (models/kernels.ts) on the js backend', () => {
  it('equals the TypeScript GEMM Uᵀ G bit for bit: one run, runs of 256 rows, small products, and inner dimensions on both sides of the switch', () => {
    const prev = getBackend().name as 'js' | 'native';
    setBackend('js');
    try {
      for (const [rows, inner, cols] of [[240, 18, 48], [256, 17, 9], [257, 17, 9], [600, 2, 48], [300, 2, 40], [700, 1, 3], [513, 5, 7], [40, 63, 12], [300, 64, 5], [0, 3, 4]] as const) {
        const U = { rows, cols: inner, data: filled(rows * inner, `u${rows}:${inner}`) };
        const G = { rows, cols, data: filled(rows * cols, `g${rows}:${cols}`) };
        const ref = gemm(U, G, { transA: true });
        const out = { rows: inner, cols, data: filled(inner * cols, 'stale') };
        expect(stepsProductT(U, G, out)).toBe(out);
        expect(Array.from(out.data)).toEqual(Array.from(ref.data));
      }
    } finally {
      setBackend(prev);
    }
  });
});

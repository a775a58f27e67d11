import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRng, detLog, randomOrthogonal, randomNormalMatrix, gemm, identity } from '../../src/linalg/index.js';
import { InputError } from '../../src/errors.js';
import { maxAbsDiff } from './helpers.js';

describe('createRng', () => {
  it('is deterministic and pinned (golden values guard cross-platform stability)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xs);
    // Golden stream: changing the generator changes every seeded result in the project.
    expect(xs).toEqual([2837322924, 544796137, 479756282, 3388071582, 835081620]);
    const c = createRng(7);
    expect([c.uniform(), c.normal(), c.normal(), c.int(10)]).toEqual([0.23382772141875174, -1.4897132506666657, 2.1555626238648453, 5]);
    expect(createRng(1).uniform()).not.toBe(createRng(2).uniform());
    expect(createRng('abc').uniform()).toBe(createRng('abc').uniform());
  });

  it('uniform in [0,1) with the right mean; normal has mean 0, variance 1', () => {
    const r = createRng(123);
    const n = 200_000;
    let su = 0, sn = 0, sn2 = 0, sn4 = 0, mn = 1, mx = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      mn = Math.min(mn, u);
      mx = Math.max(mx, u);
      su += u;
      const z = r.normal();
      sn += z;
      sn2 += z * z;
      sn4 += z ** 4;
    }
    expect(mn).toBeGreaterThanOrEqual(0);
    expect(mx).toBeLessThan(1);
    expect(Math.abs(su / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sn / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sn2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(sn4 / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('int(n) stays in range and covers it; rejects bad n', () => {
    const r = createRng(9);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) counts[r.int(7)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(() => r.int(0)).toThrow(InputError);
    expect(() => r.int(2.5)).toThrow(InputError);
    expect(() => createRng(NaN)).toThrow(InputError);
    const big = 2 ** 40 + 3;
    for (let i = 0; i < 100; i++) {
      const v = r.int(big);
      expect(Number.isInteger(v) && v >= 0 && v < big).toBe(true);
    }
  });

  it('fork gives an independent, deterministic stream', () => {
    const a = createRng(5).fork();
    const b = createRng(5).fork();
    expect(a.uniform()).toBe(b.uniform());
    expect(createRng(5).fork().uniform()).not.toBe(createRng(5).uniform());
  });
});

describe('detLog', () => {
  it('matches Math.log to 4 ulp over many magnitudes', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1e300, noNaN: true }), (x) => {
        const ref = Math.log(x);
        expect(Math.abs(detLog(x) - ref)).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(1, Math.abs(ref)));
      }),
      { numRuns: 2000 },
    );
    expect(detLog(1)).toBe(0);
    expect(detLog(5e-324)).toBeCloseTo(Math.log(5e-324), 10);
    expect(detLog(0)).toBe(-Infinity);
    expect(Number.isNaN(detLog(-1))).toBe(true);
  });
});

describe('randomOrthogonal / randomNormalMatrix', () => {
  it('QᵀQ = I and deterministic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
        const Q = randomOrthogonal(n, createRng(seed));
        expect(maxAbsDiff(gemm(Q, Q, { transA: true }).data, identity(n).data)).toBeLessThanOrEqual(1e-13 * n);
        expect(Array.from(randomOrthogonal(n, createRng(seed)).data)).toEqual(Array.from(Q.data));
      }),
      { numRuns: 20 },
    );
    const M = randomNormalMatrix(3, 4, createRng(1));
    expect([M.rows, M.cols, M.data.length]).toEqual([3, 4, 12]);
  });
});

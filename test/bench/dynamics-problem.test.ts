import { describe, expect, it } from 'vitest';
import { dynamicsProblem } from '../../bench/dynamics.bench.js';
import { continueBranch, findFixedPoints, linePath, modelSystem, pathSystem, solveFixedPoint } from '../../src/dynamics/index.js';

// The bench runs N = 256; the construction (bulk gain 0.5 + planted rank-one outlier λ u uᵀ) is the
// same at every N, so the claims are checked at N = 48 to keep this file fast, and at N = 256
// only through three Newton solves.
describe('dynamics bench problem', () => {
  it('model B has the 3 fixed points it claims (origin saddle, ±h* stable), model A only the origin', () => {
    const p = dynamicsProblem(48);
    const rep = findFixedPoints(modelSystem(p.b));
    expect(rep.points.length).toBe(p.expectedFixedPoints);
    const origin = rep.points[0]!;
    expect(Math.max(...origin.h.map(Math.abs))).toBeLessThan(1e-10);
    expect(origin.unstableCount).toBe(1);
    const [h1, h2] = [rep.points[1]!, rep.points[2]!];
    expect(h1.stability).toBe('stable');
    expect(h2.stability).toBe('stable');
    // ±h*: symmetric pair, rel. tolerance 1e-8
    for (let i = 0; i < 48; i++) expect(Math.abs(h1.h[i]! + h2.h[i]!)).toBeLessThan(1e-8 * (1 + Math.abs(h1.h[i]!)));
    for (const q of rep.points) expect(q.residual).toBeLessThan(1e-10);
    expect(findFixedPoints(modelSystem(p.a), { nStarts: 8, nRandom: 4 }).points.length).toBe(1);
  });

  it('the line A → B has one pitchfork of the origin branch', () => {
    const p = dynamicsProblem(48);
    const res = continueBranch(pathSystem(linePath(p.a, p.b)), { s0: 0, s1: 1, h0: new Float64Array(48) });
    expect(res.events.map((e) => e.type)).toEqual([...p.expectedEvents]);
    expect(res.events[0]!.criticality).toBe('supercritical');
    expect(res.events[0]!.s).toBeGreaterThan(0);
    expect(res.events[0]!.s).toBeLessThan(1);
  });

  it('at N = 256 the nonzero pair ±h* exists along ±u (Newton from ±u, residual ≤ 1e-10)', () => {
    const p = dynamicsProblem(256);
    const sys = modelSystem(p.b);
    const plus = solveFixedPoint(sys, 0, p.u.map((v) => v * 8));
    const minus = solveFixedPoint(sys, 0, p.u.map((v) => -v * 8));
    expect(plus.converged && minus.converged).toBe(true);
    let dot = 0, n = 0;
    for (let i = 0; i < 256; i++) {
      dot += plus.h[i]! * p.u[i]!;
      n += plus.h[i]! ** 2;
      expect(Math.abs(plus.h[i]! + minus.h[i]!)).toBeLessThan(1e-8);
    }
    expect(Math.sqrt(n)).toBeGreaterThan(1);
    expect(dot / Math.sqrt(n)).toBeGreaterThan(0.5);
  });
});

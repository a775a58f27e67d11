import { describe, expect, it } from 'vitest';
import { analyzeSntk } from '../../src/sntk/analyze.js';
import { defineSpec, randomModel, rollout } from '../../src/models/index.js';
import { createRng } from '../../src/linalg/random.js';
import { InputError } from '../../src/errors.js';

function problem(N: number, T: number, D = 2, seed = 1) {
  const spec = defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: D });
  const model = randomModel(spec, seed, { gain: 1.2, biasScale: 0.1 });
  const X = new Float64Array(T * D);
  createRng(seed + 1).fillNormal(X);
  return { model, traj: rollout(model, X, { B: 1, T }) };
}

describe('analyzeSntk: matrix-free vs dense', () => {
  // (32, 100): P = 1120 < M = 3200, the operator path works on JᵀJ; (64, 20): M = 1280 < P = 4288,
  // it works on J Jᵀ = P K_θ Pᵀ. The (64, 50) case runs in `npm run bench` (bench/kernel.bench.ts),
  // since its dense reference (a 3200² eigenproblem) is too slow for the test suite without BLAS.
  for (const [N, T] of [[32, 100], [64, 20]] as const) {
    it(`N=${N}, T=${T}: top-10 within 1e-8 relative, trace exact to 1e-12, PR within 4 standard errors`, () => {
      const { model, traj } = problem(N, T);
      const dense = analyzeSntk(model, traj, { method: 'dense', top: 10 });
      const op = analyzeSntk(model, traj, { method: 'operator', top: 10, seed: 3 });
      expect(dense.method).toBe('dense');
      expect(op.method).toBe('operator');
      expect(op.via).toBe(N === 32 ? 'JtJ' : 'JJt');
      expect(op.traceExact).toBe(true);
      expect(Math.abs(op.trace - dense.trace) / dense.trace).toBeLessThan(1e-12);
      for (let i = 0; i < 10; i++) expect(Math.abs(op.top[i]! - dense.top[i]!) / dense.top[i]!).toBeLessThan(1e-8);
      // the reported standard error is below 1% (the default cap of 120 probes stops short of the
      // 0.5% target at these sizes) and honest: the true PR lies within 4 standard errors
      const se = op.standardErrors!.participationRatio;
      expect(se / op.participationRatio).toBeLessThan(0.01);
      expect(se).toBeGreaterThan(0);
      expect(Math.abs(op.participationRatio - dense.participationRatio)).toBeLessThan(4 * se + 1e-12);
      expect(dense.participationRatio).toBeGreaterThanOrEqual(1);
      expect(dense.participationRatio).toBeLessThanOrEqual(Math.min(dense.rows, dense.params));
      expect(dense.entropyRank).not.toBeNull();
    });
  }

  it('the Hutchinson probes stop at the PR standard-error target (after at least 32), and the estimate is honest', () => {
    // (32, 100): n = P = 1120; the dense PR is the reference
    const { model, traj } = problem(32, 100);
    const dense = analyzeSntk(model, traj, { method: 'dense', top: 10 });
    for (const [seed, target] of [[1, 0.01], [2, 0.005], [3, 0.003]] as const) {
      const op = analyzeSntk(model, traj, { method: 'operator', top: 10, seed, probes: 1000, prRelativeError: target });
      const se = op.standardErrors!.participationRatio;
      expect(op.probes).toBeGreaterThanOrEqual(32);
      expect(op.probes).toBeLessThan(1000); // stopped by the target, not the cap
      expect(op.probes! % 8).toBe(0); // whole batches
      expect(se / op.participationRatio).toBeLessThanOrEqual(target);
      expect(Math.abs(op.participationRatio - dense.participationRatio)).toBeLessThan(4 * se);
    }
    // target 0: every probe is used
    const all = analyzeSntk(model, traj, { method: 'operator', top: 10, seed: 1, probes: 64, prRelativeError: 0 });
    expect(all.probes).toBe(64);
    expect(() => analyzeSntk(model, traj, { method: 'operator', top: 10, prRelativeError: -1 })).toThrow(InputError);
  });

  it('rejects --top larger than the rank bound with a clear message', () => {
    const { model, traj } = problem(2, 3, 1);
    // M = 6 rows, P = 4 + 2 + 2 = 8 params → rank ≤ 6
    expect(() => analyzeSntk(model, traj, { top: 7 })).toThrow(InputError);
    expect(() => analyzeSntk(model, traj, { top: 7 })).toThrow(/min\(rows, params\) = min\(6, 8\) = 6/);
  });
});

describe('analyzeSntk: memory of the operator path', () => {
  // n = min(M, P) = min(480, 304) = 304; the full basis (200 + 4 vectors) with the probe batches ≈ 0.7 MB
  const { model, traj } = problem(16, 30);
  it('a budget below the full basis bounds it (thick restarts) and gives the same top-4 (rel 1e-8) and PR', () => {
    const full = analyzeSntk(model, traj, { method: 'operator', top: 4, seed: 2 });
    expect(full.lanczosBasis).toBeUndefined();
    const bounded = analyzeSntk(model, traj, { method: 'operator', top: 4, seed: 2, memoryBudget: 400e3 });
    expect(bounded.lanczosBasis).toBeDefined();
    expect(bounded.lanczosBasis!.maxBasis).toBeLessThan(204);
    for (let i = 0; i < 4; i++) expect(Math.abs(bounded.top[i]! - full.top[i]!) / full.top[i]!).toBeLessThan(1e-8);
    expect(Math.abs(bounded.participationRatio - full.participationRatio)).toBeLessThan(4 * full.standardErrors!.participationRatio + 1e-9);
  });
  it('refuses before allocating when even a small basis would exceed the budget, naming it', async () => {
    const { MemoryBudgetError } = await import('../../src/errors.js');
    let err: unknown;
    try {
      analyzeSntk(model, traj, { method: 'operator', top: 4, memoryBudget: 100e3 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MemoryBudgetError);
    expect(String((err as Error).message)).toMatch(/a Lanczos basis of at least 12 vectors of length 304/);
    expect(String((err as Error).message)).toMatch(/lower --top/);
  });
});

/**
 * Adjoint identities ⟨J u, v⟩ = ⟨u, Jᵀ v⟩ (fast-check over cells, activations, shapes N ∈ [1, 8],
 * D ∈ [1, 4], seeds and inputs), for ∂f/∂h, ∂f/∂θ, and through trajectories (B ∈ [2, 3],
 * T ∈ [20, 24]). Tolerance: |⟨Ju,v⟩ − ⟨u,Jᵀv⟩| ≤ 1e-12 · max(‖Ju‖‖v‖, ‖u‖‖Jᵀv‖).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { randomModel, defineSpec, rollout, trajectoryJvp, trajectoryVjp, flowField } from '../../src/models/index.js';
import { ACTS, CELLS, createRng, dot, norm, randn } from './helpers.js';

const TOL = 1e-12;

function adjointGap(Ju: Float64Array, v: Float64Array, u: Float64Array, JTv: Float64Array): number {
  const a = dot(Ju, v);
  const b = dot(u, JTv);
  const scale = Math.max(norm(Ju) * norm(v), norm(u) * norm(JTv));
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

const arb = fc.record({
  cell: fc.constantFrom(...CELLS),
  act: fc.constantFrom(...ACTS),
  N: fc.integer({ min: 1, max: 8 }),
  D: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 0, max: 1e9 }),
  gain: fc.double({ min: 0.1, max: 2, noNaN: true }),
  scale: fc.double({ min: 0.01, max: 3, noNaN: true }),
});

describe('adjoint identities', () => {
  it('one step: ∂f/∂h and ∂f/∂θ (and the flow field for leaky/rate)', () => {
    fc.assert(
      fc.property(arb, ({ cell, act, N, D, seed, gain, scale }) => {
        const spec = defineSpec({ cell, activation: act, hiddenSize: N, inputSize: D, alpha: 0.3 });
        const m = randomModel(spec, seed, { gain, biasScale: 0.5 });
        const rng = createRng(seed + 1);
        const theta = m.params.subarray(0, m.layout.cellSize);
        const cells = [m.cell, ...(cell === 'leaky' || cell === 'rate' ? [flowField(m)] : [])];
        for (const cl of cells) {
          const c = cl.forward(theta, randn(rng, N, scale), randn(rng, D, scale));
          const u = randn(rng, N), v = randn(rng, N), ut = randn(rng, cl.P);
          const Ju = new Float64Array(N), JTv = new Float64Array(N), Jut = new Float64Array(N);
          const JTvt = new Float64Array(cl.P);
          cl.jvpH(theta, c, u, Ju);
          cl.vjpH(theta, c, v, JTv);
          cl.jvpTheta(theta, c, ut, Jut);
          cl.vjpTheta(theta, c, v, JTvt);
          expect(adjointGap(Ju, v, u, JTv)).toBeLessThanOrEqual(TOL);
          expect(adjointGap(Jut, v, ut, JTvt)).toBeLessThanOrEqual(TOL);
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it('trajectories: ⟨(dH/dθ) u, E⟩ = ⟨u, (dH/dθ)ᵀ E⟩ through T ≥ 20 steps, B ≥ 2', () => {
    fc.assert(
      fc.property(
        arb,
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 20, max: 24 }),
        ({ cell, act, N, D, seed, gain, scale }, B, T) => {
          const spec = defineSpec({ cell, activation: act, hiddenSize: N, inputSize: D, alpha: 0.3 });
          const m = randomModel(spec, seed, { gain: Math.min(gain, 1.2), biasScale: 0.3 });
          const rng = createRng(`traj-${seed}`);
          const tr = rollout(m, randn(rng, B * T * D, scale), { B, T, h0: randn(rng, B * N, 0.5) });
          const u = randn(rng, m.layout.cellSize);
          const E = randn(rng, B * T * N);
          const dh0 = new Float64Array(B * N);
          expect(adjointGap(trajectoryJvp(m, tr, u), E, u, trajectoryVjp(m, tr, E, { dh0 }))).toBeLessThanOrEqual(TOL);
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});

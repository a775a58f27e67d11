/**
 * The leaky cell's scaled recurrence (`LinalgBackend.scaledRecurrence`): the js kernel and the
 * native one (AVX-512 / AVX2 tiles with masked tails, row shares over threads) against a plain
 * per-step reference, for sizes that exercise every tail (N and k not multiples of 8, k = 1, N
 * below one tile). Tolerance: 1e-12 relative to the largest entry (sums of N products of O(1)
 * terms reordered, ≈ N·ε), and the forward and transposed forms are adjoint:
 * `⟨L u, v⟩ = ⟨u, L* v⟩` for the linear map of the whole sweep.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { scaledRecurrenceJs } from '../../src/linalg/recurrence-kernel.js';
import { loadNativeBackend } from '../../src/linalg/native.js';
import { createRng } from '../../src/linalg/random.js';
import { maxAbs, maxAbsDiff } from './helpers.js';

/** The recurrence step by step with plain loops. */
function reference(transpose: boolean, T: number, N: number, k: number, W: Float64Array, leak: number, S: Float64Array, Y: Float64Array): void {
  const nk = N * k;
  if (!transpose) {
    for (let t = 1; t < T; t++) {
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < k; j++) {
          let z = 0;
          for (let l = 0; l < N; l++) z += W[i * N + l]! * Y[(t - 1) * nk + l * k + j]!;
          Y[t * nk + i * k + j]! += leak * Y[(t - 1) * nk + i * k + j]! + S[t * N + i]! * z;
        }
      }
    }
    return;
  }
  for (let t = T - 2; t >= 0; t--) {
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < k; j++) {
        let z = 0;
        for (let l = 0; l < N; l++) z += W[l * N + i]! * S[(t + 1) * N + l]! * Y[(t + 1) * nk + l * k + j]!;
        Y[t * nk + i * k + j]! += leak * Y[(t + 1) * nk + i * k + j]! + z;
      }
    }
  }
}

function inputs(T: number, N: number, k: number, seed: number) {
  const rng = createRng(seed);
  const W = new Float64Array(N * N), S = new Float64Array(T * N), Y = new Float64Array(T * N * k);
  rng.fillNormal(W);
  for (let i = 0; i < W.length; i++) W[i]! /= Math.sqrt(N);
  for (let i = 0; i < S.length; i++) S[i] = 0.2 + 0.8 * rng.uniform();
  rng.fillNormal(Y);
  return { W, S, Y };
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  return maxAbsDiff(a, b) / Math.max(maxAbs(b), Number.MIN_VALUE);
}

const native = loadNativeBackend();
const kernels: [string, typeof scaledRecurrenceJs][] = [['js', scaledRecurrenceJs]];
if (native) {
  // the addon picks its widest kernel; SNTK_RECURRENCE_KERNEL narrows it, so each one this CPU
  // has is checked (the AVX2 and BLAS paths too on an AVX-512 machine)
  const forced = (kernel: string): typeof scaledRecurrenceJs => (...args) => {
    const before = process.env.SNTK_RECURRENCE_KERNEL;
    process.env.SNTK_RECURRENCE_KERNEL = kernel;
    try {
      native.scaledRecurrence(...args);
    } finally {
      if (before === undefined) delete process.env.SNTK_RECURRENCE_KERNEL;
      else process.env.SNTK_RECURRENCE_KERNEL = before;
    }
  };
  kernels.push(['native', native.scaledRecurrence.bind(native)], ['native (avx2 asked)', forced('avx2')], ['native (blas asked)', forced('blas')]);
}

describe('scaledRecurrence', () => {
  for (const [name, kernel] of kernels) {
    it(`${name}: equals the per-step reference for every tail (rel ≤ 1e-12)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 19 }), fc.integer({ min: 2, max: 6 }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (N, k, T, transpose, leak, seed) => {
          const { W, S, Y } = inputs(T, N, k, seed);
          const want = Y.slice();
          reference(transpose, T, N, k, W, leak, S, want);
          const Wcopy = W.slice();
          kernel(transpose, T, N, k, W, leak, S, Y);
          expect(maxRelDiff(Y, want)).toBeLessThanOrEqual(1e-12);
          expect(W).toEqual(Wcopy); // W is read, not written
        }),
        { numRuns: 60 },
      );
    });

    it(`${name}: a size split over threads (N = 300, k = 12, T = 5) equals the reference (rel ≤ 1e-12)`, () => {
      for (const transpose of [false, true]) {
        const { W, S, Y } = inputs(5, 300, 12, 7);
        const want = Y.slice();
        reference(transpose, 5, 300, 12, W, 0.3, S, want);
        kernel(transpose, 5, 300, 12, W, 0.3, S, Y);
        expect(maxRelDiff(Y, want)).toBeLessThanOrEqual(1e-12);
      }
    });

    it(`${name}: the transposed sweep is the adjoint of the forward one (rel ≤ 1e-12)`, () => {
      // the sweep maps the initial blocks to the final ones linearly: with u in block t's source
      // and v anywhere, ⟨F(u), v⟩ = ⟨u, Fᵀ(v)⟩ where F adds to Y in place (F(u) − u is the map)
      const T = 6, N = 21, k = 3;
      const { W, S, Y: u } = inputs(T, N, k, 11);
      const { Y: v } = inputs(T, N, k, 12);
      const Fu = u.slice();
      kernel(false, T, N, k, W, 0.4, S, Fu);
      const Ftv = v.slice();
      kernel(true, T, N, k, W, 0.4, S, Ftv);
      // F = (I − L)⁻¹ applied blockwise in time order, Fᵀ = (I − Lᵀ)⁻¹: compare ⟨F u, v⟩ and ⟨u, Fᵀ v⟩
      let a = 0, b = 0, s = 0;
      for (let i = 0; i < u.length; i++) {
        a += Fu[i]! * v[i]!;
        b += u[i]! * Ftv[i]!;
        s += Math.abs(Fu[i]! * v[i]!);
      }
      expect(Math.abs(a - b) / s).toBeLessThanOrEqual(1e-12);
    });
  }

  it('an empty sweep (T < 2, N = 0 or k = 0) leaves Y unchanged', () => {
    for (const [, kernel] of kernels) {
      const { W, S, Y } = inputs(1, 4, 2, 1);
      const before = Y.slice();
      kernel(false, 1, 4, 2, W, 0.5, S, Y);
      kernel(true, 1, 4, 2, W, 0.5, S, Y);
      expect(Y).toEqual(before);
    }
  });
});

/**
 * The dense sNTK spectrum on the native backend, where the Gram for the full spectrum comes from a
 * lower-triangle-only SYRK or an unsymmetrised P K_θ Pᵀ: it equals the eigenvalues of the fully formed Gram (`J` by forward
 * sensitivities, `syrk`, `symmetricEigen`) to 1e-12 relative to λ_max, trace and ‖K‖_F² to 1e-12.
 * Skipped, visibly, without the addon.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadNativeBackend, nativeBackendStatus, tryRegisterNativeBackend } from '../../src/linalg/native.js';
import { getBackend, setBackend } from '../../src/linalg/registry.js';
import { symmetricEigen, syrk } from '../../src/linalg/index.js';
import { defineSpec, randomModel, rollout } from '../../src/models/index.js';
import { createRng } from '../../src/linalg/random.js';
import { sntkSpectrum } from '../../src/sntk/dense.js';
import { denseJacobian } from '../../src/sntk/sensitivity.js';

const native = loadNativeBackend();
const suite = native ? 'dense sNTK spectrum on the native backend' : `dense sNTK spectrum on the native backend (SKIPPED: ${nativeBackendStatus()})`;

function problem(N: number, T: number, B: number, seed: number) {
  const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: 2 }), seed, { gain: 1.2, biasScale: 0.1 });
  const X = new Float64Array(B * T * 2);
  createRng(seed + 1).fillNormal(X);
  return { model, traj: rollout(model, X, { B, T }) };
}

describe.skipIf(!native)(suite, () => {
  const before = getBackend().name;
  afterAll(() => setBackend(before));

  it('JᵀJ (M > P), J Jᵀ by SYRK (a row subset) and by P K_θ Pᵀ (M < P): eigenvalues, trace and ‖K‖_F² equal those of the full Gram', () => {
    tryRegisterNativeBackend();
    setBackend('native');
    const cases = [
      { ...problem(6, 20, 1, 5), rowIndex: undefined, trans: true }, // M = 120 > P = 54
      { ...problem(8, 4, 1, 6), rowIndex: Int32Array.from({ length: 20 }, (_, i) => i), trans: false }, // 20 rows < P = 88
      { ...problem(12, 6, 2, 3), rowIndex: undefined, trans: false }, // M = 144 < P = 180: P K_θ Pᵀ, not symmetrised
    ];
    for (const { model, traj, rowIndex, trans } of cases) {
      const s = sntkSpectrum(model, traj, rowIndex ? { rowIndex } : {});
      expect(s.via).toBe(trans ? 'JtJ' : 'JJt');
      expect(s.route).toBe(trans || rowIndex ? 'syrk' : 'pkp');
      let J = denseJacobian(model, traj);
      if (rowIndex) J = { rows: rowIndex.length, cols: J.cols, data: J.data.slice(0, rowIndex.length * J.cols) };
      const G = syrk(J, trans);
      const ref = Float64Array.from(symmetricEigen(G, { vectors: false }).values).reverse();
      expect(s.values.length).toBe(ref.length);
      const lmax = ref[0]!;
      for (let i = 0; i < ref.length; i++) expect(Math.abs(s.values[i]! - ref[i]!)).toBeLessThanOrEqual(1e-12 * lmax);
      let tr = 0, f2 = 0;
      for (let i = 0; i < G.rows; i++) tr += G.data[i * G.cols + i]!;
      for (const v of G.data) f2 += v * v;
      expect(Math.abs(s.trace - tr)).toBeLessThanOrEqual(1e-12 * tr);
      expect(Math.abs(s.frobeniusSquared - f2)).toBeLessThanOrEqual(1e-12 * f2);
    }
  });
});

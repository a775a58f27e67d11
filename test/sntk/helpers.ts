/** Shared fixtures of the sNTK tests: small random models/trajectories and finite-difference Jacobians. */
import { defineSpec, randomModel, rollout, createModel } from '../../src/models/index.js';
import type { CellKind, Model, Trajectory } from '../../src/models/index.js';
import { createRng } from '../../src/linalg/random.js';
import { zeros, type Matrix } from '../../src/linalg/matrix.js';

export const CELLS: CellKind[] = ['vanilla', 'leaky', 'rate', 'gru'];

/** A random model with readout and a rollout over random inputs. */
export function smallProblem(
  cell: CellKind,
  { N = 3, D = 2, O = 2, B = 2, T = 5, seed = 1, gain = 1.1 } = {},
): { model: Model; traj: Trajectory; X: Float64Array } {
  const spec = defineSpec({ cell, hiddenSize: N, inputSize: D, outputSize: O, alpha: cell === 'leaky' || cell === 'rate' ? 0.4 : undefined });
  const model = randomModel(spec, seed, { gain, biasScale: 0.3 });
  const rng = createRng(seed + 100);
  const X = new Float64Array(B * T * D);
  rng.fillNormal(X);
  const h0 = new Float64Array(B * N);
  rng.fillNormal(h0);
  for (let i = 0; i < h0.length; i++) h0[i]! *= 0.3;
  return { model, traj: rollout(model, X, { B, T, h0 }), X };
}

/**
 * `dH/dθ` (M × P) by central differences of the rollout, step `eps` (default 1e-6).
 * Truncation error O(eps²·f‴) ≈ 1e-12 and roundoff O(1e-16/eps) ≈ 1e-10 relative.
 */
export function finiteDifferenceJacobian(model: Model, traj: Trajectory, eps = 1e-6): Matrix {
  const P = model.layout.cellSize;
  const M = traj.B * traj.T * traj.N;
  const J = zeros(M, P);
  for (let p = 0; p < P; p++) {
    const plus = model.params.slice();
    const minus = model.params.slice();
    plus[p]! += eps;
    minus[p]! -= eps;
    const Hp = rollout(createModel(model.spec, plus), traj.X, { B: traj.B, T: traj.T, h0: traj.h0 }).H;
    const Hm = rollout(createModel(model.spec, minus), traj.X, { B: traj.B, T: traj.T, h0: traj.h0 }).H;
    for (let m = 0; m < M; m++) J.data[m * P + p] = (Hp[m]! - Hm[m]!) / (2 * eps);
  }
  return J;
}

/** max |A − B| / max |B|. */
export function relErr(A: ArrayLike<number>, B: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < B.length; i++) {
    num = Math.max(num, Math.abs(A[i]! - B[i]!));
    den = Math.max(den, Math.abs(B[i]!));
  }
  return num / (den || 1);
}

/** `A Aᵀ` by a plain triple loop (reference). */
export function naiveAAt(A: Matrix): Matrix {
  const { rows: m, cols: n } = A;
  const C = zeros(m, m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A.data[i * n + k]! * A.data[j * n + k]!;
      C.data[i * m + j] = s;
    }
  }
  return C;
}

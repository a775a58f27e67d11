/** Helpers shared by the tasks. */
import type { Model } from '../../models/types.js';
import type { LossTarget } from '../batch.js';

/**
 * Rolls `model` over inputs `X` (`B × T × D`) from `h0` (zeros when absent) and returns the
 * targets' predictions (`B × T × O` outputs, or `B × T × N` states). Cost O(B·T·(N² + ND + NO)).
 */
export function forwardTargets(model: Model, X: Float64Array, B: number, T: number, target: LossTarget, h0?: Float64Array): Float64Array {
  const { hiddenSize: N, inputSize: D, outputSize: O } = model.spec;
  const W = target === 'state' ? N : O;
  const out = new Float64Array(B * T * W);
  const theta = model.params.subarray(0, model.layout.cellSize);
  const cOff = model.layout.cellSize;
  const dOff = cOff + O * N;
  for (let b = 0; b < B; b++) {
    let h: Float64Array = h0 ? h0.slice(b * N, (b + 1) * N) : new Float64Array(N);
    for (let t = 0; t < T; t++) {
      const row = b * T + t;
      h = model.cell.forward(theta, h, X.subarray(row * D, (row + 1) * D)).out.slice();
      if (target === 'state') out.set(h, row * N);
      else {
        for (let o = 0; o < O; o++) {
          let s = model.params[dOff + o]!;
          for (let n = 0; n < N; n++) s += model.params[cOff + o * N + n]! * h[n]!;
          out[row * O + o] = s;
        }
      }
    }
  }
  return out;
}

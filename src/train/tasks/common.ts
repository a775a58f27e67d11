/** Helpers shared by the tasks. */
import type { Model } from '../../models/types.js';
import { readout, rollout } from '../../models/index.js';
import type { LossTarget } from '../batch.js';

/**
 * Rolls `model` over inputs `X` (`B × T × D`) from `h0` (`B × N`, zeros when absent) and returns
 * the targets' predictions: `B × T × O` readout outputs (the readout reads its state slice, the
 * top layer's `h` of a stacked or LSTM cell), or the `B × T × N` full states (N = the cell's state
 * size, `2·hiddenSize` per LSTM layer). Cost O(B·T·(cell step + N·O)).
 */
export function forwardTargets(model: Model, X: Float64Array, B: number, T: number, target: LossTarget, h0?: Float64Array): Float64Array {
  const traj = rollout(model, X, h0 ? { B, T, h0 } : { B, T });
  return target === 'state' ? traj.H.slice() : readout(model, traj);
}

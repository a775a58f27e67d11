/** The training loss: `½ mean (y − y*)²` on readout outputs or hidden states, gradient masked. */
import type { Model } from '../models/types.js';
import type { Batch, LossTarget } from './batch.js';
import { fusedSweep } from './sweep.js';

/**
 * Loss `½ mean (y − y*)²` and its gradient over the flat parameters (cell then readout),
 * zero outside `mask`. `target` 'output' (default) or 'state'. Cost: one forward + one backward sweep.
 */
export function trainingLossAndGrad(model: Model, batch: Batch, opts: { target?: LossTarget; mask?: Uint8Array } = {}): { loss: number; grad: Float64Array } {
  const r = fusedSweep(model, batch, { target: opts.target ?? 'output', ...(opts.mask ? { mask: opts.mask } : {}) });
  return { loss: r.loss, grad: r.grad };
}

/** The loss only (one forward sweep). */
export function trainingLoss(model: Model, batch: Batch, opts: { target?: LossTarget } = {}): number {
  return fusedSweep(model, batch, { target: opts.target ?? 'output', grad: false }).loss;
}

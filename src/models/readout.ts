/** Readout `y_t = C h_t + d` and the MSE loss on outputs with its gradient. */
import type { Model, Trajectory } from './types.js';
import { ShapeError, InputError, NonFiniteError, assertFinite } from '../errors.js';
import { paramBlock } from './layout.js';
import { trajectoryVjp } from './rollout.js';
import { readoutSlice } from './spec.js';

/** The readout blocks and the state slice `[off, off + W)` that `C` (O × W) reads (spec.ts `readoutSlice`). */
function readoutBlocks(model: Model): { oC: number; od: number; O: number; off: number; W: number } {
  const O = model.spec.outputSize;
  if (O === 0) throw new InputError('this model has no readout (outputSize = 0)');
  const { offset, width } = readoutSlice(model.spec);
  return { oC: paramBlock(model.layout, 'C').offset, od: paramBlock(model.layout, 'd').offset, O, off: offset, W: width };
}

/**
 * Outputs `Y = H Cᵀ + d` (`B × T × O`, row `(b, t)`), `C` reading the state slice of
 * `readoutSlice` (all of h for the sntk cells, the top layer's h for PyTorch cells). Throws
 * InputError without a readout. Cost O(B·T·W·O).
 */
export function readout(model: Model, traj: Trajectory): Float64Array {
  const { oC, od, O, off, W } = readoutBlocks(model);
  const { B, T, N, H } = traj;
  if (N !== model.cell.N) throw new ShapeError(`readout: trajectory has N=${N}, model N=${model.cell.N}`);
  const p = model.params;
  const Y = new Float64Array(B * T * O);
  for (let r = 0; r < B * T; r++) {
    const hb = r * N + off;
    for (let o = 0; o < O; o++) {
      let s = p[od + o]!;
      const co = oC + o * W;
      for (let i = 0; i < W; i++) s += p[co + i]! * H[hb + i]!;
      Y[r * O + o] = s;
    }
  }
  return Y;
}

/** Result of `mseLoss`. */
export interface MseResult {
  /** `½ · mean over (b, t, o) of (y − y*)²`. */
  loss: number;
  /** Gradient w.r.t. all parameters (length layout.size: cell, then C, d). */
  grad: Float64Array;
  /** Model outputs `B × T × O`. */
  outputs: Float64Array;
}

/**
 * MSE on outputs, `L = (1/(2·B·T·O)) Σ (y − y*)²`, and `∂L/∂params` (cell part by BPTT, readout
 * part `∂L/∂C = Rᵀ H`, `∂L/∂d = Σ R`, `R = (Y − Y*)/(B·T·O)`). `Y` is `B × T × O`.
 * Throws ShapeError / NonFiniteError. Cost one readout + one backward sweep, O(B·T·(P + N·O)).
 *
 * @param model - a network with a readout (`O > 0`).
 * @param traj - a trajectory of `model`.
 * @param Y - targets, `B·T·O` values ordered `(b, t, o)`.
 * @returns the loss and its gradient over all parameters (length `layout.size`).
 * @throws {@link sntk!ShapeError} when `Y` or `traj` does not fit the model.
 * @throws {@link sntk!NonFiniteError} for NaN or Inf targets or loss.
 */
export function mseLoss(model: Model, traj: Trajectory, Y: Float64Array): MseResult {
  const { oC, od, O, off, W } = readoutBlocks(model);
  const { B, T, N, H } = traj;
  if (Y.length !== B * T * O) throw new ShapeError(`mseLoss: targets have length ${Y.length}, expected B·T·O = ${B * T * O}`);
  assertFinite(Y, 'mseLoss targets');
  const out = readout(model, traj);
  const scale = 1 / (B * T * O);
  const R = new Float64Array(B * T * O);
  let loss = 0;
  for (let k = 0; k < R.length; k++) {
    const r = out[k]! - Y[k]!;
    loss += r * r;
    R[k] = r * scale;
  }
  loss *= 0.5 * scale;
  const grad = new Float64Array(model.layout.size);
  const p = model.params;
  const E = new Float64Array(B * T * N);
  for (let row = 0; row < B * T; row++) {
    const hb = row * N + off;
    for (let o = 0; o < O; o++) {
      const r = R[row * O + o]!;
      if (r === 0) continue;
      const co = oC + o * W;
      grad[od + o]! += r;
      for (let i = 0; i < W; i++) {
        grad[co + i]! += r * H[hb + i]!;
        E[hb + i]! += r * p[co + i]!;
      }
    }
  }
  grad.set(trajectoryVjp(model, traj, E), 0);
  if (!Number.isFinite(loss)) throw new NonFiniteError(`mseLoss: loss is ${loss}`);
  return { loss, grad, outputs: out };
}

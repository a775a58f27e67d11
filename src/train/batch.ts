/**
 * A training batch and the trainable mask over a model's flat parameters (cell then readout).
 */
import type { Model } from '../models/types.js';
import { InputError, ShapeError, assertFinite } from '../errors.js';

/** What the loss is taken on: the readout outputs `y = C h + d` or the hidden states `h`. */
export type LossTarget = 'output' | 'state';

/**
 * Inputs `X` (`B × T × D`), targets `Y` (`B × T × O`, or `B × T × N` for state targets), optional
 * `h0` (`B × N`) and optional loss mask.
 */
export interface Batch {
  readonly B: number;
  readonly T: number;
  readonly X: Float64Array;
  readonly Y: Float64Array;
  readonly h0?: Float64Array;
  /**
   * Loss mask, the shape of `Y` (`B × T × O`), each entry 0 or 1: entries with 0 contribute
   * nothing to the loss, its gradient and the Fisher products, and the loss is the mean over the
   * entries with 1 (`L = ½ Σ m (y − y*)² / Σ m`). Absent: every entry counts.
   */
  readonly lossMask?: Float64Array;
}

/** Width of the loss target per time step: `O` for outputs, `N` for states. */
export function targetWidth(model: Model, target: LossTarget): number {
  return target === 'state' ? model.cell.N : model.spec.outputSize;
}

/** Throws ShapeError/NonFiniteError naming the problem when the batch does not fit the model. Cost O(BT(D+O)). */
export function checkBatch(model: Model, batch: Batch, target: LossTarget): void {
  const { B, T } = batch;
  const D = model.spec.inputSize;
  const N = model.cell.N;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 1) throw new ShapeError(`batch: B and T must be positive integers, got B=${B}, T=${T}`);
  const O = targetWidth(model, target);
  if (O < 1) throw new ShapeError(`batch: target '${target}' needs a readout (outputSize = 0)`);
  if (batch.X.length !== B * T * D) throw new ShapeError(`batch: X has length ${batch.X.length}, expected B·T·D = ${B}·${T}·${D}`);
  if (batch.Y.length !== B * T * O) throw new ShapeError(`batch: Y has length ${batch.Y.length}, expected B·T·${target === 'state' ? 'N' : 'O'} = ${B}·${T}·${O}`);
  if (batch.h0 && batch.h0.length !== B * N) throw new ShapeError(`batch: h0 has length ${batch.h0.length}, expected B·N = ${B * N}`);
  assertFinite(batch.X, 'batch X');
  assertFinite(batch.Y, 'batch Y');
  if (batch.lossMask) {
    const m = batch.lossMask;
    if (m.length !== B * T * O) throw new ShapeError(`batch: lossMask has length ${m.length}, expected the targets' B·T·${target === 'state' ? 'N' : 'O'} = ${B * T * O}`);
    for (let i = 0; i < m.length; i++) {
      if (m[i] !== 0 && m[i] !== 1) throw new InputError(`batch: lossMask entry ${i} is ${m[i]}, expected 0 or 1`);
    }
    if (lossMaskCount(m) === 0) throw new InputError('batch: the loss mask is 0 everywhere, so the loss has no entries (unmask at least one target entry)');
  }
}

/** Number of entries a loss mask keeps (its 1s). Cost O(length). */
export function lossMaskCount(m: Float64Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) c += m[i]!;
  return c;
}

/** A mask (1 = trainable) over a layout, from block names. Cost O(size). */
export function maskFromBlocks(model: Model, names: readonly string[]): Uint8Array {
  const m = new Uint8Array(model.layout.size);
  for (const name of names) {
    const blk = model.layout.blocks.find((b) => b.name === name);
    if (!blk) throw new ShapeError(`trainable: model has no parameter block '${name}' (has ${model.layout.blocks.map((b) => b.name).join(', ')})`);
    m.fill(1, blk.offset, blk.offset + blk.rows * blk.cols);
  }
  return m;
}

/** Number of ones in a mask. */
export function maskCount(mask: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < mask.length; i++) s += mask[i]!;
  return s;
}

/** `v ← v ⊙ mask` in place; returns v. */
export function applyMask(v: Float64Array, mask: Uint8Array | undefined): Float64Array {
  if (!mask) return v;
  if (mask.length !== v.length) throw new ShapeError(`mask has length ${mask.length}, vector ${v.length}`);
  for (let i = 0; i < v.length; i++) if (!mask[i]) v[i] = 0;
  return v;
}

/** Models: a spec, its layout, one flat parameter vector and a cell. */
import type { Model, ModelSpec } from './types.js';
import { ShapeError, assertFinite, InputError } from '../errors.js';
import { createLayout } from './layout.js';
import { createCell } from './cells.js';
import { validateSpec } from './spec.js';
import { createRng } from '../linalg/random.js';

/**
 * A model of `spec` with flat parameters `params` (length `layout.size`, layout.ts order), zeros
 * when absent. A Float64Array is used as the model's buffer (no copy: later writes are seen by the
 * model); a number[] is copied. Throws InputError (bad spec), ShapeError (wrong length),
 * NonFiniteError (NaN/Inf). Cost O(P).
 *
 * @param spec - the model's spec (from {@link defineSpec}).
 * @param params - flat parameters, length `layout.size` (`W`, `U`, `b`, then `C`, `d`; docs/theory.md §1).
 * @returns the model: cell, layout and the live parameter buffer.
 * @throws {@link sntk!InputError} for a bad spec.
 * @throws {@link sntk!ShapeError} for parameters of the wrong length.
 * @throws {@link sntk!NonFiniteError} for NaN or Inf parameters.
 */
export function createModel(spec: ModelSpec, params?: Float64Array | readonly number[]): Model {
  validateSpec(spec);
  const layout = createLayout(spec);
  let p: Float64Array;
  if (params === undefined) p = new Float64Array(layout.size);
  else {
    p = params instanceof Float64Array ? params : Float64Array.from(params);
    if (p.length !== layout.size) {
      throw new ShapeError(
        `${spec.cell} model (N=${spec.hiddenSize}, D=${spec.inputSize}, O=${spec.outputSize}) needs ${layout.size} parameters ` +
          `(${layout.blocks.map((b) => `${b.name} ${b.rows}×${b.cols}`).join(', ')}), got ${p.length}`,
      );
    }
    for (const b of layout.blocks) {
      assertFinite(p.subarray(b.offset, b.offset + b.rows * b.cols), `parameter block ${b.name}`);
    }
  }
  return { spec, layout, params: p, cell: createCell(spec) };
}

/**
 * A model with the same spec, layout and cell but parameters `params` (same checks as createModel, no copy). Cost O(P).
 *
 * @param model - the model whose spec, layout and cell are reused.
 * @param params - flat parameters, length `layout.size`; used as the new model's buffer (no copy).
 * @returns a model sharing `params`.
 * @throws {@link sntk!ShapeError} for parameters of the wrong length.
 * @throws {@link sntk!NonFiniteError} for NaN or Inf parameters.
 */
export function withParams(model: Model, params: Float64Array): Model {
  const m = createModel(model.spec, params);
  return { spec: model.spec, layout: model.layout, params: m.params, cell: model.cell };
}

/** Options of `randomModel`. */
export interface RandomModelOptions {
  /** Recurrent gain g: recurrent weights ~ N(0, g²/N). Default 1. */
  gain?: number;
  /** Input weight scale: ~ N(0, inputScale²/D). Default 1. */
  inputScale?: number;
  /** Bias scale: ~ N(0, biasScale²). Default 0 (zero biases). */
  biasScale?: number;
}

/**
 * A model with seeded Gaussian parameters: recurrent blocks (W; GRU Wr, Wz, Wn; PyTorch cells'
 * weight_hh) ~ N(0, gain²/N), input blocks (U…, weight_ih: N(0, inputScale²/fan-in)), biases ~ N(0, biasScale²) (default 0), readout C ~ N(0, 1/N),
 * d = 0. Deterministic in `seed` (createRng). Cost O(P).
 *
 * @param spec - the model's spec.
 * @param seed - seed of the generator.
 * @param opts - recurrent `gain`, `inputScale`, `biasScale`.
 * @returns a model with seeded Gaussian parameters.
 * @throws {@link sntk!InputError} for a bad spec or non-finite scales.
 */
export function randomModel(spec: ModelSpec, seed: number | string, opts: RandomModelOptions = {}): Model {
  validateSpec(spec);
  const gain = opts.gain ?? 1;
  const inputScale = opts.inputScale ?? 1;
  const biasScale = opts.biasScale ?? 0;
  for (const [k, v] of [['gain', gain], ['inputScale', inputScale], ['biasScale', biasScale]] as const) {
    if (!Number.isFinite(v)) throw new InputError(`randomModel: ${k} must be finite, got ${v}`);
  }
  const model = createModel(spec);
  const rng = createRng(seed);
  const N = spec.hiddenSize;
  const D = Math.max(spec.inputSize, 1);
  for (const b of model.layout.blocks) {
    let scale: number;
    if (b.name.startsWith('W') || b.name.startsWith('weight_hh')) scale = gain / Math.sqrt(N);
    else if (b.name.startsWith('U') || b.name.startsWith('weight_ih')) scale = inputScale / Math.sqrt(b.cols > 0 ? b.cols : D);
    else if (b.name === 'C') scale = 1 / Math.sqrt(b.cols);
    else if (b.name === 'd') scale = 0;
    else scale = biasScale;
    const v = model.params.subarray(b.offset, b.offset + b.rows * b.cols);
    if (scale === 0) continue;
    rng.fillNormal(v);
    for (let i = 0; i < v.length; i++) v[i]! *= scale;
  }
  return model;
}

/** Model specs: defaults and validation. */
import type { CellKind, ModelSpec } from './types.js';
import { InputError } from '../errors.js';
import { getActivation } from './activations.js';

/** All cell kinds, in a stable order. */
export const CELL_KINDS: readonly CellKind[] = ['vanilla', 'leaky', 'rate', 'gru', 'torch-rnn', 'torch-gru', 'torch-lstm'];

/** The PyTorch cells (`nn.RNN`, `nn.GRU`, `nn.LSTM` with PyTorch's own parameters; cell-torch.ts). */
export const TORCH_CELL_KINDS: readonly CellKind[] = ['torch-rnn', 'torch-gru', 'torch-lstm'];

/** Whether `cell` is one of the PyTorch cells. Cost O(1). */
export function isTorchCell(cell: CellKind): boolean {
  return TORCH_CELL_KINDS.includes(cell);
}

/** Layers of a spec (1 unless a PyTorch cell says otherwise). Cost O(1). */
export function layerCount(spec: ModelSpec): number {
  return spec.numLayers ?? 1;
}

/** State entries of one layer: `2·hiddenSize` for `torch-lstm` (`[h; c]`), else `hiddenSize`. Cost O(1). */
export function layerStateSize(spec: ModelSpec): number {
  return (spec.cell === 'torch-lstm' ? 2 : 1) * spec.hiddenSize;
}

/** The state size N of a spec's cell: layers × layer state size. Cost O(1). */
export function stateSize(spec: ModelSpec): number {
  return layerCount(spec) * layerStateSize(spec);
}

/**
 * The state entries the readout `C` reads and that a stacked cell feeds upward: the top layer's
 * `h`, `[offset, offset + width)` of the state (`width = hiddenSize`). Cost O(1).
 */
export function readoutSlice(spec: ModelSpec): { offset: number; width: number } {
  return { offset: (layerCount(spec) - 1) * layerStateSize(spec), width: spec.hiddenSize };
}

/** Default Euler step `α = Δt/τ` of leaky and rate cells when a spec omits it. */
export const DEFAULT_ALPHA = 0.1;

/** What `defineSpec` needs; the rest gets defaults. */
export interface SpecInput {
  cell: CellKind;
  hiddenSize: number;
  inputSize: number;
  outputSize?: number;
  activation?: ModelSpec['activation'];
  alpha?: number;
  numLayers?: number;
  bias?: boolean;
}

/**
 * A validated ModelSpec with defaults: activation 'tanh', outputSize 0, alpha `DEFAULT_ALPHA`
 * for leaky/rate and 1 for vanilla/GRU (where it is ignored). Throws InputError. Cost O(1).
 *
 * @param s - cell kind, `hiddenSize` `N`, `inputSize` `D`, optional `outputSize` `O`, activation, `alpha`.
 * @returns the validated spec with defaults filled in.
 * @throws {@link sntk!InputError} naming the bad field.
 */
export function defineSpec(s: SpecInput): ModelSpec {
  const leakyLike = s.cell === 'leaky' || s.cell === 'rate';
  const spec: ModelSpec = {
    cell: s.cell,
    activation: s.activation ?? 'tanh',
    hiddenSize: s.hiddenSize,
    inputSize: s.inputSize,
    outputSize: s.outputSize ?? 0,
    alpha: leakyLike ? (s.alpha ?? DEFAULT_ALPHA) : (s.alpha ?? 1),
    ...(s.numLayers !== undefined ? { numLayers: s.numLayers } : {}),
    ...(s.bias !== undefined ? { bias: s.bias } : {}),
  };
  validateSpec(spec);
  return spec;
}

/**
 * Checks a spec: known cell and activation, hiddenSize ≥ 1, inputSize ≥ 0, outputSize ≥ 0
 * (integers), and for leaky/rate a finite `alpha` > 0 (usually in (0, 1]). Throws InputError
 * naming the field. Cost O(1).
 *
 * @param spec - the spec to check.
 * @throws {@link sntk!InputError} naming the bad field.
 */
export function validateSpec(spec: ModelSpec): void {
  if (!CELL_KINDS.includes(spec.cell)) {
    throw new InputError(`unknown cell "${String(spec.cell)}" (expected one of ${CELL_KINDS.join(', ')})`);
  }
  getActivation(spec.activation);
  const int = (v: number, what: string, min: number): void => {
    if (!Number.isInteger(v) || v < min) throw new InputError(`${what} must be an integer ≥ ${min}, got ${v}`);
  };
  int(spec.hiddenSize, 'hiddenSize', 1);
  int(spec.inputSize, 'inputSize', 0);
  int(spec.outputSize, 'outputSize', 0);
  if (spec.cell === 'leaky' || spec.cell === 'rate') {
    if (!Number.isFinite(spec.alpha) || !(spec.alpha > 0)) {
      throw new InputError(`alpha must be a finite number > 0 for a ${spec.cell} cell, got ${spec.alpha}`);
    }
  }
  const torch = isTorchCell(spec.cell);
  if (spec.numLayers !== undefined) {
    int(spec.numLayers, 'numLayers', 1);
    if (spec.numLayers > 1 && !torch) throw new InputError(`numLayers = ${spec.numLayers} needs a PyTorch cell (${TORCH_CELL_KINDS.join(', ')}), not ${spec.cell}`);
  }
  if (spec.bias !== undefined && typeof spec.bias !== 'boolean') throw new InputError(`bias must be true or false, got ${String(spec.bias)}`);
  if (spec.bias === false && !torch) throw new InputError(`bias = false needs a PyTorch cell (${TORCH_CELL_KINDS.join(', ')}), not ${spec.cell}`);
  if (spec.cell === 'torch-rnn' && spec.activation !== 'tanh' && spec.activation !== 'relu') {
    throw new InputError(`a torch-rnn cell uses tanh or relu (nn.RNN's nonlinearity), got ${spec.activation}`);
  }
  if ((spec.cell === 'torch-gru' || spec.cell === 'torch-lstm') && spec.activation !== 'tanh') {
    throw new InputError(`a ${spec.cell} cell always uses tanh (as PyTorch), got ${spec.activation}`);
  }
}

/** Model specs: defaults and validation. */
import type { CellKind, ModelSpec } from './types.js';
import { InputError } from '../errors.js';
import { getActivation } from './activations.js';

/** All cell kinds, in a stable order. */
export const CELL_KINDS: readonly CellKind[] = ['vanilla', 'leaky', 'rate', 'gru'];

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
}

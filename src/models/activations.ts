/**
 * Scalar nonlinearities φ with φ′, φ″, φ‴ (docs/theory.md §2), and the logistic sigmoid used by GRU gates.
 *
 * Non-smooth points: relu is not differentiable at 0; we use the convention φ′(0) = 0 (and
 * φ″ = φ‴ = 0 everywhere). Softplus `log(1 + eˣ)` is evaluated without overflow.
 */
import type { Activation, ActivationName } from './types.js';
import { InputError } from '../errors.js';

/** tanh: φ′ = 1 − t², φ″ = −2t(1 − t²), φ‴ = (1 − t²)(6t² − 2), t = tanh x. */
export const tanhActivation: Activation = {
  name: 'tanh',
  phi: (x) => Math.tanh(x),
  d1: (x) => {
    const t = Math.tanh(x);
    return 1 - t * t;
  },
  d2: (x) => {
    const t = Math.tanh(x);
    return -2 * t * (1 - t * t);
  },
  d3: (x) => {
    const t = Math.tanh(x);
    const s = 1 - t * t;
    return s * (6 * t * t - 2);
  },
};

/** relu `max(0, x)`; φ′(x) = 1 for x > 0, 0 for x ≤ 0 (φ′(0) = 0 by convention); φ″ = φ‴ = 0. */
export const reluActivation: Activation = {
  name: 'relu',
  phi: (x) => (x > 0 ? x : 0),
  d1: (x) => (x > 0 ? 1 : 0),
  d2: () => 0,
  d3: () => 0,
};

/** identity `x` (linear RNN). */
export const identityActivation: Activation = {
  name: 'identity',
  phi: (x) => x,
  d1: () => 1,
  d2: () => 0,
  d3: () => 0,
};

/** Logistic sigmoid `1/(1 + e^{−x})`, overflow-free. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus `log(1 + eˣ)`: φ′ = σ, φ″ = σ(1 − σ), φ‴ = σ(1 − σ)(1 − 2σ), σ the logistic sigmoid. */
export const softplusActivation: Activation = {
  name: 'softplus',
  phi: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  d1: (x) => sigmoid(x),
  d2: (x) => {
    const s = sigmoid(x);
    return s * (1 - s);
  },
  d3: (x) => {
    const s = sigmoid(x);
    return s * (1 - s) * (1 - 2 * s);
  },
};

/** The logistic sigmoid with its first three derivatives (used by GRU gates; not a model activation). */
export const sigmoidActivation = {
  name: 'sigmoid' as const,
  phi: sigmoid,
  d1: (x: number) => {
    const s = sigmoid(x);
    return s * (1 - s);
  },
  d2: (x: number) => {
    const s = sigmoid(x);
    return s * (1 - s) * (1 - 2 * s);
  },
  d3: (x: number) => {
    const s = sigmoid(x);
    return s * (1 - s) * (1 - 6 * s + 6 * s * s);
  },
};

const ACTIVATIONS: Record<ActivationName, Activation> = {
  tanh: tanhActivation,
  relu: reluActivation,
  identity: identityActivation,
  softplus: softplusActivation,
};

/** All activation names, in a stable order. */
export const ACTIVATION_NAMES: readonly ActivationName[] = ['tanh', 'relu', 'identity', 'softplus'];

/**
 * The activation called `name`; throws InputError naming the known ones otherwise. Cost O(1).
 *
 * @param name - `tanh`, `relu`, `identity` or `softplus`.
 * @returns `φ` with `φ′`, `φ″`, `φ‴` (docs/theory.md §2).
 * @throws {@link sntk!InputError} naming the known activations.
 */
export function getActivation(name: string): Activation {
  const a = (ACTIVATIONS as Record<string, Activation | undefined>)[name];
  if (!a) throw new InputError(`unknown activation "${name}" (expected one of ${ACTIVATION_NAMES.join(', ')})`);
  return a;
}

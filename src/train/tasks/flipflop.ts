/**
 * Multi-bit flip-flop memory task: K input channels carry ±1 pulses (probability p per step and
 * channel); output k must hold the sign of the last pulse on channel k (0 before the first).
 * Vanilla tanh RNN with K inputs and K outputs, random student (gain 0.9), all parameters trained.
 */
import type { Task } from './types.js';
import type { ModelSpec } from '../../models/types.js';
import type { Batch } from '../batch.js';
import { randomModel } from '../../models/index.js';
import { createRng } from '../../linalg/random.js';
import { InputError } from '../../errors.js';
import { maskFromBlocks } from '../batch.js';

/** Options of `flipFlopTask`. */
export interface FlipFlopOptions {
  seed?: number;
  bits?: number;
  hiddenSize?: number;
  T?: number;
  B?: number;
  pulseProbability?: number;
  studentGain?: number;
  /** Fresh trials every step (default false: fixed trials). */
  resample?: boolean;
}

/** Builds the flip-flop task. Cost O(P + B·T·K) per batch. */
export function flipFlopTask(opts: FlipFlopOptions = {}): Task {
  const seed = opts.seed ?? 0;
  const K = opts.bits ?? 3;
  const N = opts.hiddenSize ?? 32;
  const T = opts.T ?? 50;
  const B = opts.B ?? 32;
  const p = opts.pulseProbability ?? 0.05;
  if (!Number.isInteger(K) || K < 1) throw new InputError(`flipFlopTask: bits must be a positive integer, got ${K}`);
  const spec: ModelSpec = { cell: 'vanilla', activation: 'tanh', hiddenSize: N, inputSize: K, outputSize: K, alpha: 1 };
  const student = randomModel(spec, `flipflop-student:${seed}`, { gain: opts.studentGain ?? 0.9 });
  const makeBatch = (step: number): Batch => {
    const rng = createRng(`flipflop-batch:${seed}:${step}`);
    const X = new Float64Array(B * T * K);
    const Y = new Float64Array(B * T * K);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) {
        let state = 0;
        for (let t = 0; t < T; t++) {
          const i = (b * T + t) * K + k;
          if (rng.uniform() < p) {
            const s = rng.uniform() < 0.5 ? -1 : 1;
            X[i] = s;
            state = s;
          }
          Y[i] = state;
        }
      }
    }
    return { B, T, X, Y };
  };
  const b0 = makeBatch(0);
  const task: Task = { name: 'flipflop', student, X: b0.X, Y: b0.Y, B, T, target: 'output', trainable: maskFromBlocks(student, ['W', 'U', 'b', 'C', 'd']) };
  if (opts.resample) task.batchAt = (step: number) => (step === 0 ? b0 : makeBatch(step));
  return task;
}

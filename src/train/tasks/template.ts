/**
 * The student–teacher template after the authors' public code (docs/theory.md §11): vanilla tanh RNNs,
 * N = 64, T = 40, D = 16, batch 128; teacher `W* ~ N(0, 1.2²/N)`, student `W ~ N(0, 0.4²/N)`;
 * inputs of rank r (4–6): `x_t = A z_t`, `A` (D × r) ~ N(0, 1/r), `z_t ~ N(0, 1)`; both `U` ~ N(0, 1/D)
 * (the student's copied from the teacher), zero biases; the loss is on hidden states (the student
 * copies the teacher's trajectory); W, U, b trained. A fresh batch per step (seeded by seed and step).
 */
import type { Task } from './types.js';
import type { ModelSpec } from '../../models/types.js';
import type { Batch } from '../batch.js';
import { randomModel } from '../../models/index.js';
import { createRng } from '../../linalg/random.js';
import { InputError } from '../../errors.js';
import { maskFromBlocks } from '../batch.js';
import { forwardTargets } from './common.js';

/** Options of `templateTask`. */
export interface TemplateOptions {
  seed?: number;
  hiddenSize?: number;
  inputSize?: number;
  T?: number;
  B?: number;
  teacherGain?: number;
  studentGain?: number;
  /** Input rank (default 4 + seed mod 3, i.e. 4–6). */
  inputRank?: number;
  /** Fresh inputs every step (default true); false keeps step 0's batch. */
  resample?: boolean;
}

/** Builds the template task. Cost O(P + B·T·(N² + ND)) per batch. */
export function templateTask(opts: TemplateOptions = {}): Task {
  const seed = opts.seed ?? 0;
  const N = opts.hiddenSize ?? 64;
  const D = opts.inputSize ?? 16;
  const T = opts.T ?? 40;
  const B = opts.B ?? 128;
  const r = opts.inputRank ?? 4 + (((seed % 3) + 3) % 3);
  if (!Number.isInteger(r) || r < 1 || r > D) throw new InputError(`templateTask: inputRank must be an integer in [1, inputSize=${D}], got ${r}`);
  const spec: ModelSpec = { cell: 'vanilla', activation: 'tanh', hiddenSize: N, inputSize: D, outputSize: 0, alpha: 1 };
  const teacher = randomModel(spec, `template-teacher:${seed}`, { gain: opts.teacherGain ?? 1.2 });
  const student = randomModel(spec, `template-student:${seed}`, { gain: opts.studentGain ?? 0.4 });
  const uOff = N * N;
  student.params.set(teacher.params.subarray(uOff, uOff + N * D), uOff);
  const rngA = createRng(`template-A:${seed}`);
  const A = new Float64Array(D * r);
  rngA.fillNormal(A);
  for (let i = 0; i < A.length; i++) A[i]! /= Math.sqrt(r);
  const makeBatch = (step: number): Batch => {
    const rng = createRng(`template-batch:${seed}:${step}`);
    const z = new Float64Array(r);
    const X = new Float64Array(B * T * D);
    for (let row = 0; row < B * T; row++) {
      rng.fillNormal(z);
      for (let i = 0; i < D; i++) {
        let s = 0;
        for (let j = 0; j < r; j++) s += A[i * r + j]! * z[j]!;
        X[row * D + i] = s;
      }
    }
    return { B, T, X, Y: forwardTargets(teacher, X, B, T, 'state') };
  };
  const b0 = makeBatch(0);
  const trainable = maskFromBlocks(student, ['W', 'U', 'b']);
  const task: Task = { name: 'template', student, teacher, X: b0.X, Y: b0.Y, B, T, target: 'state', trainable };
  if (opts.resample ?? true) task.batchAt = (step: number) => (step === 0 ? b0 : makeBatch(step));
  return task;
}

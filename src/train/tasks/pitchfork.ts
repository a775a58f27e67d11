/**
 * The pitchfork flip-flop student–teacher task (docs/theory.md §11, with its calibration).
 * Vanilla tanh RNN, N = 16, D = 1, O = 1, T = 60, B = 32 fixed trials.
 * Teacher: `W* = 0.5·Q + 1.5·u uᵀ` (Q Haar-orthogonal, u a random unit vector), `b* = 0`,
 * `U* = 1.5·√N·u`, readout `C* = c·uᵀ`, `d* = 0`, with c such that the + attractor (iterate the
 * teacher at zero input from +u) reads +1. Inputs: ±1 pulses with probability 0.05 per step, one
 * forced at a random step among the first 5. Targets: the teacher's readout.
 * Student: `W = 0.4·Q′` (another orthogonal), U, C, d copied from the teacher, b = 0; trains W, U, b
 * (P = 288 at N = 16); C and d fixed.
 */
import type { Task } from './types.js';
import type { ModelSpec } from '../../models/types.js';
import { createModel } from '../../models/index.js';
import { createRng, randomOrthogonal } from '../../linalg/random.js';
import { InputError, ConvergenceError } from '../../errors.js';
import { maskFromBlocks } from '../batch.js';
import { forwardTargets } from './common.js';

/** Options of `pitchforkTask` (all have the calibrated defaults). */
export interface PitchforkOptions {
  seed?: number;
  hiddenSize?: number;
  T?: number;
  B?: number;
  pulseProbability?: number;
  teacherGain?: number;
  outlier?: number;
  inputGain?: number;
  studentGain?: number;
  /** Train the bias (default true); false freezes b = 0. */
  trainBias?: boolean;
}

/**
 * The attractor of `h ← tanh(W h + b)` reached from `h = u` at zero input (`b` default 0: the +
 * attractor of the pitchfork teacher). Throws ConvergenceError naming `task` when it does not
 * settle in 100000 iterations. Cost O(iters·N²).
 */
export function plusAttractor(W: Float64Array, N: number, u: Float64Array, b?: Float64Array, task = 'pitchforkTask'): Float64Array {
  let h = u.slice();
  const next = new Float64Array(N);
  for (let it = 0; it < 100000; it++) {
    let diff = 0;
    for (let i = 0; i < N; i++) {
      let s = b ? b[i]! : 0;
      for (let j = 0; j < N; j++) s += W[i * N + j]! * h[j]!;
      next[i] = Math.tanh(s);
      diff = Math.max(diff, Math.abs(next[i]! - h[i]!));
    }
    h = next.slice();
    if (diff < 1e-15) return h;
  }
  throw new ConvergenceError(`${task}: the teacher did not settle on its attractor in 100000 iterations`);
}

/** Builds the pitchfork task for a seed. Deterministic. Cost O(N³ + B·T·N²). */
export function pitchforkTask(opts: PitchforkOptions = {}): Task {
  const seed = opts.seed ?? 0;
  const N = opts.hiddenSize ?? 16;
  const T = opts.T ?? 60;
  const B = opts.B ?? 32;
  const p = opts.pulseProbability ?? 0.05;
  const g = opts.teacherGain ?? 0.5;
  const a = opts.outlier ?? 1.5;
  const ig = opts.inputGain ?? 1.5;
  const sg = opts.studentGain ?? 0.4;
  if (!Number.isInteger(N) || N < 2) throw new InputError(`pitchforkTask: hiddenSize must be an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(T) || T < 5) throw new InputError(`pitchforkTask: T must be an integer ≥ 5, got ${T}`);
  if (!Number.isInteger(B) || B < 1) throw new InputError(`pitchforkTask: B must be a positive integer, got ${B}`);
  if (!(p >= 0 && p <= 1)) throw new InputError(`pitchforkTask: pulseProbability must be in [0, 1], got ${p}`);
  const rng = createRng(`pitchfork:${seed}`);
  const spec: ModelSpec = { cell: 'vanilla', activation: 'tanh', hiddenSize: N, inputSize: 1, outputSize: 1, alpha: 1 };
  const Q = randomOrthogonal(N, rng);
  const u = new Float64Array(N);
  rng.fillNormal(u);
  let nu = 0;
  for (let i = 0; i < N; i++) nu += u[i]! * u[i]!;
  nu = Math.sqrt(nu);
  for (let i = 0; i < N; i++) u[i]! /= nu;
  const teacher = createModel(spec);
  const tp = teacher.params;
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) tp[i * N + j] = g * Q.data[i * N + j]! + a * u[i]! * u[j]!;
  const uOff = N * N;
  const cOff = N * N + N + N;
  for (let i = 0; i < N; i++) tp[uOff + i] = ig * Math.sqrt(N) * u[i]!;
  const hp = plusAttractor(tp.subarray(0, N * N), N, u);
  let uh = 0;
  for (let i = 0; i < N; i++) uh += u[i]! * hp[i]!;
  if (!(Math.abs(uh) > 1e-8)) throw new ConvergenceError('pitchforkTask: the teacher has no nonzero + attractor (is it bistable?)');
  for (let i = 0; i < N; i++) tp[cOff + i] = u[i]! / uh;

  // Inputs: ±1 pulses with probability p, one forced in the first 5 steps.
  const X = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) if (rng.uniform() < p) X[b * T + t] = rng.uniform() < 0.5 ? -1 : 1;
    const tf = rng.int(5);
    X[b * T + tf] = rng.uniform() < 0.5 ? -1 : 1;
  }
  const Y = forwardTargets(teacher, X, B, T, 'output');

  const Qs = randomOrthogonal(N, rng);
  const student = createModel(spec);
  const sp = student.params;
  for (let i = 0; i < N * N; i++) sp[i] = sg * Qs.data[i]!;
  sp.set(tp.subarray(uOff, uOff + N), uOff);
  sp.set(tp.subarray(cOff, cOff + N + 1), cOff);
  const trainable = maskFromBlocks(student, opts.trainBias === false ? ['W', 'U'] : ['W', 'U', 'b']);
  return { name: 'pitchfork', student, teacher, X, Y, B, T, target: 'output', trainable };
}

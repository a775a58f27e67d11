/**
 * The saddle-node (latch) student–teacher task: the pitchfork flip-flop construction
 * (pitchfork.ts) with a bias along the outlier, `b* = β·u`, which breaks the odd symmetry. The
 * teacher at zero input is bistable and asymmetric; the student (`W = 0.4·Q′`, one fixed point)
 * shares the teacher's bias, frozen, and trains W and U. On the straight path from student to
 * teacher the outlier eigenvalue reaches 1 away from any symmetric branch, so the first learned
 * bifurcation is a fold: a pair of fixed points (a new attractor and a saddle) appears
 * (docs/theory.md §7). Targets: the teacher's readout, scaled so that its + attractor reads +1.
 */
import type { Task } from './types.js';
import { pitchforkTask, plusAttractor } from './pitchfork.js';
import { InputError, ConvergenceError } from '../../errors.js';
import { maskFromBlocks } from '../batch.js';
import { forwardTargets } from './common.js';

/** Options of `saddleNodeTask` (pitchfork options plus the bias strength). */
export interface SaddleNodeOptions {
  seed?: number;
  hiddenSize?: number;
  T?: number;
  B?: number;
  pulseProbability?: number;
  teacherGain?: number;
  outlier?: number;
  inputGain?: number;
  studentGain?: number;
  /** Bias along the outlier direction, `b* = bias·u` (default 0.3). */
  bias?: number;
}

/** Builds the saddle-node task for a seed. Deterministic. Cost O(N³ + B·T·N²). */
export function saddleNodeTask(opts: SaddleNodeOptions = {}): Task {
  const beta = opts.bias ?? 0.3;
  if (!Number.isFinite(beta)) throw new InputError(`saddleNodeTask: bias must be finite, got ${beta}`);
  const { bias: _b, ...rest } = opts;
  const base = pitchforkTask({ ...rest, trainBias: false });
  const teacher = base.teacher!;
  const student = base.student;
  const N = teacher.spec.hiddenSize;
  const W = teacher.params.subarray(0, N * N);
  const uOff = N * N, bOff = N * N + N, cOff = N * N + 2 * N;
  // u: the input direction of the construction (U* = inputGain·√N·u)
  const u = teacher.params.slice(uOff, uOff + N);
  let nu = 0;
  for (const v of u) nu += v * v;
  nu = Math.sqrt(nu);
  for (let i = 0; i < N; i++) u[i]! /= nu;
  for (let i = 0; i < N; i++) teacher.params[bOff + i] = beta * u[i]!;
  const b = teacher.params.slice(bOff, bOff + N);
  const plus = plusAttractor(W, N, u, b, 'saddleNodeTask');
  const minus = plusAttractor(W, N, u.map((v) => -v), b, 'saddleNodeTask'); // started from −u: the other attractor
  let up = 0, um = 0;
  for (let i = 0; i < N; i++) {
    up += u[i]! * plus[i]!;
    um += u[i]! * minus[i]!;
  }
  if (!(up > 1e-3 && um < -1e-3)) throw new ConvergenceError(`saddleNodeTask: the teacher is not bistable at zero input with bias ${beta} (uᵀh± = ${up.toFixed(3)}, ${um.toFixed(3)}); lower the bias or raise the outlier`);
  for (let i = 0; i < N; i++) teacher.params[cOff + i] = u[i]! / up;
  const Y = forwardTargets(teacher, base.X, base.B, base.T, 'output');
  student.params.set(teacher.params.subarray(bOff, bOff + N), bOff);
  student.params.set(teacher.params.subarray(cOff, cOff + N + 1), cOff);
  const trainable = maskFromBlocks(student, ['W', 'U']);
  return { name: 'saddle-node', student, teacher, X: base.X, Y, B: base.B, T: base.T, target: 'output', trainable };
}

/**
 * The saddle-node (latch) student–teacher task (docs/theory.md §11). Vanilla tanh RNN, N = 16,
 * D = 1, O = 1, T = 60, B = 32 fixed trials, the pitchfork task's inputs (pitchfork.ts).
 *
 * Teacher: a latch with a fold pair. `W* = 0.5·Q + a*·u uᵀ` with a strong feedback `a* = outlier`
 * (default 2) and a bias along the feedback direction, `b* = β·u` (default β = 0.3), which breaks
 * the odd symmetry: at zero input the teacher is bistable and asymmetric (a + attractor, and a −
 * attractor that exists only because `a*` is beyond the fold of the − branch). `U* = 1.5·√N·u`,
 * readout `C* = c·uᵀ` with the + attractor reading +1.
 *
 * Student (the calibration mechanism): the same bias (frozen), `U`, `C`, `d` copied, and
 * `W = 0.4·Q′ + a_s·u uᵀ` — its own bulk and the teacher's feedback direction with a gain `a_s`
 * placed a fixed distance `foldMargin` (default 0.3) below the fold of its own family
 * `a ↦ 0.4·Q′ + a·u uᵀ`: `a_s = a_c − foldMargin`, with `a_c` located per seed by continuing the −
 * branch of that family down to its fold. The student is therefore monostable (only the +
 * state; a − pulse leaves a slow passage through the fold's ghost and then decays back), on the
 * monostable side of the fold at the same distance on every seed. What it must learn is the −
 * state, and the only way to get it is to raise the feedback through `a_c`: the first learned
 * bifurcation is a fold at which a node–saddle pair appears at zero input (1 → 3 fixed points).
 * It is the cusp unfolding of the `b = 0` network's pitchfork, but far outside that pitchfork's
 * perturbative range (the symmetric part's critical eigenvalue at the fold is ≈ 0.25–0.36 from 1),
 * so the monitor reports a saddle-node, not a small imperfection (monitor/events.ts,
 * docs/theory.md §7). Before the fold the
 * ghost's bottleneck slows the trajectories that pass it, which collapses the trajectory sNTK onto
 * the fold's rank-one channel (§8, §9); past the fold the new node is stable and the kernel
 * recovers. Trains W and U (P = 272 at N = 16).
 */
import type { Task } from './types.js';
import { pitchforkTask, plusAttractor } from './pitchfork.js';
import { InputError, ConvergenceError } from '../../errors.js';
import { maskFromBlocks } from '../batch.js';
import { forwardTargets } from './common.js';
import { withParams } from '../../models/index.js';
import { continueBranch, linePath, pathSystem } from '../../dynamics/index.js';

/** Options of `saddleNodeTask` (pitchfork options plus the bias and the student's fold margin). */
export interface SaddleNodeOptions {
  seed?: number;
  hiddenSize?: number;
  T?: number;
  B?: number;
  pulseProbability?: number;
  teacherGain?: number;
  /** Teacher feedback gain `a*` along u (default 2). */
  outlier?: number;
  inputGain?: number;
  studentGain?: number;
  /** Bias along the outlier direction, `b* = bias·u` (default 0.3). */
  bias?: number;
  /** The student's feedback gain sits this far below the fold of its family (default 0.3). */
  foldMargin?: number;
}

/** `u·v`. */
function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Builds the saddle-node task for a seed. Deterministic. Cost O(N³ + B·T·N²) plus one continuation. */
export function saddleNodeTask(opts: SaddleNodeOptions = {}): Task {
  const beta = opts.bias ?? 0.3;
  const outlier = opts.outlier ?? 2;
  const margin = opts.foldMargin ?? 0.3;
  if (!Number.isFinite(beta)) throw new InputError(`saddleNodeTask: bias must be finite, got ${beta}`);
  if (!(margin > 0)) throw new InputError(`saddleNodeTask: foldMargin must be positive, got ${margin}`);
  const { bias: _b, foldMargin: _m, ...rest } = opts;
  const base = pitchforkTask({ ...rest, outlier, trainBias: false });
  const teacher = base.teacher!;
  const student = base.student;
  const N = teacher.spec.hiddenSize;
  const W = teacher.params.subarray(0, N * N);
  const uOff = N * N, bOff = N * N + N, cOff = N * N + 2 * N;
  // u: the input direction of the construction (U* = inputGain·√N·u)
  const u = teacher.params.slice(uOff, uOff + N);
  const nu = Math.sqrt(dot(u, u));
  for (let i = 0; i < N; i++) u[i]! /= nu;
  for (let i = 0; i < N; i++) teacher.params[bOff + i] = beta * u[i]!;
  const b = teacher.params.slice(bOff, bOff + N);
  const big = u.map((v) => 3 * v); // deep on each side: inside the attractors' basins
  const plus = plusAttractor(W, N, big, b, 'saddleNodeTask');
  const minus = plusAttractor(W, N, big.map((v) => -v), b, 'saddleNodeTask');
  const up = dot(u, plus), um = dot(u, minus);
  if (!(up > 1e-3 && um < -1e-3)) throw new ConvergenceError(`saddleNodeTask: the teacher is not bistable at zero input with bias ${beta} (uᵀh± = ${up.toFixed(3)}, ${um.toFixed(3)}); lower the bias or raise the outlier`);
  for (let i = 0; i < N; i++) teacher.params[cOff + i] = u[i]! / up;
  const Y = forwardTargets(teacher, base.X, base.B, base.T, 'output');
  student.params.set(b, bOff);
  student.params.set(teacher.params.subarray(cOff, cOff + N + 1), cOff);

  // The student's family a ↦ W₀ + a·uuᵀ (W₀ = its own bulk): continue the − branch from a = aHi down to its fold.
  const aHi = Math.max(2 * outlier, 4);
  const at = (a: number) => {
    const p = student.params.slice();
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) p[i * N + j]! += a * u[i]! * u[j]!;
    return withParams(student, p);
  };
  const lo = at(0), hi = at(aHi);
  const minusHi = plusAttractor(hi.params.subarray(0, N * N), N, big.map((v) => -v), b, 'saddleNodeTask');
  if (!(dot(u, minusHi) < -1e-3)) throw new ConvergenceError(`saddleNodeTask: the student's family has no − state even at feedback ${aHi}`);
  const res = continueBranch(pathSystem(linePath(lo, hi)), { s0: 1, s1: 0, h0: minusHi, maxSteps: 2000 });
  const fold = res.events.find((e) => e.type === 'saddle-node');
  if (!fold) throw new ConvergenceError("saddleNodeTask: no fold found on the − branch of the student's family");
  const aC = fold.s * aHi;
  const aS = aC - margin;
  student.params.set(at(aS).params.subarray(0, N * N), 0);
  const trainable = maskFromBlocks(student, ['W', 'U']);
  return { name: 'saddle-node', student, teacher, X: base.X, Y, B: base.B, T: base.T, target: 'output', trainable };
}

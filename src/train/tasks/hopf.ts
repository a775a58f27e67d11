/**
 * The Hopf student–teacher task: a leaky tanh RNN in flow form (`h ← (1−α)h + α tanh(Wh + Ux + b)`,
 * the Euler map of `ḣ = −h + tanh(Wh + Ux + b)`), N = 16, D = 1, O = 1, α = 0.2.
 * Teacher: `W* = g·Q + ρ[cos ϑ (uuᵀ + vvᵀ) + sin ϑ (vuᵀ − uvᵀ)]` (u ⊥ v unit vectors, Q Haar-orthogonal),
 * `b* = 0`: the origin is an unstable focus (`ρ cos ϑ > 1`) surrounded by a stable limit cycle
 * (tanh makes the Hopf supercritical). `U* = inputGain·√N·u` kicks the state; the readout
 * `C* = c·uᵀ` is scaled so the teacher's oscillation reads ±1 at its peak. Inputs: one ±1 pulse in
 * the first 5 steps, further pulses with probability `pulseProbability`.
 * Student: `W = g·Q′` (quiescent: a stable focus/node at the origin), U, C, d copied; trains W, U, b.
 * On the straight path from student to teacher the first bifurcation is the Hopf of the flow
 * (Neimark–Sacker of the map): the pair `−1 + ρe^{±iϑ}` crosses the imaginary axis
 * (docs/theory.md §7).
 */
import type { Task } from './types.js';
import type { ModelSpec } from '../../models/types.js';
import { createModel } from '../../models/index.js';
import { createRng, randomOrthogonal } from '../../linalg/random.js';
import { InputError, ConvergenceError } from '../../errors.js';
import { maskFromBlocks } from '../batch.js';
import { forwardTargets } from './common.js';

/** Options of `hopfTask` (all have defaults). */
export interface HopfOptions {
  seed?: number;
  hiddenSize?: number;
  T?: number;
  B?: number;
  pulseProbability?: number;
  /** Euler step α = Δt/τ (default 0.2). */
  alpha?: number;
  /** Bulk gain g of teacher and student (default 0.3). */
  gain?: number;
  /** Rotation strength ρ and angle ϑ of the teacher's (u, v) block (defaults 1.6, π/4). */
  rho?: number;
  angle?: number;
  inputGain?: number;
}

/** Builds the Hopf task for a seed. Deterministic. Cost O(N³ + B·T·N²). */
export function hopfTask(opts: HopfOptions = {}): Task {
  const seed = opts.seed ?? 0;
  const N = opts.hiddenSize ?? 16;
  const T = opts.T ?? 60;
  const B = opts.B ?? 32;
  const p = opts.pulseProbability ?? 0.02;
  const alpha = opts.alpha ?? 0.2;
  const g = opts.gain ?? 0.3;
  const rho = opts.rho ?? 1.6;
  const th = opts.angle ?? Math.PI / 4;
  const ig = opts.inputGain ?? 0.5;
  if (!Number.isInteger(N) || N < 2) throw new InputError(`hopfTask: hiddenSize must be an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(T) || T < 5) throw new InputError(`hopfTask: T must be an integer ≥ 5, got ${T}`);
  if (!Number.isInteger(B) || B < 1) throw new InputError(`hopfTask: B must be a positive integer, got ${B}`);
  if (!(p >= 0 && p <= 1)) throw new InputError(`hopfTask: pulseProbability must be in [0, 1], got ${p}`);
  if (!(alpha > 0 && alpha <= 1)) throw new InputError(`hopfTask: alpha must be in (0, 1], got ${alpha}`);
  if (!(rho * Math.cos(th) > 1)) throw new InputError(`hopfTask: the teacher needs ρ cos ϑ > 1 to oscillate, got ${rho * Math.cos(th)}`);
  const rng = createRng(`hopf:${seed}`);
  const spec: ModelSpec = { cell: 'leaky', activation: 'tanh', hiddenSize: N, inputSize: 1, outputSize: 1, alpha };
  const Q = randomOrthogonal(N, rng);
  const R = randomOrthogonal(N, rng);
  const u = new Float64Array(N), v = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    u[i] = R.data[i * N]!;
    v[i] = R.data[i * N + 1]!;
  }
  const c = Math.cos(th), s = Math.sin(th);
  const teacher = createModel(spec);
  const tp = teacher.params;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) tp[i * N + j] = g * Q.data[i * N + j]! + rho * (c * (u[i]! * u[j]! + v[i]! * v[j]!) + s * (v[i]! * u[j]! - u[i]! * v[j]!));
  }
  const uOff = N * N, cOff = N * N + 2 * N;
  for (let i = 0; i < N; i++) tp[uOff + i] = ig * Math.sqrt(N) * u[i]!;
  // readout scale: the peak of uᵀh on the teacher's cycle (iterate from a kick until settled)
  for (let i = 0; i < N; i++) tp[cOff + i] = u[i]!;
  const settle = Math.ceil(400 / alpha);
  const probe = forwardTargets(teacher, new Float64Array(settle).fill(0).map((_, t) => (t === 0 ? 1 : 0)), 1, settle, 'output');
  let peak = 0;
  for (let t = Math.floor(settle / 2); t < settle; t++) peak = Math.max(peak, Math.abs(probe[t]!));
  if (!(peak > 1e-3)) throw new ConvergenceError('hopfTask: the teacher does not oscillate (its cycle has amplitude ≤ 1e-3)');
  for (let i = 0; i < N; i++) tp[cOff + i] = u[i]! / peak;

  const X = new Float64Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) if (rng.uniform() < p) X[b * T + t] = rng.uniform() < 0.5 ? -1 : 1;
    X[b * T + rng.int(5)] = rng.uniform() < 0.5 ? -1 : 1;
  }
  const Y = forwardTargets(teacher, X, B, T, 'output');

  const Qs = randomOrthogonal(N, rng);
  const student = createModel(spec);
  const sp = student.params;
  for (let i = 0; i < N * N; i++) sp[i] = g * Qs.data[i]!;
  sp.set(tp.subarray(uOff, uOff + N), uOff);
  sp.set(tp.subarray(cOff, cOff + N + 1), cOff);
  const trainable = maskFromBlocks(student, ['W', 'U', 'b']);
  return { name: 'hopf', student, teacher, X, Y, B, T, target: 'output', trainable };
}

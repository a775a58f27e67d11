/**
 * The Hopf student–teacher task: a leaky tanh RNN in flow form (`h ← (1−α)h + α tanh(Wh + Ux + b)`,
 * the Euler map of `ḣ = −h + tanh(Wh + Ux + b)`), N = 16, D = 1, O = 1, α = 0.2.
 *
 * Teacher: `W* = g·Q + a*·(uuᵀ + vvᵀ) + ω·(vuᵀ − uvᵀ)` with `a* = ρ cos ϑ`, `ω = ρ sin ϑ` (u ⊥ v unit
 * vectors, Q Haar-orthogonal), `b* = 0`: on the (u, v) plane the flow's linearisation at the origin
 * is `−1 + a* ± iω`, so with `a* > 1` the origin is an unstable focus surrounded by a stable limit
 * cycle (tanh makes the Hopf supercritical, docs/theory.md §7). `U* = inputGain·√N·u` kicks the
 * state; the readout `C* = c·uᵀ` is scaled so that the teacher's cycle reads ±1 at its peak.
 * Inputs: one ±1 pulse in the first 5 steps, further pulses with probability `pulseProbability`.
 *
 * Student (the calibration mechanism, docs/theory.md §11): `W = g·Q′ + a_s·(uuᵀ + vvᵀ) + ω·(vuᵀ − uvᵀ)`
 * — its own random bulk, and the teacher's rotation plane and frequency ω with a smaller radial
 * gain `a_s = studentRadial` (default 0.55): a **decaying oscillation at the teacher's frequency**,
 * quiescent at the origin (flow eigenvalues `−(1 − a_s) ± iω`). U, C, d are copied and `b = b* = 0`
 * is frozen; W and U are trained (P = 272 at N = 16). With `b` frozen the origin stays the fixed
 * point, so the crossing is a pure Hopf at h* = 0; a trained bias would add the bounded
 * fixed-point sNTK (its N directions shift h* in every row of every trial), which at T = 60
 * outweighs the channel (measured: PR 15 instead of 5 at the same start). Two things make the
 * first learned bifurcation a Hopf and the landscape smooth:
 * - the student already rings at the teacher's frequency, so after each pulse its output is in
 *   phase with the target over the trial and the only mismatch is the **decay rate**: MSE's gradient
 *   pushes the radial gain up (it grows the oscillation's amplitude at late times) instead of
 *   fighting a phase drift. With a student of another frequency (the earlier `g·Q′` student, no
 *   rotation), the targets oscillate against a non-oscillating or off-frequency response, the
 *   gradient is small (≈ 0.01 over 80 steps at lr 0.1) and phase-locking gives a rugged landscape;
 * - the difference between student and teacher is (besides the weak bulk) a growth of the radial
 *   gain, i.e. a horizontal move of the complex pair `−1 + a ± iω` towards and across the imaginary
 *   axis: on the straight path the first event is the Hopf of the flow (the Neimark–Sacker of the
 *   Euler map the monitor analyses), and gradient descent follows that path.
 * As the pair approaches the axis the late-time response grows like `1/(1 − |λ|)`, which is both
 * the gradient's amplification (the crossing accelerates) and the trajectory sNTK's collapse onto
 * the rank-two channel of the pair (§8).
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
  /** The student's radial gain `a_s` on the teacher's rotation plane (default 0.55; < 1: quiescent). */
  studentRadial?: number;
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
  const as = opts.studentRadial ?? 0.55;
  if (!Number.isInteger(N) || N < 2) throw new InputError(`hopfTask: hiddenSize must be an integer ≥ 2, got ${N}`);
  if (!Number.isInteger(T) || T < 5) throw new InputError(`hopfTask: T must be an integer ≥ 5, got ${T}`);
  if (!Number.isInteger(B) || B < 1) throw new InputError(`hopfTask: B must be a positive integer, got ${B}`);
  if (!(p >= 0 && p <= 1)) throw new InputError(`hopfTask: pulseProbability must be in [0, 1], got ${p}`);
  if (!(alpha > 0 && alpha <= 1)) throw new InputError(`hopfTask: alpha must be in (0, 1], got ${alpha}`);
  if (!(rho * Math.cos(th) > 1)) throw new InputError(`hopfTask: the teacher needs ρ cos ϑ > 1 to oscillate, got ${rho * Math.cos(th)}`);
  if (!(as >= 0 && as < rho * Math.cos(th))) throw new InputError(`hopfTask: studentRadial must be in [0, ρ cos ϑ = ${rho * Math.cos(th)}), got ${as}`);
  const rng = createRng(`hopf:${seed}`);
  const spec: ModelSpec = { cell: 'leaky', activation: 'tanh', hiddenSize: N, inputSize: 1, outputSize: 1, alpha };
  const Q = randomOrthogonal(N, rng);
  const R = randomOrthogonal(N, rng);
  const u = new Float64Array(N), v = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    u[i] = R.data[i * N]!;
    v[i] = R.data[i * N + 1]!;
  }
  const omega = rho * Math.sin(th);
  // g·Q + a (uuᵀ + vvᵀ) + ω (vuᵀ − uvᵀ): bulk plus a rotation block of radial gain a and frequency ω
  const fill = (dst: Float64Array, bulk: Float64Array, a: number): void => {
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) dst[i * N + j] = g * bulk[i * N + j]! + a * (u[i]! * u[j]! + v[i]! * v[j]!) + omega * (v[i]! * u[j]! - u[i]! * v[j]!);
    }
  };
  const teacher = createModel(spec);
  const tp = teacher.params;
  fill(tp, Q.data, rho * Math.cos(th));
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
  fill(sp, Qs.data, as);
  sp.set(tp.subarray(uOff, uOff + N), uOff);
  sp.set(tp.subarray(cOff, cOff + N + 1), cOff);
  const trainable = maskFromBlocks(student, ['W', 'U']);
  return { name: 'hopf', student, teacher, X, Y, B, T, target: 'output', trainable };
}

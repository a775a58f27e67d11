/**
 * Simulated limit-cycle amplitude of a leaky/rate flow near a Hopf point, in the normal-form
 * coordinate `z = lᵀ(h − h*)` (`l` the complex left eigenvector with `lᵀq = 1`), by classical RK4.
 * Used to check the Hopf prediction `ρ* = √(−νμ/Re c₁)` against simulation.
 */
import type { Model } from '../models/types.js';
import { flowField, hasFlow } from '../models/index.js';
import type { CVec } from '../dynamics/index.js';
import { InputError, NonFiniteError, ShapeError } from '../errors.js';

/** Options of `cycleAmplitude`. */
export interface CycleOptions {
  /** Constant input (length D, default zeros). */
  input?: Float64Array;
  /** Fixed point `h*` the amplitude is measured from (default zeros). */
  center?: Float64Array;
  /** Initial state (default `center + 2·amplitudeGuess·Re q` is up to the caller; default center + 1e-2·e₁). */
  h0?: Float64Array;
  /** RK4 step in units of τ (default 0.02). */
  dt?: number;
  /** Transient time discarded (default 300). */
  transient?: number;
  /** Averaging time after the transient (default 60). */
  window?: number;
}

/** What `cycleAmplitude` measured. */
export interface CycleAmplitude {
  /** Mean of `|lᵀ(h − h*)|` over the window. */
  rho: number;
  /** Its min and max over the window (equal on a circular cycle). */
  rhoMin: number;
  rhoMax: number;
  /** Mean `‖h − h*‖₂` over the window. */
  radius: number;
  /** The state at the end (to warm-start the next run). */
  final: Float64Array;
}

/**
 * Integrates `ḣ = g(h, x̄)` of a leaky/rate model with RK4 and measures the cycle amplitude in the
 * coordinate `z = lᵀ(h − h*)`. Throws InputError for a cell without a flow, NonFiniteError when the
 * run blows up. Cost O((transient + window)/dt · (N² + ND)).
 *
 * @param model - a leaky or rate model past a Hopf point.
 * @param left - the left critical eigenvector `l` (length `N`, complex).
 * @param opts - the constant input, the centre `h*`, the start state, step `dt`, transient and window lengths.
 * @returns the mean amplitude `ρ` of `|z|` on the cycle, its range, the radius in state space and the
 *   final state (docs/theory.md §7).
 * @throws {@link sntk!InputError} for a cell without a flow or bad options.
 * @throws {@link sntk!ShapeError} when `left` does not have length `N`.
 * @throws {@link sntk!NonFiniteError} when the integration blows up.
 */
export function cycleAmplitude(model: Model, left: CVec, opts: CycleOptions = {}): CycleAmplitude {
  if (!hasFlow(model.spec)) throw new InputError(`cycleAmplitude needs a leaky or rate cell, got ${model.spec.cell}`);
  const flow = flowField(model);
  const N = flow.N;
  if (left.re.length !== N) throw new ShapeError(`left vector has length ${left.re.length}, the model has N = ${N}`);
  const x = opts.input ?? new Float64Array(flow.D);
  const c = opts.center ?? new Float64Array(N);
  const dt = opts.dt ?? 0.02;
  const nT = Math.round((opts.transient ?? 300) / dt);
  const nW = Math.max(1, Math.round((opts.window ?? 60) / dt));
  if (!(dt > 0)) throw new InputError(`dt must be positive, got ${dt}`);
  const theta = model.params.subarray(0, model.layout.cellSize);
  let h = opts.h0 ? opts.h0.slice() : c.map((v, i) => v + (i === 0 ? 1e-2 : 0));
  const g = (y: Float64Array): Float64Array => flow.forward(theta, y, x).out.slice();
  const tmp = new Float64Array(N);
  const step = (): void => {
    const k1 = g(h);
    for (let i = 0; i < N; i++) tmp[i] = h[i]! + 0.5 * dt * k1[i]!;
    const k2 = g(tmp);
    for (let i = 0; i < N; i++) tmp[i] = h[i]! + 0.5 * dt * k2[i]!;
    const k3 = g(tmp);
    for (let i = 0; i < N; i++) tmp[i] = h[i]! + dt * k3[i]!;
    const k4 = g(tmp);
    const next = new Float64Array(N);
    for (let i = 0; i < N; i++) next[i] = h[i]! + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
    h = next;
  };
  for (let k = 0; k < nT; k++) step();
  let sum = 0, rmin = Infinity, rmax = 0, rad = 0;
  for (let k = 0; k < nW; k++) {
    step();
    let zr = 0, zi = 0, d2 = 0;
    for (let i = 0; i < N; i++) {
      const d = h[i]! - c[i]!;
      zr += left.re[i]! * d;
      zi += left.im[i]! * d;
      d2 += d * d;
    }
    const m = Math.hypot(zr, zi);
    sum += m;
    rmin = Math.min(rmin, m);
    rmax = Math.max(rmax, m);
    rad += Math.sqrt(d2);
  }
  if (!Number.isFinite(sum)) throw new NonFiniteError('cycleAmplitude: the simulation blew up');
  return { rho: sum / nW, rhoMin: rmin, rhoMax: rmax, radius: rad / nW, final: h };
}

/**
 * Landscape scans along a parameter direction: `α ↦ θ + αu`, the restricted kernel
 * `κ(α) = ‖J(θ+αu) u‖²` and the loss `L(α)`, with the two-sided critical fit and the normal-form
 * prediction from continuing the fixed point along the same line.
 */
import type { Model } from '../models/types.js';
import { rollout, trajectoryJvp, withParams, mseLoss } from '../models/index.js';
import type { BifurcationEvent, TimeKind } from '../dynamics/index.js';
import { continueBranch, directionPath, pathSystem, solveFixedPoint } from '../dynamics/index.js';
import { InputError, ShapeError, assertFinite } from '../errors.js';
import type { CriticalFit, CriticalPointVerdict } from './fit.js';
import { criticalPointInRange, fitCritical } from './fit.js';
import type { NormalFormPrediction } from './normal-forms.js';
import { crossingSpeed, hopfPrediction, periodDoublingPrediction, pitchforkPrediction, saddleNodePrediction, transcriticalPrediction } from './normal-forms.js';

/** Options of `scanDirection`. */
export interface ScanOptions {
  B: number;
  T: number;
  h0?: Float64Array;
  /** Targets `B × T × O` for the loss (MSE); the loss is NaN without them. */
  target?: Float64Array;
  /** Called after each α with (points done, points in all): progress of long scans. */
  onPoint?: (done: number, total: number) => void;
}

/** A scan. */
export interface Scan {
  alpha: number[];
  kappa: number[];
  loss: number[];
}

/**
 * Evaluates `κ(α) = ‖J(θ+αu)u‖²` (one rollout + one JVP) and `L(α)` at every α. `u` has length
 * cellSize (or the full parameter length; the readout part is ignored). Cost per α: one rollout
 * and one forward sweep, O(B·T·(N² + P)), plus one loss pass with a target.
 *
 * @param model - the network at `α = 0`.
 * @param X - probe inputs, `B·T·D` values.
 * @param u - the direction (length `P` cell parameters, or the full parameter length).
 * @param alphas - the step sizes `α` along `u` (in parameter units).
 * @param opts - `B`, `T`, initial states `h0` (`B·N`), an optional target (`B·T·O`) for the loss.
 * @returns `κ(α)` and `L(α)` at every `α` (docs/theory.md §9).
 * @throws {@link sntk!ShapeError} when `u`, `X` or the target has the wrong length.
 * @throws {@link sntk!InputError} for non-finite `α` or bad options.
 */
export function scanDirection(model: Model, X: Float64Array, u: Float64Array, alphas: readonly number[], opts: ScanOptions): Scan {
  const P = model.layout.cellSize;
  if (u.length !== P && u.length !== model.layout.size) throw new ShapeError(`direction has length ${u.length}, expected ${P} (cell) or ${model.layout.size}`);
  assertFinite(u, 'scan direction');
  if (opts.target && model.spec.outputSize === 0) throw new InputError('a loss target needs a model with a readout (outputSize > 0)');
  const du = u.subarray(0, P);
  const kappa: number[] = [], loss: number[] = [];
  for (const a of alphas) {
    if (!Number.isFinite(a)) throw new InputError(`scan position α must be finite, got ${a}`);
    const p = model.params.slice();
    for (let j = 0; j < P; j++) p[j]! += a * du[j]!;
    const m = withParams(model, p);
    const traj = rollout(m, X, { B: opts.B, T: opts.T, ...(opts.h0 ? { h0: opts.h0 } : {}) });
    const v = trajectoryJvp(m, traj, du);
    let k = 0;
    for (const x of v) k += x * x;
    kappa.push(k);
    loss.push(opts.target ? mseLoss(m, traj, opts.target).loss : NaN);
    opts.onPoint?.(kappa.length, alphas.length);
  }
  return { alpha: [...alphas], kappa, loss };
}

/** The prediction attached to a scan. */
export interface ScanPrediction {
  type: BifurcationEvent['type'];
  /** Position of the bifurcation on the line (`α_c`). */
  alphaC: number;
  criticality: BifurcationEvent['criticality'];
  exponent: number;
  constants: Record<string, number>;
  normalForm: NormalFormPrediction;
}

/**
 * Continues the fixed point reached from `hStart` at `α = range[0]` along `θ + αu` to `range[1]`
 * (dynamics layer) and turns its first bifurcation into a normal-form prediction of κ in `μ = α − α_c`
 * (`ν` from `crossingSpeed`). Returns null when the branch has no bifurcation in range.
 * Cost: one continuation, O(steps · N³).
 *
 * @param model - the network at `α = 0`.
 * @param u - the direction (length `P` cell parameters).
 * @param range - the `α` interval to search.
 * @param hStart - a state near the fixed point at `range[0]` (length `N`).
 * @param opts - the constant input (length `D`) and map or flow time.
 * @returns `α_c`, the bifurcation type and its normal-form prediction of `κ(μ)`, or null (docs/theory.md §9).
 * @throws {@link sntk!ConvergenceError} when there is no fixed point near `hStart`.
 */
export function predictAlongDirection(model: Model, u: Float64Array, range: readonly [number, number], hStart: Float64Array, opts: { input?: Float64Array; time?: TimeKind } = {}): ScanPrediction | null {
  const path = directionPath(model, u, range);
  const sys = pathSystem(path, { ...(opts.input ? { input: opts.input } : {}), time: opts.time ?? 'discrete' });
  const start = solveFixedPoint(sys, range[0], hStart, { tol: 1e-12 });
  if (!start.converged) return null;
  const res = continueBranch(sys, { s0: range[0], s1: range[1], h0: start.h });
  const ev = res.events[0];
  if (!ev) return null;
  const J = sys.jacobian(ev.h, ev.s);
  const lam = ev.eigenvalues[0]!;
  const c = ev.coefficients;
  let nf: NormalFormPrediction;
  switch (ev.type) {
    case 'saddle-node':
      nf = saddleNodePrediction({ a: c['a']!, beta: c['beta']! });
      break;
    case 'transcritical':
      nf = transcriticalPrediction({ a: c['a']!, nu: crossingSpeed(sys, ev.h, ev.s, J, lam) });
      break;
    case 'pitchfork':
      nf = pitchforkPrediction({ b3: c['b3']!, nu: crossingSpeed(sys, ev.h, ev.s, J, lam) });
      break;
    case 'hopf':
      nf = hopfPrediction({ c1Re: c['c1Re']!, c1Im: c['c1Im']!, omega: c['omega']!, nu: crossingSpeed(sys, ev.h, ev.s, J, { re: lam.re, im: Math.abs(lam.im) }) });
      break;
    case 'period-doubling':
      nf = periodDoublingPrediction({ c: c['c']!, nu: -crossingSpeed(sys, ev.h, ev.s, J, lam) });
      break;
    default:
      return null;
  }
  return { type: ev.type, alphaC: ev.s, criticality: ev.criticality, exponent: nf.exponent, constants: { ...nf.constants }, normalForm: nf };
}

/** Scan + fit + prediction, as `sntk scan` reports it. */
export interface ScanAnalysis extends Scan {
  fit: CriticalFit;
  /** Whether the scan holds a critical point (`criticalPointInRange`); when not, `fit` is not to be read. */
  critical: CriticalPointVerdict;
  prediction: ScanPrediction | null;
}

/**
 * `scanDirection`, `fitCritical` on κ with the verdict of `criticalPointInRange`, and
 * `predictAlongDirection` from the end state of trial 0.
 */
export function analyzeScan(model: Model, X: Float64Array, u: Float64Array, alphas: readonly number[], opts: ScanOptions & { input?: Float64Array; time?: TimeKind }): ScanAnalysis {
  const scan = scanDirection(model, X, u, alphas, opts);
  const fit = fitCritical(scan.alpha, scan.kappa);
  const N = model.cell.N;
  const p = model.params.slice();
  const P = model.layout.cellSize;
  for (let j = 0; j < P; j++) p[j]! += alphas[0]! * u[j]!;
  const traj = rollout(withParams(model, p), X, { B: opts.B, T: opts.T, ...(opts.h0 ? { h0: opts.h0 } : {}) });
  const hEnd = traj.H.slice((opts.T - 1) * N, opts.T * N);
  let prediction: ScanPrediction | null = null;
  try {
    prediction = predictAlongDirection(model, u.subarray(0, P), [alphas[0]!, alphas[alphas.length - 1]!], hEnd, { ...(opts.input ? { input: opts.input } : {}), ...(opts.time ? { time: opts.time } : {}) });
  } catch {
    prediction = null;
  }
  return { ...scan, fit, critical: criticalPointInRange(scan.alpha, scan.kappa, fit), prediction };
}

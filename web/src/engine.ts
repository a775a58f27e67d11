/**
 * The explorer's experiment engine: the pitchfork student–teacher run, one optimizer step at a
 * time, with the per-step quantities the panels show. Pure computation (no DOM, no worker, no
 * Node built-ins), so the Web Worker and the Node tests run the very same code.
 *
 * It imports the library module by module (not `src/train/index.ts`, whose `run.ts` and
 * `checkpoint.ts` use `node:fs`). A step is the same computation as one iteration of the
 * library's `trainRun` (same task, optimizer, fused sweep and step context), so the losses,
 * gradient and update norms equal a Node `trainRun` with the same config bit for bit.
 *
 * Per step (at the parameters before the update, like `trainRun`'s `onStep`):
 * - state-space sNTK through its `P × P` dual `JᵀJ` (same nonzero spectrum as `J Jᵀ`):
 *   participation ratio, top eigenvalue, trace, top eigenvector (the dominant parameter direction);
 * - fixed points at zero input (library `findFixedPoints`) with their Jacobian eigenvalues; the
 *   tracked point is the one on the trivial branch (nearest to the previous tracked point);
 * - a bifurcation marker when the tracked point's critical eigenvalue crosses the unit circle or
 *   the number of fixed points changes between steps, classified by continuation along the
 *   straight parameter segment between the two steps (library `continueBranch`), falling back to
 *   `classifyNearest` at the earlier step.
 */
import type { Model } from '../../src/models/types.js';
import { createModel, rollout, trajectoryJvp } from '../../src/models/index.js';
import { syrk } from '../../src/linalg/index.js';
import { denseJacobian } from '../../src/sntk/sensitivity.js';
import { kernelDiagnostics } from '../../src/sntk/diagnostics.js';
import { findFixedPoints, modelSystem, pathSystem, linePath, directionPath, solveFixedPoint, spectrumOf, continueBranch } from '../../src/dynamics/index.js';
import type { Complex } from '../../src/dynamics/index.js';
import { classifyNearest } from '../../src/channels/mode.js';
import { parseTrainConfig } from '../../src/train/config.js';
import type { TrainConfig, TrainConfigInput } from '../../src/train/config.js';
import { buildOptimizer, buildTask } from '../../src/train/build.js';
import { fusedSweep, outputJacobian } from '../../src/train/fused-sweep.js';
import type { Task } from '../../src/train/tasks/types.js';
import type { Optimizer, StepContext } from '../../src/train/optimizers/types.js';
import type { NatGradOptimizer } from '../../src/train/optimizers/natgrad.js';
import { NonFiniteError, InputError } from '../../src/errors.js';

import type { ExplorerSettings } from './settings.js';
export type { ExplorerSettings, ExplorerOptimizer } from './settings.js';
export { PITCHFORK_PRESET } from './settings.js';

/** The library training config of the explorer settings (what `trainRun` would be given). */
export function toTrainConfig(s: ExplorerSettings): TrainConfigInput {
  const kind = s.optimizer === 'adaptive' ? 'natgrad' : s.optimizer;
  return {
    seed: s.seed,
    steps: s.steps,
    task: { name: 'pitchfork', hiddenSize: s.hiddenSize, T: s.T, B: s.B, outlier: s.outlier, trainBias: s.trainBias !== false },
    optimizer: { kind, learningRate: s.learningRate, ...(s.optimizer === 'adaptive' ? { adaptive: true } : {}) },
  };
}

/** Checks the settings (throws InputError naming the field). */
export function checkSettings(s: ExplorerSettings): void {
  const pos = (k: keyof ExplorerSettings, int: boolean, min: number): void => {
    const v = s[k] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (int && !Number.isInteger(v))) {
      throw new InputError(`${k} must be ${int ? 'an integer' : 'a number'} ≥ ${min}, got ${String(v)}`);
    }
  };
  pos('hiddenSize', true, 2);
  pos('outlier', false, 1e-12);
  pos('learningRate', false, 1e-12);
  pos('seed', true, 0);
  pos('steps', true, 1);
  pos('T', true, 5);
  pos('B', true, 1);
  pos('landscapeEvery', true, 0);
  pos('landscapeRange', false, 1e-12);
  pos('landscapePoints', true, 5);
  pos('adaptiveFall', false, 1);
  if (!['sgd', 'adam', 'natgrad', 'adaptive'].includes(s.optimizer)) throw new InputError(`optimizer must be sgd, adam, natgrad or adaptive, got ${String(s.optimizer)}`);
}

/** One fixed point at zero input, for the complex-plane panel. */
export interface FixedPointView {
  /** ‖h*‖. */
  norm: number;
  stability: string;
  /** Eigenvalues of `∂f/∂h` at h*, as `[re, im]`. */
  eigenvalues: [number, number][];
  /** Whether this is the tracked (trivial-branch) point. */
  tracked: boolean;
}

/** The per-step metrics (at the parameters before the step's update). */
export interface StepMetrics {
  step: number;
  loss: number;
  gradNorm: number;
  updateNorm: number;
  /** Participation ratio `(tr K)²/‖K‖_F²` of the state-space sNTK. */
  pr: number;
  /** Largest eigenvalue of the state-space sNTK. */
  topEigenvalue: number;
  /** `tr sNTK`. */
  trace: number;
  /** Top eigenvalue's share of the trace. */
  topShare: number;
  /** Number of fixed points at zero input. */
  fixedPoints: number;
  /** Critical eigenvalue (largest |λ|) of the tracked fixed point. */
  criticalRe: number;
  criticalIm: number;
  /** `1 − |λ_c|` of the tracked point. */
  sigma: number;
  /** Whether the natural-gradient correction was on for this step. */
  natgradActive: boolean;
  /** Worker seconds for the step (training + monitor). */
  seconds: number;
}

/** A detected bifurcation between steps `step − 1` and `step`. */
export interface BifurcationMarker {
  step: number;
  type: string;
  criticality: string | null;
  /** Critical eigenvalue at the bifurcation (or at the earlier step for the fallback). */
  eigenvalue: [number, number];
  /** `continuation` (along the segment θ_{step−1} → θ_step), `nearest` (classifyNearest), or `crossing` (unclassified). */
  source: 'continuation' | 'nearest' | 'crossing';
  fixedPointsBefore: number;
  fixedPointsAfter: number;
  /** Context, e.g. that a saddle-node with two new points is an imperfect pitchfork. */
  note: string | null;
}

/** The restricted landscape along the dominant direction `u` at one step. */
export interface LandscapeScan {
  step: number;
  alphas: number[];
  /** Loss `L(θ + αu)`. */
  loss: number[];
  /** Restricted kernel `κ(α) = ‖J(θ+αu) u‖²`. */
  kappa: number[];
  /** Critical real eigenvalue of the tracked fixed point along the line. */
  lambda: number[];
  /** Where that eigenvalue crosses +1 (linear interpolation), or null when it does not in range. */
  alphaC: number | null;
  /** Channel-law prediction `κ ≈ A/σ(α)²`, `σ = 1 − λ_c(α)` (A by least squares in log; null where σ ≈ 0 or λ unknown). */
  kappaPrediction: (number | null)[];
  /** Pitchfork loss law just past α_c: `L_c + c·√(α − α_c)` on the first third of the points past it (null elsewhere). */
  lossPrediction: (number | null)[];
  /** Free-slope fit of log κ against log|σ(α)| (the channel law predicts −2; finite T saturates it), or null. */
  fittedExponent: number | null;
}

/** What `step()` returns. */
export interface StepOutput {
  metrics: StepMetrics;
  fixedPoints: FixedPointView[];
  marker: BifurcationMarker | null;
  /** Set when the run stopped on a non-finite loss or update. */
  error?: string;
}

function norm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** The Fisher-trial block of a step — same rule as the library's `fisherTrialsAt` (in run.ts, which imports node:fs). */
function fisherTrialsAt(s: number | null, B: number, step: number): { fisherTrials?: number[] } {
  if (s === null || s >= B) return {};
  const start = (step * s) % B;
  return { fisherTrials: Array.from({ length: s }, (_, i) => (start + i) % B) };
}

/** State-space sNTK diagnostics through the `P × P` dual Gram `JᵀJ`. Cost O(B·T·N²·P + B·T·N·P² + P³). */
export function sntkSummary(model: Model, task: Task): { pr: number; top: number; trace: number; direction: Float64Array } {
  const traj = rollout(model, task.X, { B: task.B, T: task.T, ...(task.h0 ? { h0: task.h0 } : {}) });
  const J = denseJacobian(model, traj);
  const G = syrk(J, true);
  const d = kernelDiagnostics(G, { top: 1, vectors: true });
  const v = d.topVectors!;
  const direction = new Float64Array(v.rows);
  for (let i = 0; i < v.rows; i++) direction[i] = v.data[i * v.cols]!;
  return { pr: d.participationRatio, top: d.top[0] ?? 0, trace: d.trace, direction };
}

/** A training run of the explorer, stepped by the caller. */
export class Experiment {
  readonly settings: ExplorerSettings;
  readonly config: TrainConfig;
  readonly task: Task;
  readonly model: Model;
  private readonly optimizer: Optimizer;
  private readonly natgrad: NatGradOptimizer | null;
  /** Steps taken so far. */
  stepIndex = 0;
  readonly history: StepMetrics[] = [];
  readonly markers: BifurcationMarker[] = [];
  readonly landscapes: LandscapeScan[] = [];
  stopped: string | null = null;
  private prevParams: Float64Array | null = null;
  private prevTracked: Float64Array | null = null;
  private prevCritical: Complex | null = null;
  private prevCount = 0;
  private pr0: number | null = null;
  /** Dominant direction (full parameter length) at the last step. */
  private direction: Float64Array | null = null;
  private directionParams: Float64Array | null = null;

  constructor(settings: ExplorerSettings) {
    checkSettings(settings);
    this.settings = { ...settings };
    this.config = parseTrainConfig(toTrainConfig(settings));
    this.task = buildTask(this.config);
    this.model = this.task.student;
    const { optimizer, natgrad } = buildOptimizer(this.config);
    this.optimizer = optimizer;
    this.natgrad = natgrad;
  }

  get done(): boolean {
    return this.stopped !== null || this.stepIndex >= this.config.steps;
  }

  /**
   * One optimizer step plus the monitor. Cost: one fused sweep, the optimizer, the dense dual
   * sNTK (O(B·T·N·P²)) and a fixed-point search.
   */
  step(): StepOutput {
    if (this.done) throw new InputError(`the run is over (${this.stopped ?? `${this.config.steps} steps taken`})`);
    const t0 = performance.now();
    const step = this.stepIndex;
    const model = this.model;
    const task = this.task;
    const batch = task.batchAt ? task.batchAt(step) : task;
    const mask = task.trainable;
    const target = task.target;
    // Monitor at the parameters before the update (as trainRun's onStep).
    const k = sntkSummary(model, task);
    if (this.pr0 === null) this.pr0 = k.pr;
    const fp = this.fixedPointsNow();
    const marker = this.detect(step, fp);
    if (this.natgrad && this.config.optimizer.adaptive && !this.natgrad.isActive() && k.pr < this.pr0 / this.settings.adaptiveFall) {
      this.natgrad.setActive(true);
    }
    const natgradActive = this.natgrad ? this.natgrad.isActive() : false;
    const full = new Float64Array(model.layout.size);
    full.set(k.direction);
    this.direction = full;
    this.directionParams = model.params.slice();

    // The training step (the same computation as one iteration of trainRun).
    const dirs = this.optimizer.directions?.() ?? [];
    const ft = fisherTrialsAt(this.config.optimizer.fisherTrials, batch.B, step);
    let res;
    try {
      res = fusedSweep(model, batch, { target, mask, directions: dirs, ...ft });
      if (!res.grad.every(Number.isFinite)) throw new NonFiniteError(`gradient is not finite at step ${step}`);
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      this.stopped = `stopped at step ${step}: ${e.message}`;
      throw e;
    }
    const gradNorm = norm(res.grad);
    const ctx: StepContext = {
      step,
      loss: res.loss,
      Fv: res.Fv,
      mask,
      applyFisher: (V) => fusedSweep(model, batch, { target, mask, directions: V, grad: false, ...ft }).Fv,
      gaussNewton: () => {
        const { J, index } = outputJacobian(model, batch, { target, mask });
        const n = res.residual.length;
        return { J, index, eps: res.residual.map((r) => r / n), BT: batch.B * batch.T };
      },
    };
    const upd = this.optimizer.step(model.params, res.grad, ctx);
    let error: string | undefined;
    if (!upd.every(Number.isFinite)) {
      error = `stopped at step ${step}: the update is not finite`;
      this.stopped = error;
    } else {
      this.prevParams = model.params.slice();
      for (let i = 0; i < upd.length; i++) model.params[i]! += upd[i]!;
    }
    const metrics: StepMetrics = {
      step,
      loss: res.loss,
      gradNorm,
      updateNorm: norm(upd),
      pr: k.pr,
      topEigenvalue: k.top,
      trace: k.trace,
      topShare: k.trace > 0 ? k.top / k.trace : 0,
      fixedPoints: fp.views.length,
      criticalRe: fp.critical ? fp.critical.re : NaN,
      criticalIm: fp.critical ? fp.critical.im : NaN,
      sigma: fp.critical ? 1 - Math.hypot(fp.critical.re, fp.critical.im) : NaN,
      natgradActive,
      seconds: (performance.now() - t0) / 1000,
    };
    this.history.push(metrics);
    if (marker) this.markers.push(marker);
    this.stepIndex++;
    return { metrics, fixedPoints: fp.views, marker, ...(error ? { error } : {}) };
  }

  /** Fixed points at zero input; the tracked one continues the previous step's tracked point. */
  private fixedPointsNow(): { views: FixedPointView[]; critical: Complex | null; trackedH: Float64Array | null; all: Float64Array[] } {
    const sys = modelSystem(this.model);
    const N = this.model.spec.hiddenSize;
    const starts = this.prevTracked ? [this.prevTracked] : [];
    const rep = findFixedPoints(sys, { seed: this.config.seed, starts });
    const ref = this.prevTracked ?? new Float64Array(N);
    let best = -1;
    let bestD = Infinity;
    rep.points.forEach((p, i) => {
      const d = dist(p.h, ref);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    });
    const views: FixedPointView[] = rep.points.map((p, i) => ({
      norm: norm(p.h),
      stability: p.stability,
      eigenvalues: p.eigenvalues.map((e) => [e.re, e.im] as [number, number]),
      tracked: i === best,
    }));
    const tp = best >= 0 ? rep.points[best]! : null;
    return { views, critical: tp ? tp.critical : null, trackedH: tp ? tp.h.slice() : null, all: rep.points.map((p) => p.h.slice()) };
  }

  /** Marker when the tracked eigenvalue crosses the unit circle or the fixed-point count changes. */
  private detect(step: number, fp: { views: FixedPointView[]; critical: Complex | null; trackedH: Float64Array | null; all: Float64Array[] }): BifurcationMarker | null {
    const prevC = this.prevCritical;
    const prevH = this.prevTracked;
    const prevCount = this.prevCount;
    const prevParams = this.prevParams;
    this.prevCritical = fp.critical;
    this.prevTracked = fp.trackedH;
    this.prevCount = fp.views.length;
    if (!prevC || !fp.critical || !prevH || !prevParams) return null;
    const r0 = Math.hypot(prevC.re, prevC.im);
    const r1 = Math.hypot(fp.critical.re, fp.critical.im);
    const crossed = (r0 - 1) * (r1 - 1) < 0;
    if (!crossed && prevCount === fp.views.length) return null;
    const before = createModel(this.model.spec);
    before.params.set(prevParams);
    const born = fp.views.length - prevCount;
    const bOff = this.model.layout.blocks.find((bl) => bl.name === 'b');
    const bNorm = bOff ? norm(this.model.params.subarray(bOff.offset, bOff.offset + bOff.rows)) : 0;
    const noteFor = (type: string): string | null =>
      type === 'saddle-node' && born === 2 && bNorm > 0 ? `imperfect pitchfork: the trained bias (‖b‖ = ${bNorm.toPrecision(2)}) breaks the odd symmetry` : null;
    const base = { step, fixedPointsBefore: prevCount, fixedPointsAfter: fp.views.length };
    // Continue along θ_{step−1} → θ_step from the tracked point, then back from the new points.
    const sys = pathSystem(linePath(before, this.model));
    const tries: { h: Float64Array; s0: number; s1: number }[] = [{ h: prevH, s0: 0, s1: 1 }];
    for (const h of fp.all) if (dist(h, prevH) > 1e-6) tries.push({ h, s0: 1, s1: 0 });
    for (const t of tries) {
      try {
        const res = continueBranch(sys, { s0: t.s0, s1: t.s1, h0: t.h });
        const ev = res.events[0];
        if (ev) return { ...base, type: ev.type, criticality: ev.criticality, eigenvalue: [ev.eigenvalues[0]!.re, ev.eigenvalues[0]!.im], source: 'continuation', note: noteFor(ev.type) };
      } catch {
        // try the next start, then the local classification
      }
    }
    try {
      const nb = classifyNearest(before, prevH, new Float64Array(this.model.spec.inputSize));
      return { ...base, type: nb.type, criticality: nb.criticality, eigenvalue: [nb.eigenvalue.re, nb.eigenvalue.im], source: 'nearest', note: noteFor(nb.type) };
    } catch {
      return { ...base, type: 'unclassified', criticality: null, eigenvalue: [fp.critical.re, fp.critical.im], source: 'crossing', note: null };
    }
  }

  /**
   * The restricted landscape along the dominant direction `u` of the last monitored step (unit
   * norm, sign chosen so the tracked eigenvalue grows with α): loss, restricted kernel
   * `κ(α) = ‖J(θ+αu)u‖²`, the tracked fixed point's largest real eigenvalue `λ_c(α)`, `α_c`
   * (where it crosses +1), and the normal-form predictions: the channel law `κ ≈ A/(1−λ_c)²`
   * and, past `α_c`, the pitchfork loss law `L_c + c√(α−α_c)` (amplitudes by least squares). Cost: `points` × (a rollout, a JVP sweep, a Newton solve).
   */
  landscape(): LandscapeScan | null {
    if (!this.direction || !this.directionParams) return null;
    const base = createModel(this.model.spec);
    base.params.set(this.directionParams);
    const u = this.direction;
    const r = this.settings.landscapeRange;
    const n = this.settings.landscapePoints;
    const task = this.task;
    const alphas = Array.from({ length: n }, (_, i) => -r + (2 * r * i) / (n - 1));
    const P = base.layout.cellSize;
    const path = directionPath(base, u.subarray(0, P), [-r, r]);
    const sys = pathSystem(path);
    const lambdaAt = (h: Float64Array, a: number): { lam: number; h: Float64Array } => {
      const sol = solveFixedPoint(sys, a, h);
      const sp = spectrumOf(sys.jacobian(sol.h, a), 'discrete');
      let lam = NaN;
      for (const e of sp.eigenvalues) if (Math.abs(e.im) < 1e-9 && !(e.re <= lam)) lam = e.re;
      return { lam: sol.converged ? lam : NaN, h: sol.h };
    };
    // Sign of u: the tracked eigenvalue should grow with α.
    const h0 = this.prevTracked ?? new Float64Array(base.spec.hiddenSize);
    const lp = lambdaAt(h0, 0.05 * r).lam;
    const lm = lambdaAt(h0, -0.05 * r).lam;
    const sign = Number.isFinite(lp) && Number.isFinite(lm) && lp < lm ? -1 : 1;
    const m = createModel(base.spec);
    const loss: number[] = [];
    const kappa: number[] = [];
    const lambda: number[] = [];
    const udir = u.map((x) => sign * x);
    // Newton from the middle outwards so the tracked branch is followed.
    const mid = Math.floor(n / 2);
    const hs: (Float64Array | null)[] = new Array(n).fill(null);
    const lam = new Array<number>(n).fill(NaN);
    for (const order of [Array.from({ length: n - mid }, (_, i) => mid + i), Array.from({ length: mid }, (_, i) => mid - 1 - i)]) {
      let h = h0;
      for (const i of order) {
        const o = lambdaAt(h, sign * alphas[i]!);
        lam[i] = o.lam;
        hs[i] = o.h;
        h = o.h;
      }
    }
    for (let i = 0; i < n; i++) {
      const a = alphas[i]!;
      for (let j = 0; j < m.params.length; j++) m.params[j] = base.params[j]! + a * udir[j]!;
      let L = NaN;
      let kap = NaN;
      try {
        L = fusedSweep(m, task, { target: task.target, mask: task.trainable, grad: false }).loss;
        const traj = rollout(m, task.X, { B: task.B, T: task.T });
        const jv = trajectoryJvp(m, traj, udir);
        let s = 0;
        for (let q = 0; q < jv.length; q++) s += jv[q]! * jv[q]!;
        kap = s;
      } catch {
        // non-finite far from θ: leave NaN
      }
      loss.push(L);
      kappa.push(kap);
      lambda.push(lam[i]!);
    }
    let alphaC: number | null = null;
    for (let i = 1; i < n; i++) {
      const a = lambda[i - 1]!, b = lambda[i]!;
      if (Number.isFinite(a) && Number.isFinite(b) && (a - 1) * (b - 1) <= 0 && a !== b) {
        alphaC = alphas[i - 1]! + ((1 - a) / (b - a)) * (alphas[i]! - alphas[i - 1]!);
        break;
      }
    }
    // Channel law (DESIGN §5, normal form on the centre manifold): κ(α) ≈ A / σ(α)², σ = 1 − λ_c(α).
    const kappaPrediction: (number | null)[] = new Array(n).fill(null);
    const lossPrediction: (number | null)[] = new Array(n).fill(null);
    let fittedExponent: number | null = null;
    const ok = alphas.map((_, i) => i).filter((i) => Number.isFinite(lambda[i]!) && Math.abs(1 - lambda[i]!) > 1e-3 && Number.isFinite(kappa[i]!) && kappa[i]! > 0);
    if (ok.length >= 3) {
      const xs = ok.map((i) => Math.log(Math.abs(1 - lambda[i]!)));
      const ys = ok.map((i) => Math.log(kappa[i]!));
      let s = 0;
      for (let j = 0; j < ok.length; j++) s += ys[j]! + 2 * xs[j]!;
      const A = Math.exp(s / ok.length);
      for (const i of ok) kappaPrediction[i] = A / (1 - lambda[i]!) ** 2;
      const mx = xs.reduce((p, q) => p + q, 0) / xs.length;
      const my = ys.reduce((p, q) => p + q, 0) / ys.length;
      let sxy = 0, sxx = 0;
      for (let j = 0; j < xs.length; j++) {
        sxy += (xs[j]! - mx) * (ys[j]! - my);
        sxx += (xs[j]! - mx) ** 2;
      }
      fittedExponent = sxx > 1e-12 ? sxy / sxx : null;
    }
    if (alphaC !== null) {
      // Pitchfork loss law just past α_c: L_c + c·√(α − α_c), c by least squares.
      const past = alphas.map((_, i) => i).filter((i) => alphas[i]! > alphaC! && Number.isFinite(loss[i]!));
      const ic = alphas.findIndex((x) => x > alphaC!);
      if (past.length >= 2 && ic > 0) {
        const Lc = loss[ic - 1]! + ((alphaC - alphas[ic - 1]!) / (alphas[ic]! - alphas[ic - 1]!)) * (loss[ic]! - loss[ic - 1]!);
        const near = past.slice(0, Math.max(2, Math.ceil(past.length / 3)));
        let num = 0, den = 0;
        for (const i of near) {
          const q = Math.sqrt(alphas[i]! - alphaC);
          num += q * (loss[i]! - Lc);
          den += q * q;
        }
        const c = den > 0 ? num / den : 0;
        for (const i of near) lossPrediction[i] = Lc + c * Math.sqrt(alphas[i]! - alphaC);
      }
    }
    const scan: LandscapeScan = { step: Math.max(0, this.stepIndex - 1), alphas, loss, kappa, lambda, alphaC, kappaPrediction, lossPrediction, fittedExponent };
    this.landscapes.push(scan);
    return scan;
  }

  /** The run as JSON-ready data: settings, library config, metrics, markers, landscapes. */
  exportRun(): RunExport {
    return {
      format: 'sntk-explorer-run/1',
      settings: { ...this.settings },
      config: this.config,
      metrics: this.history.slice(),
      markers: this.markers.slice(),
      landscapes: this.landscapes.slice(),
      status: this.stopped ?? (this.done ? 'completed' : 'running'),
    };
  }
}

/** The exported run document. */
export interface RunExport {
  format: 'sntk-explorer-run/1';
  settings: ExplorerSettings;
  config: TrainConfig;
  metrics: StepMetrics[];
  markers: BifurcationMarker[];
  landscapes: LandscapeScan[];
  status: string;
}

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
 * Per step (at the parameters before the update, like `trainRun`'s `onStep`) the monitor does what
 * the library's `createMonitor` (src/train/monitor/monitor.ts, which writes files with `node:fs`)
 * does, with its browser-safe parts and the same options and seeds, so the numbers equal
 * `sntk train` / `sntk demo`'s metrics: `monitorKernel` (state-space sNTK PR, trace, top
 * eigenvalue and direction, output-space PR), `zeroInputAnalysis` (fixed points at zero input,
 * their spectra, the point nearest criticality, `B*ᵀl`), `segmentBifurcations` (continuation
 * along the segment between consecutive steps, imperfect pitchforks recognised),
 * `RankCollapseTracker` (PR collapse; switches the adaptive natural gradient on).
 */
import type { Model } from '../../src/models/types.js';
import { createModel, rollout, trajectoryJvp, withParams } from '../../src/models/index.js';
import { pathSystem, directionPath, solveFixedPoint, spectrumOf } from '../../src/dynamics/index.js';
import { monitorKernel } from '../../src/train/monitor/kernel.js';
import { zeroInputAnalysis, spanAlignment } from '../../src/train/monitor/fixed.js';
import { segmentBifurcations, RankCollapseTracker } from '../../src/train/monitor/events.js';
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
    monitor: { collapseFactor: s.collapseFactor },
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
  if (!(s.collapseFactor > 1)) throw new InputError(`collapseFactor must be > 1, got ${String(s.collapseFactor)}`);
  if (!['sgd', 'adam', 'natgrad', 'adaptive'].includes(s.optimizer)) throw new InputError(`optimizer must be sgd, adam, natgrad or adaptive, got ${String(s.optimizer)}`);
}

/** One fixed point at zero input, for the complex-plane panel. */
export interface FixedPointView {
  /** ‖h*‖. */
  norm: number;
  stability: string;
  /** Eigenvalues of `∂f/∂h` at h*, as `[re, im]`. */
  eigenvalues: [number, number][];
  /** Whether this is the point nearest criticality (whose eigenvalue the panels follow). */
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
  /** Output-space PR (readout NTK), or null. */
  prOutput: number | null;
  /** |cos| of the top sNTK direction with `B*ᵀl` (the normal form's unfolding gradient), or null. */
  alignBStarL: number | null;
  /** Number of fixed points at zero input. */
  fixedPoints: number;
  /** Critical eigenvalue of the fixed point nearest criticality. */
  criticalRe: number | null;
  criticalIm: number | null;
  /** `1 − |λ_c|` of that point. */
  sigma: number | null;
  /** Whether the natural-gradient correction was on for this step (null: not a natgrad run). */
  natgradActive: boolean | null;
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
  /** `continuation` (along the segment θ_{step−1} → θ_step), or `count` (the number of fixed points changed, nothing localised). */
  source: 'continuation' | 'count';
  /** Position on the segment in [0, 1]. */
  s: number | null;
  /** How the dynamics layer classified it (differs from `type` for an imperfect pitchfork). */
  detectedAs: string | null;
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
  /** Monitor state (as in the library's createMonitor). */
  private prevModel: Model | null = null;
  private prevStep: number | null = null;
  private prevPoints: Float64Array[] = [];
  private prevTop: Float64Array | null = null;
  private prevNearest: Float64Array | null = null;
  private readonly tracker: RankCollapseTracker;
  private prevLoss: number | null = null;
  /** Monitor events so far (same shapes as the library's events.json). */
  readonly events: Record<string, unknown>[] = [];
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
    this.tracker = new RankCollapseTracker(this.config.monitor.collapseFactor);
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
    // Monitor at the parameters before the update (as trainRun's onStep + createMonitor).
    const mon = this.monitorStep(step, batch);
    const k = mon.kernel;
    const natgradActive = this.natgrad ? this.natgrad.isActive() : null;
    this.direction = k.topVector;
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
    if (this.prevLoss !== null && res.loss > (1 + this.config.monitor.spikeFactor) * this.prevLoss) this.events.push({ type: 'loss-spike', step, from: this.prevLoss, to: res.loss });
    this.prevLoss = res.loss;
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
      for (let i = 0; i < upd.length; i++) model.params[i]! += upd[i]!;
    }
    const metrics: StepMetrics = {
      step,
      loss: res.loss,
      gradNorm,
      updateNorm: norm(upd),
      pr: k.pr,
      topEigenvalue: k.top[0] ?? NaN,
      trace: k.trace,
      topShare: k.topShare,
      prOutput: k.prOutput,
      alignBStarL: mon.alignB !== null && Number.isFinite(mon.alignB) ? mon.alignB : null,
      fixedPoints: mon.views.length,
      criticalRe: mon.critical ? mon.critical.re : null,
      criticalIm: mon.critical ? mon.critical.im : null,
      sigma: mon.sigma !== null && Number.isFinite(mon.sigma) ? mon.sigma : null,
      natgradActive,
      seconds: (performance.now() - t0) / 1000,
    };
    this.history.push(metrics);
    const marker = mon.marker;
    if (marker) this.markers.push(marker);
    this.stepIndex++;
    return { metrics, fixedPoints: mon.views, marker, ...(error ? { error } : {}) };
  }

  /**
   * The library monitor's per-step work (createMonitor.onStep without its file output), same
   * options and seeds: kernel statistics, zero-input analysis, segment bifurcations, rank collapse
   * (which switches an adaptive natural gradient on). Returns the first bifurcation as a marker.
   */
  private monitorStep(step: number, batch: Task | import('../../src/train/batch.js').Batch) {
    const opts = this.config.monitor;
    const task = this.task;
    const cur = withParams(this.model, this.model.params.slice());
    const mask = task.trainable;
    const seed = this.config.seed * 1000003 + step;
    const kernel = monitorKernel(cur, batch, { target: task.target, mask, trials: opts.trials ?? null, method: opts.kernel, denseFlops: opts.denseFlops, top: opts.top, probes: opts.probes, seed, warmStart: this.prevTop });
    const z = zeroInputAnalysis(cur, { mask, seed, fixedPoints: { nStarts: opts.fixedPointStarts } });
    const points = z.points;
    const alignB = spanAlignment(kernel.topVector, z.bStarL);
    let marker: BifurcationMarker | null = null;
    if (opts.continuation && this.prevModel && this.prevStep !== null) {
      const segs = segmentBifurcations(this.prevModel, this.prevPoints.map((h) => ({ h })), cur, points);
      for (const e of segs) {
        const ev = { type: e.type, step, fromStep: this.prevStep, s: e.s, eigenvalue: e.eigenvalue, criticality: e.criticality, detectedAs: e.detectedAs, ...(e.imperfect ? { imperfect: true, imperfection: e.imperfection } : {}), fixedPointsBefore: this.prevPoints.length, fixedPointsAfter: points.length };
        this.events.push(ev);
        marker ??= {
          step,
          type: e.type,
          criticality: e.criticality,
          eigenvalue: [e.eigenvalue.re, e.eigenvalue.im],
          source: 'continuation',
          s: e.s,
          detectedAs: e.detectedAs,
          fixedPointsBefore: this.prevPoints.length,
          fixedPointsAfter: points.length,
          note: e.imperfect ? `imperfect: the trained bias (max |b_i| = ${(e.imperfection ?? 0).toPrecision(2)}) breaks the odd symmetry, so the new pair is born in a ${e.detectedAs}` : null,
        };
      }
      if (segs.length === 0 && points.length !== this.prevPoints.length) {
        this.events.push({ type: 'fixed-points-changed', step, fromStep: this.prevStep, fixedPointsBefore: this.prevPoints.length, fixedPointsAfter: points.length });
        marker = { step, type: 'fixed-points-changed', criticality: null, eigenvalue: z.critical ? [z.critical.re, z.critical.im] : [NaN, NaN], source: 'count', s: null, detectedAs: null, fixedPointsBefore: this.prevPoints.length, fixedPointsAfter: points.length, note: 'no bifurcation localised on the segment' };
      }
    }
    for (const e of this.tracker.push(step, kernel.pr)) {
      this.events.push({ ...e });
      if (e.type === 'rank-collapse-onset' && this.natgrad && !this.natgrad.isActive()) {
        this.natgrad.setActive(true);
        this.events.push({ type: 'natgrad-activated', step });
      }
    }
    if (step === this.config.steps - 1) for (const e of this.tracker.finish(step)) this.events.push({ ...e });
    this.prevStep = step;
    this.prevModel = cur;
    this.prevPoints = points.map((p) => p.h);
    this.prevTop = kernel.topVector;
    this.prevNearest = z.nearest !== null ? points[z.nearest]!.h.slice() : null;
    const views: FixedPointView[] = points.map((p, i) => ({
      norm: norm(p.h),
      stability: p.stability,
      eigenvalues: p.eigenvalues.map((e) => [e.re, e.im] as [number, number]),
      tracked: i === z.nearest,
    }));
    return { kernel, views, critical: z.critical, sigma: z.sigma, alignB, marker };
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
    const h0 = this.prevNearest ?? new Float64Array(base.spec.hiddenSize);
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
      events: this.events.slice(),
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
  /** The monitor's events (bifurcations, rank collapse, natgrad activation), as in events.json. */
  events: Record<string, unknown>[];
  landscapes: LandscapeScan[];
  status: string;
}

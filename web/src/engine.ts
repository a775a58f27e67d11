/**
 * The explorer's experiment engine: the pitchfork student–teacher run, one optimizer step at a
 * time, with the per-step quantities the panels show. Pure computation (no DOM, no worker, no
 * Node built-ins), so the Web Worker and the Node tests run the very same code.
 *
 * It imports the library itself through its Node-free entry `src/train/browser.ts` (no copy of its
 * code): each step is one `TrainingSession.step` (the very iteration `trainRun` runs), monitored
 * by `createMonitorCore` (the per-step work of `createMonitor`, which `sntk train` / `sntk demo`
 * run) with the same options and seeds, so the losses, gradient and update norms, kernel and
 * fixed-point metrics and events equal a Node `trainRun` + `createMonitor` with the same config
 * (`monitorEvery` = the settings' `monitorEvery`) bit for bit. Explorer-only here: the bifurcation
 * markers for the UI, the fixed-point views, and the restricted-landscape scan.
 *
 * Cadence: a training step costs milliseconds, the monitor's observation (dense sNTK spectrum,
 * fixed points, continuation along the segment) about a second at the pitchfork size. The cheap
 * quantities (loss, gradient and update norms, natgrad state) are reported at every step; the
 * monitor runs every `monitorEvery` steps (as `sntk train --set monitorEvery=…` does), at the last
 * step, and on demand (`requestMonitor`); the kernel and fixed-point fields of the other steps
 * repeat the last observation (`monitored: false`, `monitoredStep`).
 */
import type { Model } from '../../src/models/types.js';
import { createModel, rollout, trajectoryJvp } from '../../src/models/index.js';
import { pathSystem, directionPath, solveFixedPoint, spectrumOf } from '../../src/dynamics/index.js';
import { createMonitorCore, createTrainingSession, fusedSweep } from '../../src/train/browser.js';
import type { MonitorCore, MonitorObservation, MonitorStepInput, TrainConfig, TrainConfigInput, Task, TrainingSession } from '../../src/train/browser.js';
import { InputError } from '../../src/errors.js';

import type { ExplorerSettings } from './settings.js';
export type { ExplorerSettings, ExplorerOptimizer } from './settings.js';
export { PITCHFORK_PRESET } from './settings.js';

/** The library task config of the settings' normal form (`bifurcation`, default pitchfork). */
function taskOf(s: ExplorerSettings): TrainConfigInput['task'] {
  const common = { hiddenSize: s.hiddenSize, T: s.T, B: s.B };
  switch (s.bifurcation ?? 'pitchfork') {
    case 'saddle-node':
      return { name: 'saddle-node', ...common, outlier: s.outlier };
    case 'hopf':
      return { name: 'hopf', ...common, rho: s.outlier };
    default:
      return { name: 'pitchfork', ...common, outlier: s.outlier, trainBias: s.trainBias !== false };
  }
}

/** The library training config of the explorer settings (what `trainRun` would be given). */
export function toTrainConfig(s: ExplorerSettings): TrainConfigInput {
  const kind = s.optimizer === 'adaptive' ? 'natgrad' : s.optimizer;
  return {
    seed: s.seed,
    steps: s.steps,
    task: taskOf(s),
    optimizer: { kind, learningRate: s.learningRate, ...(s.optimizer === 'adaptive' ? { adaptive: true } : {}) },
    monitor: { collapseFactor: s.collapseFactor, ...(s.monitorTrials !== undefined ? { trials: Math.min(s.monitorTrials, s.B) } : {}) },
    monitorEvery: s.monitorEvery ?? 1,
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
  if (s.bifurcation !== undefined && !['pitchfork', 'saddle-node', 'hopf'].includes(s.bifurcation)) throw new InputError(`bifurcation must be pitchfork, saddle-node or hopf, got ${String(s.bifurcation)}`);
  pos('landscapeEvery', true, 0);
  pos('landscapeRange', false, 1e-12);
  pos('landscapePoints', true, 5);
  if (s.monitorEvery !== undefined) pos('monitorEvery', true, 1);
  if (s.monitorTrials !== undefined) pos('monitorTrials', true, 1);
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
  /** Whether the monitor observed this step; when false, the kernel and fixed-point fields are those of `monitoredStep`. */
  monitored: boolean;
  /** The step the kernel and fixed-point fields were observed at (null before the first observation). */
  monitoredStep: number | null;
}

/** The metric fields that come from the monitor's observation. */
type ObservedField = 'pr' | 'topEigenvalue' | 'trace' | 'topShare' | 'prOutput' | 'alignBStarL' | 'fixedPoints' | 'criticalRe' | 'criticalIm' | 'sigma';

/** The observed fields before the first observation. */
const UNOBSERVED: Pick<StepMetrics, ObservedField> = { pr: NaN, topEigenvalue: NaN, trace: NaN, topShare: NaN, prOutput: null, alignBStarL: null, fixedPoints: 0, criticalRe: null, criticalIm: null, sigma: null };

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
  /** A deferred monitored step's parameters, for the `Observer` (deferred mode only). */
  snapshot?: ParamSnapshot;
  /** Set when the run stopped on a non-finite loss or update. */
  error?: string;
}

function norm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * The UI marker of a step's monitor observation: its first bifurcation on the segment from the
 * previous step, else a change of the fixed-point count that no continuation explained, else null.
 */
function markerOf(o: MonitorObservation, step: number): BifurcationMarker | null {
  const nBefore = o.fixedPointsBefore;
  const nAfter = o.zeroInput.points.length;
  const e = o.segments[0];
  if (e) {
    return {
      step,
      type: e.type,
      criticality: e.criticality,
      eigenvalue: [e.eigenvalue.re, e.eigenvalue.im],
      source: 'continuation',
      s: e.s,
      detectedAs: e.detectedAs,
      fixedPointsBefore: nBefore,
      fixedPointsAfter: nAfter,
      note: e.imperfect ? `imperfect: the trained bias (max |b_i| = ${(e.imperfection ?? 0).toPrecision(2)}) breaks the odd symmetry, so the new pair is born in a ${e.detectedAs}` : null,
    };
  }
  if (o.events.some((x) => x.type === 'fixed-points-changed')) {
    const c = o.zeroInput.critical;
    return { step, type: 'fixed-points-changed', criticality: null, eigenvalue: c ? [c.re, c.im] : [NaN, NaN], source: 'count', s: null, detectedAs: null, fixedPointsBefore: nBefore, fixedPointsAfter: nAfter, note: 'no bifurcation localised on the segment' };
  }
  return null;
}

/** The parameters of a monitored step, for an `Observer` in another worker. */
export interface ParamSnapshot {
  step: number;
  loss: number;
  /** The parameters before the step's update (full length). */
  params: Float64Array;
}

/** A monitor observation reduced to what the explorer shows and records (structured-cloneable). */
export interface ObservationSummary {
  step: number;
  fields: Pick<StepMetrics, ObservedField>;
  views: FixedPointView[];
  marker: BifurcationMarker | null;
  /** The monitor's events of this step (as in the library's events.json). */
  events: Record<string, unknown>[];
  /** What the monitor reported for the natural gradient's switch (null: not a natgrad run). */
  natgradActive: boolean | null;
}

/**
 * The explorer's monitor side: the library's monitor core (the per-step work of `createMonitor`)
 * on the run's task, the fixed-point views and UI markers of its observations, and the restricted
 * landscape along the last observed dominant direction. Inline (inside `Experiment.step`), or in
 * a second worker on parameter snapshots (`observe`), which gives the same numbers: the monitor
 * only reads the parameters, the task and the config of a non-adaptive run.
 */
export class Observer {
  readonly settings: ExplorerSettings;
  private readonly session: TrainingSession;
  private readonly monitor: MonitorCore;
  /** The tracked fixed point of the last observation (for the landscape scan's continuation). */
  private prevNearest: Float64Array | null = null;
  /** Dominant direction (full parameter length) at the last observation, and the parameters there. */
  private direction: Float64Array | null = null;
  private directionParams: Float64Array | null = null;
  private lastStep = 0;
  private lastScanStep = -Infinity;

  /** Builds the monitor on `session`'s task (a fresh session of the settings when absent). Cost: building the task. */
  constructor(settings: ExplorerSettings, session?: TrainingSession) {
    checkSettings(settings);
    this.settings = { ...settings };
    this.session = session ?? createTrainingSession(toTrainConfig(settings));
    const config = this.session.config;
    this.monitor = createMonitorCore({ ...config.monitor, seed: config.seed });
  }

  /** Observes one monitored step of the session (`TrainingSession.step`'s `onStep` info). Cost: the monitor's observation. */
  observeInfo(info: MonitorStepInput): { obs: MonitorObservation; summary: ObservationSummary } {
    const params0 = info.model.params.slice();
    const obs = this.monitor.observe(info);
    return { obs, summary: this.absorb(obs, info.step, params0) };
  }

  /**
   * Observes a snapshot of a non-adaptive run (steps in increasing order, as the training worker
   * posts them): the monitor at those parameters on this side's copy of the task. Cost: the
   * monitor's observation.
   */
  observe(s: ParamSnapshot): ObservationSummary {
    const { model, task, config } = this.session;
    model.params.set(s.params);
    const batch = task.batchAt ? task.batchAt(s.step) : task;
    return this.observeInfo({ step: s.step, loss: s.loss, model, task, batch, natgrad: null, config }).summary;
  }

  /**
   * Whether the landscape is due after the observation of `step`: every `landscapeEvery` steps, at
   * markers and at the end; never for the Hopf task (its laws are those of a real critical
   * eigenvalue crossing +1, and the Hopf pair crosses the unit circle off the real axis). O(1).
   */
  scanDue(step: number, marker: boolean, last: boolean): boolean {
    if (this.settings.bifurcation === 'hopf') return false;
    const every = this.settings.landscapeEvery;
    const due = every > 0 && (step - this.lastScanStep >= every || marker || last);
    if (due) this.lastScanStep = step;
    return due;
  }

  private absorb(o: MonitorObservation, step: number, params0: Float64Array): ObservationSummary {
    const k = o.kernel;
    const z = o.zeroInput;
    this.direction = k.topVector;
    this.directionParams = params0;
    this.lastStep = step;
    this.prevNearest = z.nearest !== null ? z.points[z.nearest]!.h.slice() : null;
    const num = (v: number | string | boolean | null | undefined): number | null => (typeof v === 'number' ? v : null);
    const views: FixedPointView[] = z.points.map((p, i) => ({
      norm: norm(p.h),
      stability: p.stability,
      eigenvalues: p.eigenvalues.map((e) => [e.re, e.im] as [number, number]),
      tracked: i === z.nearest,
    }));
    const fields: Pick<StepMetrics, ObservedField> = {
      pr: k.pr,
      topEigenvalue: k.top[0] ?? NaN,
      trace: k.trace,
      topShare: k.topShare,
      prOutput: k.prOutput,
      alignBStarL: num(o.extra['alignBStarL']),
      fixedPoints: z.points.length,
      criticalRe: z.critical ? z.critical.re : null,
      criticalIm: z.critical ? z.critical.im : null,
      sigma: num(o.extra['sigma']),
    };
    const na = o.extra['natgradActive'];
    return { step, fields, views, marker: markerOf(o, step), events: o.events as unknown as Record<string, unknown>[], natgradActive: typeof na === 'boolean' ? na : null };
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
    const base = createModel(this.session.model.spec);
    base.params.set(this.directionParams);
    const u = this.direction;
    const r = this.settings.landscapeRange;
    const n = this.settings.landscapePoints;
    const task = this.session.task;
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
    // Channel law (docs/theory.md §8, normal form on the centre manifold): κ(α) ≈ A / σ(α)², σ = 1 − λ_c(α).
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
    const scan: LandscapeScan = { step: this.lastStep, alphas, loss, kappa, lambda, alphaC, kappaPrediction, lossPrediction, fittedExponent };
    return scan;
  }

}

/** A training run of the explorer, stepped by the caller. */
export class Experiment {
  readonly settings: ExplorerSettings;
  readonly config: TrainConfig;
  readonly task: Task;
  readonly model: Model;
  /** The library's training session (the iteration of `trainRun`). */
  private readonly session: TrainingSession;
  /** The monitor side (inline mode); null when the observations are deferred to another worker. */
  private readonly observer: Observer | null;
  /** Whether monitored steps hand a parameter snapshot to another worker's `Observer` instead of observing inline. */
  readonly deferred: boolean;
  /** Steps taken so far. */
  stepIndex = 0;
  readonly history: StepMetrics[] = [];
  readonly markers: BifurcationMarker[] = [];
  readonly landscapes: LandscapeScan[] = [];
  stopped: string | null = null;
  /** The run's and the monitor's events so far (as in the library's events.json). */
  readonly events: Record<string, unknown>[] = [];
  /** The monitor runs every this many steps (and at the last step, and on request). */
  readonly monitorEvery: number;
  private monitorRequested = false;
  /** The last observation's metric fields and fixed-point views (repeated at unmonitored steps). */
  private lastObserved: { step: number; fields: Pick<StepMetrics, ObservedField>; views: FixedPointView[] } | null = null;

  /**
   * @param settings - the explorer's settings (checked; InputError naming the field).
   * @param opts - `deferMonitor`: monitored steps return a parameter snapshot (`StepOutput.snapshot`)
   *   for an `Observer` in another worker, whose summaries `applyObservation` merges back, so the
   *   expensive observation never blocks training. Not with the 'adaptive' optimizer (the monitor
   *   switches its correction on, so it must run inline); ignored there.
   */
  constructor(settings: ExplorerSettings, opts: { deferMonitor?: boolean } = {}) {
    checkSettings(settings);
    this.settings = { ...settings };
    this.session = createTrainingSession(toTrainConfig(settings));
    this.config = this.session.config;
    this.task = this.session.task;
    this.model = this.session.model;
    this.deferred = (opts.deferMonitor ?? false) && settings.optimizer !== 'adaptive';
    this.observer = this.deferred ? null : new Observer(settings, this.session);
    this.monitorEvery = this.config.monitorEvery;
  }

  /** Asks for a monitor observation at the next step (on demand, besides the cadence). */
  requestMonitor(): void {
    this.monitorRequested = true;
  }

  /** Whether step `step` is observed by the monitor: the cadence, the last step, or a request. O(1). */
  private isMonitored(step: number): boolean {
    return this.monitorRequested || step % this.monitorEvery === 0 || step === this.config.steps - 1;
  }

  get done(): boolean {
    return this.stopped !== null || this.stepIndex >= this.config.steps;
  }

  /**
   * One optimizer step, with the monitor at the parameters before the update at monitored steps
   * (the cadence, see the module comment). Throws the NonFiniteError of a non-finite sweep; a
   * non-finite update stops the run (`error`, parameters unchanged). Cost: one fused sweep and
   * the optimizer; at monitored steps also the monitor's kernel statistics (dense:
   * O(B·T·N·P²)), a fixed-point search and the segment continuations.
   */
  step(): StepOutput {
    if (this.done) throw new InputError(`the run is over (${this.stopped ?? `${this.config.steps} steps taken`})`);
    const t0 = performance.now();
    const step = this.stepIndex;
    const monitored = this.isMonitored(step);
    this.monitorRequested = false;
    let summary: ObservationSummary | null = null;
    let snapshot: ParamSnapshot | null = null;
    const r = this.session.step({
      monitored,
      onStep: (info) => {
        if (this.observer) {
          const { obs, summary: sm } = this.observer.observeInfo(info);
          summary = sm;
          return { extra: obs.extra, events: obs.events };
        }
        snapshot = { step, loss: info.loss, params: info.model.params.slice() };
        return undefined;
      },
    });
    if (r.error) {
      this.events.push(...r.events);
      this.stopped = `stopped at step ${step}: ${r.message}`;
      throw r.error;
    }
    const o = summary as ObservationSummary | null;
    if (monitored && !o && !snapshot) throw new InputError(`step ${step}: the monitor was not called`);
    let error: string | undefined;
    if (r.status === 'nan') {
      error = `stopped at step ${step}: ${r.message}`;
      this.stopped = error;
      this.events.push(...r.events);
    } else {
      this.events.push(...r.events, ...(o ? o.events : []));
    }
    if (o) this.lastObserved = { step, views: o.views, fields: o.fields };
    const seen = this.lastObserved;
    const natgrad = this.session.natgrad;
    const metrics: StepMetrics = {
      step,
      loss: r.loss!,
      gradNorm: r.gradNorm!,
      updateNorm: r.updateNorm!,
      ...(seen ? seen.fields : UNOBSERVED),
      natgradActive: o ? o.natgradActive : natgrad ? natgrad.isActive() : null,
      seconds: (performance.now() - t0) / 1000,
      monitored,
      monitoredStep: seen ? seen.step : null,
    };
    this.history.push(metrics);
    const marker = o ? o.marker : null;
    if (marker) this.markers.push(marker);
    this.stepIndex++;
    return { metrics, fixedPoints: seen ? seen.views : [], marker, ...(snapshot ? { snapshot } : {}), ...(error ? { error } : {}) };
  }

  /**
   * Merges an `Observer`'s summary of a deferred monitored step into the history: that step's row
   * and the following unmonitored rows (which repeat it) get its kernel and fixed-point fields,
   * its events and marker are recorded. Summaries must arrive in step order (a FIFO). Returns the
   * changed rows. Cost O(rows changed).
   */
  applyObservation(o: ObservationSummary): StepMetrics[] {
    const changed: StepMetrics[] = [];
    for (let i = o.step; i < this.history.length; i++) {
      const row = this.history[i]!;
      if (i > o.step && row.monitored) break;
      const next: StepMetrics = { ...row, ...o.fields, monitoredStep: o.step };
      this.history[i] = next;
      changed.push(next);
    }
    this.lastObserved = { step: o.step, views: o.views, fields: o.fields };
    // events in step order, the monitor's after the run's of the same step (as inline)
    let at = this.events.length;
    while (at > 0 && Number(this.events[at - 1]!['step']) > o.step) at--;
    this.events.splice(at, 0, ...o.events);
    if (o.marker) this.markers.push(o.marker);
    return changed;
  }

  /** The restricted landscape along the last observed step's dominant direction (inline mode; see `Observer.landscape`), or null. */
  landscape(): LandscapeScan | null {
    if (!this.observer) return null;
    const scan = this.observer.landscape();
    if (scan) this.landscapes.push(scan);
    return scan;
  }

  /** Whether the landscape is due after an inline observation of `step` (see `Observer.scanDue`). */
  scanDue(step: number, marker: boolean): boolean {
    return this.observer ? this.observer.scanDue(step, marker, this.done) : false;
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

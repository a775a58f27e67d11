/**
 * The file-free core of the sNTK training monitor (no Node built-ins; the browser explorer runs
 * it): the per-step observation that `createMonitor` (monitor.ts) wraps with `eigenvalues.jsonl`
 * and the checkpoint hooks. At each observed step, at the parameters before the update:
 * the kernel statistics (kernel.ts; seed `seed·1000003 + step`, warm-started from the previous
 * top direction), the zero-input analysis (fixed.ts), the alignments of the top sNTK direction
 * with `B*ᵀl`, `vec(D* l rᵀ)` and the bias part of `B*ᵀl`, the bifurcations on the segment from
 * the previous observed step (events.ts; `fixed-points-changed` when none explains a change of
 * the fixed-point count), the rank-collapse tracker (which switches an adaptive natural gradient
 * on: event `natgrad-activated`) and loss spikes. See monitor.ts for the metric and event meanings.
 */
import type { Model } from '../../models/types.js';
import { withParams } from '../../models/index.js';
import type { Batch } from '../batch.js';
import type { Task } from '../tasks/types.js';
import type { TrainConfig } from '../config.js';
import type { NatGradOptimizer } from '../optimizers/natgrad.js';
import type { TrainEvent } from '../session.js';
import type { MonitorKernelResult } from './kernel.js';
import { monitorKernel } from './kernel.js';
import type { ZeroInputAnalysis } from './fixed.js';
import { spanAlignment, zeroInputAnalysis } from './fixed.js';
import type { RankCollapseState, SegmentBifurcation } from './events.js';
import { RankCollapseTracker, segmentBifurcations } from './events.js';

/** Monitor settings (the `monitor` section of a run config, all optional here). */
export type MonitorOptions = Partial<Omit<TrainConfig['monitor'], 'enabled'>> & { seed?: number; writeEigenvalues?: boolean };

/** What the monitor carries between steps (saved in checkpoints). */
export interface MonitorState {
  prevStep: number | null;
  prevParams: number[] | null;
  prevPoints: number[][];
  prevLoss: number | null;
  prevTop: number[] | null;
  tracker: RankCollapseState;
}

/** What one observation needs (a subset of `trainRun`'s `StepInfo`). */
export interface MonitorStepInput {
  step: number;
  loss: number;
  /** The model at the parameters of this step (copied; the caller may change it afterwards). */
  model: Model;
  task: Task;
  batch: Batch;
  natgrad: NatGradOptimizer | null;
  config: TrainConfig;
}

/** One line of `eigenvalues.jsonl`. */
export interface MonitorEigenvaluesLine {
  step: number;
  sntk: number[];
  full: boolean;
  pr: number;
  jacobian: { re: number; im: number }[][];
  stable: boolean[];
  time: 'discrete';
}

/** What one observation found. */
export interface MonitorObservation {
  /** The metric columns (non-finite numbers as null). */
  extra: Record<string, number | string | boolean | null>;
  /** The events of this step, in the order the library records them. */
  events: TrainEvent[];
  /** The `eigenvalues.jsonl` line of this step. */
  eigenvaluesLine: MonitorEigenvaluesLine;
  /** The raw kernel statistics and zero-input analysis. */
  kernel: MonitorKernelResult;
  zeroInput: ZeroInputAnalysis;
  /** The bifurcations found on the segment from the previous observed step (as the dynamics layer gave them). */
  segments: SegmentBifurcation[];
  /** The previous observed step (null at the first) and its number of zero-input fixed points (0 at the first). */
  fromStep: number | null;
  fixedPointsBefore: number;
}

/** The monitor core: per-step observation and its state. */
export interface MonitorCore {
  /** Observes one step (see the module comment). Cost: see `createMonitor`. */
  observe(info: MonitorStepInput): MonitorObservation;
  /** The state to carry across a checkpoint. Cost O(P + N·points). */
  getState(): MonitorState;
  /** Restores a state from `getState()`, or resets to a fresh monitor with null. */
  setState(state: MonitorState | null): void;
}

const BIF = new Set(['saddle-node', 'transcritical', 'pitchfork', 'hopf', 'period-doubling', 'neimark-sacker']);

/** True for the event types that are bifurcations. Cost O(1). */
export function isBifurcationEvent(type: string): boolean {
  return BIF.has(type);
}

function finiteOrNull(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/**
 * Creates a monitor core. Cost per observed step: the kernel statistics (dense:
 * O(M·N·P + M·p² + p³), M = trials·T·N), a fixed-point search at zero input, and up to a dozen
 * continuations along the segment from the previous observed step.
 */
export function createMonitorCore(opts: MonitorOptions = {}): MonitorCore {
  const collapse = opts.collapseFactor ?? 4;
  const spike = opts.spikeFactor ?? 0.5;
  let tracker = new RankCollapseTracker(collapse);
  let prevStep: number | null = null;
  let prevModel: Model | null = null;
  let prevPoints: Float64Array[] = [];
  let prevLoss: number | null = null;
  let prevTop: Float64Array | null = null;
  let pendingParams: number[] | null = null; // restored previous parameters (the model spec arrives with the first step)

  return {
    setState(state) {
      tracker = new RankCollapseTracker(collapse);
      prevStep = null;
      prevModel = null;
      prevPoints = [];
      prevLoss = null;
      prevTop = null;
      pendingParams = null;
      if (state && typeof state === 'object') {
        prevStep = state.prevStep;
        prevPoints = state.prevPoints.map((h) => Float64Array.from(h));
        prevLoss = state.prevLoss;
        prevTop = state.prevTop ? Float64Array.from(state.prevTop) : null;
        tracker.setState(state.tracker);
        pendingParams = state.prevParams;
      }
    },
    getState(): MonitorState {
      return {
        prevStep,
        prevParams: prevModel ? Array.from(prevModel.params) : pendingParams,
        prevPoints: prevPoints.map((h) => Array.from(h)),
        prevLoss,
        prevTop: prevTop ? Array.from(prevTop) : null,
        tracker: tracker.getState(),
      };
    },
    observe(info) {
      const { step, model, task, batch, config } = info;
      if (pendingParams) {
        prevModel = withParams(model, Float64Array.from(pendingParams));
        pendingParams = null;
      }
      const events: TrainEvent[] = [];
      const cur = withParams(model, model.params.slice());
      const mask = task.trainable;
      const seed = (opts.seed ?? config.seed) * 1000003 + step;
      const k = monitorKernel(cur, batch, {
        target: task.target,
        mask,
        trials: opts.trials ?? null,
        method: opts.kernel ?? 'auto',
        ...(opts.denseFlops !== undefined ? { denseFlops: opts.denseFlops } : {}),
        top: opts.top ?? 10,
        probes: opts.probes ?? 64,
        seed,
        warmStart: prevTop,
      });
      const z = zeroInputAnalysis(cur, { mask, seed, fixedPoints: { nStarts: opts.fixedPointStarts ?? 16 } });
      const points = z.points;
      const alignB = spanAlignment(k.topVector, z.bStarL);
      const alignMove = spanAlignment(k.topVector, z.eigenMove);
      const alignBias = spanAlignment(k.topVector, z.bStarLBias);

      // bifurcations on the segment from the previous observed step
      let segs: SegmentBifurcation[] = [];
      const fromStep = prevStep;
      const fixedPointsBefore = prevPoints.length;
      if ((opts.continuation ?? true) && prevModel && prevStep !== null) {
        segs = segmentBifurcations(prevModel, prevPoints.map((h) => ({ h })), cur, points);
        for (const e of segs) {
          events.push({
            type: e.type,
            step,
            fromStep: prevStep,
            s: e.s,
            stepAt: prevStep + e.s * (step - prevStep),
            eigenvalue: e.eigenvalue,
            criticality: e.criticality,
            detectedAs: e.detectedAs,
            ...(e.imperfect ? { imperfect: true } : {}),
            ...(e.symmetricS !== undefined ? { symmetricS: e.symmetricS, imperfection: e.imperfection } : {}),
            fixedPointsBefore: prevPoints.length,
            fixedPointsAfter: points.length,
          });
        }
        if (segs.length === 0 && points.length !== prevPoints.length) {
          events.push({ type: 'fixed-points-changed', step, fromStep: prevStep, fixedPointsBefore: prevPoints.length, fixedPointsAfter: points.length });
        }
      }
      // rank collapse (and the adaptive natural gradient)
      for (const e of tracker.push(step, k.pr)) {
        events.push(e);
        if (e.type === 'rank-collapse-onset' && info.natgrad && !info.natgrad.isActive()) {
          info.natgrad.setActive(true);
          events.push({ type: 'natgrad-activated', step });
        }
      }
      if (step === config.steps - 1) events.push(...tracker.finish(step));
      if (prevLoss !== null && info.loss > (1 + spike) * prevLoss) events.push({ type: 'loss-spike', step, from: prevLoss, to: info.loss });

      const eigenvaluesLine: MonitorEigenvaluesLine = {
        step,
        sntk: k.spectrum ? Array.from(k.spectrum) : k.top,
        full: k.spectrum !== null,
        pr: k.pr,
        jacobian: points.map((p) => p.eigenvalues.map((e) => ({ re: e.re, im: e.im }))),
        stable: points.map((p) => p.stability === 'stable'),
        time: 'discrete',
      };
      prevStep = step;
      prevModel = cur;
      prevPoints = points.map((p) => p.h);
      prevLoss = info.loss;
      prevTop = k.topVector;
      const extra: Record<string, number | string | boolean | null> = {
        trace: finiteOrNull(k.trace),
        pr: finiteOrNull(k.pr),
        prOutput: finiteOrNull(k.prOutput),
        topEigenvalue: finiteOrNull(k.top[0]),
        topShare: finiteOrNull(k.topShare),
        prStdErr: k.standardErrors ? finiteOrNull(k.standardErrors.pr) : null,
        kernelMethod: k.method,
        kernelTrials: k.trials,
        criticalRe: z.critical ? z.critical.re : null,
        criticalIm: z.critical ? z.critical.im : null,
        sigma: finiteOrNull(z.sigma),
        fixedPoints: points.length,
        alignBStarL: finiteOrNull(alignB),
        alignEigenMove: finiteOrNull(alignMove),
        alignBiasL: finiteOrNull(alignBias),
        hStarNorm: finiteOrNull(z.hStarNorm),
        natgradActive: info.natgrad ? info.natgrad.isActive() : null,
      };
      return { extra, events, eigenvaluesLine, kernel: k, zeroInput: z, segments: segs, fromStep, fixedPointsBefore };
    },
  };
}

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
import { criticalDirections, spanAlignment, zeroInputAnalysis } from './fixed.js';
import type { RankCollapseState, SegmentBifurcation } from './events.js';
import { RankCollapseTracker, segmentBifurcations, segmentModel } from './events.js';

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
  /** The observation before the previous one (step and parameters), for the approach to a crossing near the segment's start; absent in older checkpoints. */
  earlier?: { step: number; params: number[] } | null;
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

/** The sNTK on the approach to a located bifurcation (`crossingApproach`), as recorded on its event. */
export interface CrossingApproach {
  /** The state-space PR at each sampled point of the path (fractional training step), in order. */
  approachPr: { step: number; pr: number | null }[];
  /** The smallest of those PRs: the collapse at the crossing. */
  crossingPr: number | null;
  /** Where on the path (fractional step) that smallest PR is. */
  crossingPrStep: number | null;
  /** `λ₂/λ₁` of the sNTK there. */
  crossingSecondOverFirst: number | null;
  /** |cos(top sNTK direction there, the channel subspace at the located bifurcation)| (`locatedChannelAlignment`). */
  channelAlignment: number | null;
}

/** The training path around a segment: the observations before (`earlier`, may be absent), at its start and at its end. */
export interface ApproachPath {
  earlier: { step: number; model: Model } | null;
  prev: { step: number; model: Model };
  cur: { step: number; model: Model };
}

/** Approach distances `2^{−j}` monitored intervals before the crossing, j = 0 … APPROACH_POINTS − 1. */
const APPROACH_POINTS = 7;

/**
 * The sNTK on the training path's approach to the bifurcation `e` located at `s*` on the segment
 * from `path.prev` to `path.cur`: the kernel (`kernelAt`) at the segment's start (the last
 * monitored step before the crossing) and at `s* − 2^{−j}` monitored intervals, j = 0 … 6 (the
 * points before the segment's start lie on the previous segment, from `path.earlier`; skipped
 * when there is none). A fold's ghost slows the trajectories that pass it by ~ `(s* − s)^{−1/2}`,
 * so the collapse deepens on the approach until the passage outlasts the trials, then relaxes: its
 * depth sits at a distance set by T, resolved by halving the distance (docs/theory.md §8, §9). At the
 * smallest PR: its `λ₂/λ₁` and the alignment of its top direction with the channel subspace at the
 * located point. The kernel is not taken at `s*` itself, where the trajectories that reach the new
 * pair stall. Cost: up to 8 kernels plus `locatedChannelAlignment`.
 */
export function crossingApproach(path: ApproachPath, e: SegmentBifurcation, kernelAt: (m: Model, warm: Float64Array | null) => MonitorKernelResult, warm: Float64Array | null, mask?: Uint8Array): CrossingApproach {
  const { earlier, prev, cur } = path;
  const points: { u: number; step: number; model: Model }[] = [{ u: 0, step: prev.step, model: prev.model }];
  for (let j = 0; j < APPROACH_POINTS; j++) {
    const u = e.s - 2 ** -j;
    if (u > 0) points.push({ u, step: prev.step + u * (cur.step - prev.step), model: segmentModel(prev.model, cur.model, u) });
    else if (u < 0 && earlier) points.push({ u, step: prev.step + u * (prev.step - earlier.step), model: segmentModel(earlier.model, prev.model, 1 + u) });
  }
  points.sort((a, b) => a.u - b.u);
  const approachPr: CrossingApproach['approachPr'] = [];
  let best: { step: number; k: MonitorKernelResult } | null = null;
  let w = warm;
  for (const p of points) {
    const k = kernelAt(p.model, w);
    w = k.topVector;
    const pr = finiteOrNull(k.pr);
    approachPr.push({ step: p.step, pr });
    if (pr !== null && (best === null || pr < best.k.pr)) best = { step: p.step, k };
  }
  if (best === null) return { approachPr, crossingPr: null, crossingPrStep: null, crossingSecondOverFirst: null, channelAlignment: null };
  const top = best.k.top;
  return {
    approachPr,
    crossingPr: best.k.pr,
    crossingPrStep: best.step,
    crossingSecondOverFirst: top.length >= 2 && top[0]! > 0 ? top[1]! / top[0]! : null,
    channelAlignment: locatedChannelAlignment(segmentModel(prev.model, cur.model, e.s), e, best.k.topVector, mask),
  };
}

/**
 * |cos| between `top` (an sNTK top parameter direction) and the channel subspace of the
 * bifurcation `e` located on a segment, taken at the located point itself (`at` = the model at
 * `e.s`, its fixed point and critical eigenvalue): `B*ᵀl` for a real mode, span{Re, Im dλ/dθ} for
 * a complex pair (docs/theory.md §8, §11). Before a fold the fold's own fixed point does not exist,
 * so the located point is where its channel is read. Null when the directions cannot be formed
 * (defective eigenvalue, singular `I − J`). Cost O(N³ + P) (complex: O(N²·P)).
 */
export function locatedChannelAlignment(at: Model, e: SegmentBifurcation, top: Float64Array, mask?: Uint8Array): number | null {
  const d = criticalDirections(at, e.h, e.eigenvalue, mask);
  return finiteOrNull(spanAlignment(top, e.eigenvalue.im !== 0 ? d.eigenMove : d.bStarL));
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
  let earlier: { step: number; model: Model | null; params: number[] | null } | null = null;
  let pendingParams: number[] | null = null; // restored previous parameters (the model spec arrives with the first step)

  return {
    setState(state) {
      tracker = new RankCollapseTracker(collapse);
      prevStep = null;
      prevModel = null;
      prevPoints = [];
      prevLoss = null;
      prevTop = null;
      earlier = null;
      pendingParams = null;
      if (state && typeof state === 'object') {
        prevStep = state.prevStep;
        prevPoints = state.prevPoints.map((h) => Float64Array.from(h));
        prevLoss = state.prevLoss;
        prevTop = state.prevTop ? Float64Array.from(state.prevTop) : null;
        tracker.setState(state.tracker);
        pendingParams = state.prevParams;
        earlier = state.earlier ? { step: state.earlier.step, model: null, params: state.earlier.params } : null;
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
        earlier: earlier ? { step: earlier.step, params: earlier.model ? Array.from(earlier.model.params) : earlier.params! } : null,
      };
    },
    observe(info) {
      const { step, model, task, batch, config } = info;
      if (pendingParams) {
        prevModel = withParams(model, Float64Array.from(pendingParams));
        pendingParams = null;
        if (earlier && earlier.params) earlier = { step: earlier.step, model: withParams(model, Float64Array.from(earlier.params)), params: null };
      }
      const events: TrainEvent[] = [];
      const cur = withParams(model, model.params.slice());
      const mask = task.trainable;
      const seed = (opts.seed ?? config.seed) * 1000003 + step;
      const kernelOpts = {
        target: task.target,
        mask,
        trials: opts.trials ?? null,
        method: opts.kernel ?? 'auto',
        ...(opts.denseFlops !== undefined ? { denseFlops: opts.denseFlops } : {}),
        top: opts.top ?? 10,
        probes: opts.probes ?? 64,
        seed,
      } as const;
      const k = monitorKernel(cur, batch, { ...kernelOpts, warmStart: prevTop });
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
          // the approach's kernels for the crossings judged on them (a fold, a Hopf / Neimark–Sacker, …);
          // a pitchfork's collapse is read from the PR dip over the run, and eight extra kernels per event would cost more than the observation itself
          const path: ApproachPath = { earlier: earlier?.model ? { step: earlier.step, model: earlier.model } : null, prev: { step: prevStep, model: prevModel }, cur: { step, model: cur } };
          const approach = e.type === 'pitchfork' ? {} : crossingApproach(path, e, (m, warm) => monitorKernel(m, batch, { ...kernelOpts, warmStart: warm }), prevTop, mask);
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
            ...(e.symmetricGap !== undefined ? { symmetricGap: e.symmetricGap } : {}),
            ...(e.cuspRatio !== undefined ? { cuspRatio: e.cuspRatio, cubicShare: e.cubicShare } : {}),
            fixedPointsBefore: prevPoints.length,
            fixedPointsAfter: points.length,
            ...approach,
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
      earlier = prevModel && prevStep !== null ? { step: prevStep, model: prevModel, params: null } : null;
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

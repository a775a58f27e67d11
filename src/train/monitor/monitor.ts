/**
 * The sNTK training monitor: an `onStep` callback for `trainRun` (any optimizer) that records, at
 * every monitored step,
 * - `loss`, `gradNorm` (from the run), the sNTK `trace`, state-space `pr` and output-space
 *   `prOutput` participation ratios, `topEigenvalue` and `topShare` (kernel.ts; exact when small,
 *   matrix-free with `prStdErr` when large; over `kernelTrials` trials);
 * - `alignBStarL` = |cos| of the sNTK's top parameter direction with `B*ᵀl`, and
 *   `alignEigenMove` with `vec(D* l rᵀ)`, `alignBiasL` with the bias-block part of `B*ᵀl`
 *   (fixed.ts), and `hStarNorm` = ‖h*‖, at the zero-input fixed point nearest
 *   criticality, its critical eigenvalue (`criticalRe`, `criticalIm`), `sigma` (= 1 − |λ_c|), and
 *   the number of fixed points `fixedPoints`;
 * and the events (events.ts): bifurcations between consecutive monitored steps (type, `step` = the
 * later step, `fromStep`, `s` on the segment, `stepAt` = fractional step), fixed-point count
 * changes that no continuation explained, `rank-collapse-onset` (PR ≤ PR₀/collapseFactor; switches
 * an adaptive natural gradient on, event `natgrad-activated`), `rank-collapse` (the PR minimum of
 * the dip) and `loss-spike` (loss up by more than `spikeFactor` between monitored steps).
 * It appends one line per monitored step to `<run>/eigenvalues.jsonl`: the sNTK spectrum (full on
 * the dense route, top-k otherwise), its PR, and the Jacobian eigenvalues and stability of every
 * zero-input fixed point. Its state travels in the run's checkpoints (`saveState`/`onStart`), so
 * a resumed run monitors exactly as an uninterrupted one.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../../models/types.js';
import { withParams } from '../../models/index.js';
import { atomicWrite } from '../checkpoint.js';
import type { StepInfo, StepReport, TrainEvent, TrainRunOptions } from '../run.js';
import type { TrainConfig } from '../config.js';
import { monitorKernel } from './kernel.js';
import { spanAlignment, zeroInputAnalysis } from './fixed.js';
import type { RankCollapseState } from './events.js';
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

/** The monitor: its hooks for `trainRun` and its state. */
export interface Monitor {
  onStep(info: StepInfo): StepReport;
  onStart(info: { outDir: string; step: number; state: unknown }): void;
  getState(): MonitorState;
  /** `{ onStep, onStart, saveState }`, to spread into `trainRun`'s options. */
  hooks(): Pick<TrainRunOptions, 'onStep' | 'onStart' | 'saveState'>;
}

const BIF = new Set(['saddle-node', 'transcritical', 'pitchfork', 'hopf', 'period-doubling', 'neimark-sacker']);

/** True for the event types that are bifurcations. */
export function isBifurcationEvent(type: string): boolean {
  return BIF.has(type);
}

function finiteOrNull(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

/**
 * Creates a monitor (see the module comment). Cost per monitored step: the kernel statistics
 * (dense: O(M·N·P + M·p² + p³), M = trials·T·N), a fixed-point search at zero input, and up to
 * a dozen continuations along the segment from the previous monitored step.
 */
export function createMonitor(opts: MonitorOptions = {}): Monitor {
  const collapse = opts.collapseFactor ?? 4;
  const spike = opts.spikeFactor ?? 0.5;
  const writeEig = opts.writeEigenvalues ?? true;
  let tracker = new RankCollapseTracker(collapse);
  let prevStep: number | null = null;
  let prevModel: Model | null = null;
  let prevPoints: Float64Array[] = [];
  let prevLoss: number | null = null;
  let prevTop: Float64Array | null = null;
  let eigPath: string | null = null;
  let pendingParams: number[] | null = null; // restored previous parameters (the model spec arrives with the first step)

  const mon: Monitor = {
    onStart({ outDir, step, state }) {
      eigPath = writeEig ? join(outDir, 'eigenvalues.jsonl') : null;
      if (eigPath) {
        const keep = step > 0 && existsSync(eigPath) ? readFileSync(eigPath, 'utf8').split('\n').filter((l) => l.trim() && (JSON.parse(l) as { step: number }).step < step) : [];
        atomicWrite(eigPath, keep.map((l) => l + '\n').join(''));
      }
      tracker = new RankCollapseTracker(collapse);
      prevStep = null;
      prevModel = null;
      prevPoints = [];
      prevLoss = null;
      prevTop = null;
      pendingParams = null;
      if (state && typeof state === 'object') {
        const s = state as MonitorState;
        prevStep = s.prevStep;
        prevPoints = s.prevPoints.map((h) => Float64Array.from(h));
        prevLoss = s.prevLoss;
        prevTop = s.prevTop ? Float64Array.from(s.prevTop) : null;
        tracker.setState(s.tracker);
        pendingParams = s.prevParams;
      }
    },
    onStep(info) {
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

      // bifurcations on the segment from the previous monitored step
      if ((opts.continuation ?? true) && prevModel && prevStep !== null) {
        const segs = segmentBifurcations(prevModel, prevPoints.map((h) => ({ h })), cur, points);
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

      if (eigPath) {
        const line = {
          step,
          sntk: k.spectrum ? Array.from(k.spectrum) : k.top,
          full: k.spectrum !== null,
          pr: k.pr,
          jacobian: points.map((p) => p.eigenvalues.map((e) => ({ re: e.re, im: e.im }))),
          stable: points.map((p) => p.stability === 'stable'),
          time: 'discrete',
        };
        appendFileSync(eigPath, JSON.stringify(line) + '\n');
      }
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
      return { extra, events };
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
    hooks() {
      return { onStep: (i) => mon.onStep(i), onStart: (i) => mon.onStart(i), saveState: () => mon.getState() };
    },
  };
  return mon;
}

/**
 * The file-free core of a training run: one optimizer step at a time, in memory, with no Node
 * built-ins (the browser explorer runs it in a Web Worker). `trainRun` (run.ts) adds the run
 * folder (config, metrics, events, checkpoints, summary) around it and delegates every iteration
 * to `TrainingSession.step`, so a session and a `trainRun` with the same config take bit-identical
 * steps. One step, in this order:
 * 1. the batch of the step (`task.batchAt(step)`, or the fixed task),
 * 2. the fused sweep at the current parameters with the optimizer's directions and the step's
 *    Fisher-trial block (`fisherTrialsAt`); a NonFiniteError there or a non-finite gradient ends
 *    the step with status 'nan' (parameters unchanged),
 * 3. at monitored steps the caller's `onStep` (the parameters are still those before the update),
 * 4. the optimizer's step with its StepContext (`applyFisher`, `gaussNewton` re-sweep the same
 *    batch); a non-finite update ends the step with status 'nan' (parameters unchanged),
 * 5. the update, and the `loss-increase` event (loss up by more than 10% on the previous step).
 * All randomness is a function of the seed and the step.
 */
import type { Model } from '../models/types.js';
import type { TrainConfig, TrainConfigInput } from './config.js';
import { parseTrainConfig } from './config.js';
import { buildOptimizer, buildTask } from './build.js';
import type { DataArrays } from './tasks/data.js';
import { fusedSweep, outputJacobian } from './sweep.js';
import type { FusedResult } from './sweep.js';
import type { Batch } from './batch.js';
import type { Task } from './tasks/types.js';
import type { Optimizer, OptimizerState, StepContext } from './optimizers/types.js';
import type { NatGradOptimizer } from './optimizers/natgrad.js';
import { InputError, NonFiniteError } from '../errors.js';

/** A training event (loss increase, NaN, or anything a monitor reports). */
export interface TrainEvent {
  step: number;
  type: string;
  [key: string]: unknown;
}

/** What a step callback may return: extra metric columns, events, or a request to stop. */
export interface StepReport {
  extra?: Record<string, number | string | boolean | null>;
  events?: TrainEvent[];
  stop?: boolean;
}

/** What a session's `onStep` sees: the model at the parameters of this step (before its update). */
export interface SessionStepInfo {
  step: number;
  loss: number;
  gradNorm: number;
  model: Model;
  task: Task;
  batch: Batch;
  optimizer: Optimizer;
  natgrad: NatGradOptimizer | null;
  sweep: FusedResult;
  config: TrainConfig;
}

/** Options of `TrainingSession.step`. */
export interface SessionStepOptions {
  /** Called at monitored steps, between the sweep and the update. */
  onStep?: (info: SessionStepInfo) => StepReport | void;
  /** Whether this step is monitored; default: `step % config.monitorEvery === 0` or the last step. */
  monitored?: boolean;
}

/** What one `TrainingSession.step` did. */
export interface SessionStepResult {
  step: number;
  /** 'ok': the update was applied; 'nan': the gradient or the update was not finite, parameters unchanged. */
  status: 'ok' | 'nan';
  /** For 'nan': what was not finite (the NonFiniteError's message, or 'the update is not finite'). */
  message: string | null;
  /** For a non-finite sweep: its NonFiniteError. */
  error: NonFiniteError | null;
  /** Loss at the parameters before the update (null when the sweep failed). */
  loss: number | null;
  gradNorm: number | null;
  /** The update (null when the sweep failed; not applied when non-finite). */
  update: Float64Array | null;
  updateNorm: number | null;
  /** Seconds of the sweep plus the optimizer's update (the callback excluded); null on 'nan'. */
  seconds: number | null;
  /** Whether this step was monitored, and the seconds its callback took (null when not called). */
  monitored: boolean;
  monitorSeconds: number | null;
  /** What the callback returned. */
  report: StepReport | null;
  /** The run's own events of this step (`nan`, `loss-increase`), not the callback's. */
  events: TrainEvent[];
  /** The fused sweep of this step (null when it failed). */
  sweep: FusedResult | null;
  batch: Batch;
}

/** A session's resumable state (what a checkpoint holds besides the callback's state). */
export interface SessionState {
  step: number;
  params: number[];
  optimizer: OptimizerState;
  losses: number[];
}

/** A training run held in memory, stepped by the caller. */
export interface TrainingSession {
  readonly config: TrainConfig;
  readonly task: Task;
  /** The student (its `params` are the live parameters). */
  readonly model: Model;
  readonly optimizer: Optimizer;
  /** The inner natural-gradient optimizer (for `setActive`), when there is one. */
  readonly natgrad: NatGradOptimizer | null;
  /** Steps taken so far (the index of the next step). */
  readonly stepIndex: number;
  /** Loss at each step taken (index = step). */
  readonly losses: readonly number[];
  /** Whether `stepIndex` has reached `config.steps`. */
  readonly done: boolean;
  /** One training iteration (see the module comment). Cost: one fused sweep plus the optimizer's work. */
  step(opts?: SessionStepOptions): SessionStepResult;
  /** Loss at the current parameters on the batch of step `config.steps` (the run's final loss). Throws NonFiniteError. Cost: one forward sweep. */
  finalLoss(): number;
  /** The resumable state (exact: float64 round-trips through JSON). Cost: O(P + optimizer state). */
  getState(): SessionState;
  /** Restores a state from `getState()` (InputError when its parameter count differs from the model's). Cost: O(P + optimizer state). */
  setState(state: SessionState): void;
}

/** Options of `createTrainingSession`. */
export interface TrainingSessionOptions {
  /** Start from these flat parameters (after `config.initialParams`). */
  initialParams?: ArrayLike<number>;
  /** Restore this optimizer state (`Optimizer.getState()`). */
  optimizerState?: OptimizerState;
  /** Start at this step (a resume); default 0. */
  step?: number;
  /** Loss history of the steps before `step`. */
  losses?: readonly number[];
  /** The arrays of a `data` task (io/train-data.ts `loadTaskData`). */
  taskData?: DataArrays;
}

/** The rotating block of Fisher trials of a step: `{ fisherTrials: [(step·s + i) mod B] }`, or `{}` for all. Cost O(s). */
export function fisherTrialsAt(s: number | null, B: number, step: number): { fisherTrials?: number[] } {
  if (s === null || s >= B) return {};
  const start = (step * s) % B;
  return { fisherTrials: Array.from({ length: s }, (_, i) => (start + i) % B) };
}

function norm(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/**
 * Creates a training session from a config (validated; InputError for a bad one): the task,
 * the student (with `config.initialParams`, then `opts.initialParams`), the optimizer (with
 * `opts.optimizerState`). Cost: building the task. See docs/theory.md §10–§11.
 *
 * @param configInput - a training config (task, optimizer incl. `'natgrad'`, steps, seed, monitor),
 *   validated by {@link parseTrainConfig}.
 * @param opts - start parameters (length `P`), optimizer state, start step and loss history (a resume).
 * @returns a session stepped by the caller with `step()`; `losses` holds the loss (½·mean squared
 *   error) at each step taken.
 * @throws {@link sntk!InputError} for an invalid config or parameters of the wrong length.
 * @example
 * ```ts
 * import { createTrainingSession } from 'sntk';
 *
 * const session = createTrainingSession({
 *   seed: 0, steps: 5,
 *   task: { name: 'pitchfork', hiddenSize: 8, T: 20, B: 8 },
 *   optimizer: { kind: 'natgrad', learningRate: 0.5, k: 1 }, // the low-rank natural gradient
 * });
 * while (!session.done) session.step();
 * console.log(session.losses.length); // prints: 5
 * console.log(session.losses[4]! < session.losses[0]!); // prints: true
 * ```
 */
export function createTrainingSession(configInput: TrainConfigInput | unknown, opts: TrainingSessionOptions = {}): TrainingSession {
  const config = parseTrainConfig(configInput);
  const task = buildTask(config, opts.taskData);
  const model = task.student;
  if (config.initialParams) model.params.set(config.initialParams);
  if (opts.initialParams) {
    if (opts.initialParams.length !== model.params.length) throw new InputError(`session: ${opts.initialParams.length} initial parameters given, the model has ${model.params.length}`);
    model.params.set(opts.initialParams);
  }
  const { optimizer, natgrad } = buildOptimizer(config);
  if (opts.optimizerState) optimizer.setState(opts.optimizerState);
  const mask = task.trainable;
  const target = task.target;
  let stepIndex = opts.step ?? 0;
  if (!Number.isInteger(stepIndex) || stepIndex < 0) throw new InputError(`session: step must be a non-negative integer, got ${stepIndex}`);
  let losses: number[] = opts.losses ? opts.losses.slice(0, stepIndex) : [];

  const session: TrainingSession = {
    config,
    task,
    model,
    optimizer,
    natgrad,
    get stepIndex() {
      return stepIndex;
    },
    get losses() {
      return losses;
    },
    get done() {
      return stepIndex >= config.steps;
    },
    step(so: SessionStepOptions = {}): SessionStepResult {
      const step = stepIndex;
      const steps = config.steps;
      const batch: Batch = task.batchAt ? task.batchAt(step) : task;
      const monitored = so.monitored ?? (step % config.monitorEvery === 0 || step === steps - 1);
      const base = { step, monitored, batch };
      const t0 = performance.now();
      const dirs = optimizer.directions?.() ?? [];
      const ft = fisherTrialsAt(config.optimizer.fisherTrials, batch.B, step);
      let res: FusedResult;
      try {
        res = fusedSweep(model, batch, { target, mask, directions: dirs, ...ft });
        if (!res.grad.every(Number.isFinite)) throw new NonFiniteError(`gradient is not finite at step ${step}`);
      } catch (e) {
        if (!(e instanceof NonFiniteError)) throw e;
        return { ...base, status: 'nan', message: e.message, error: e, loss: null, gradNorm: null, update: null, updateNorm: null, seconds: null, monitorSeconds: null, report: null, events: [{ step, type: 'nan', message: e.message }], sweep: null };
      }
      const gradNorm = norm(res.grad);
      const tSweep = performance.now() - t0;
      let report: StepReport | null = null;
      let monitorSeconds: number | null = null;
      if (monitored && so.onStep) {
        const tm = performance.now();
        report = so.onStep({ step, loss: res.loss, gradNorm, model, task, batch, optimizer, natgrad, sweep: res, config }) ?? null;
        monitorSeconds = (performance.now() - tm) / 1000;
      }
      const t1 = performance.now();
      const ctx: StepContext = {
        step,
        loss: res.loss,
        Fv: res.Fv,
        FvBlock: res.FvBlock,
        mask,
        applyFisher: (V) => fusedSweep(model, batch, { target, mask, directions: V, grad: false, ...ft }).Fv,
        applyFisherBlock: (V) => fusedSweep(model, batch, { target, mask, directions: V, grad: false, ...ft }).FvBlock,
        gaussNewton: () => {
          const { J, index } = outputJacobian(model, batch, { target, mask });
          // the mean is over res.count entries (the loss mask's kept ones); BT: that many time steps' worth
          const n = res.count;
          return { J, index, eps: res.residual.map((r) => r / n), BT: (n / res.residual.length) * batch.B * batch.T };
        },
      };
      const upd = optimizer.step(model.params, res.grad, ctx);
      const common = { ...base, error: null, loss: res.loss, gradNorm, update: upd, monitorSeconds, report, sweep: res };
      if (!upd.every(Number.isFinite)) {
        return { ...common, status: 'nan', message: 'the update is not finite', updateNorm: norm(upd), seconds: null, events: [{ step, type: 'nan', message: 'non-finite update' }] };
      }
      for (let i = 0; i < upd.length; i++) model.params[i]! += upd[i]!;
      const seconds = (tSweep + performance.now() - t1) / 1000;
      const events: TrainEvent[] = [];
      if (losses.length > 0 && res.loss > 1.1 * losses[losses.length - 1]!) {
        events.push({ step, type: 'loss-increase', from: losses[losses.length - 1], to: res.loss });
      }
      losses.push(res.loss);
      stepIndex++;
      return { ...common, status: 'ok', message: null, updateNorm: norm(upd), seconds, events };
    },
    finalLoss(): number {
      const batch: Batch = task.batchAt ? task.batchAt(config.steps) : task;
      return fusedSweep(model, batch, { target, mask, grad: false }).loss;
    },
    getState(): SessionState {
      return { step: stepIndex, params: Array.from(model.params), optimizer: optimizer.getState(), losses: losses.slice() };
    },
    setState(state: SessionState): void {
      if (state.params.length !== model.params.length) throw new InputError(`session: the state has ${state.params.length} parameters, the model ${model.params.length}`);
      if (!Number.isInteger(state.step) || state.step < 0) throw new InputError(`session: state step must be a non-negative integer, got ${state.step}`);
      model.params.set(state.params);
      optimizer.setState(state.optimizer);
      stepIndex = state.step;
      losses = state.losses.slice(0, state.step);
    },
  };
  return session;
}

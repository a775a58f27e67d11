/**
 * A training run: validated config → run folder with `config.json`, `metrics.jsonl` +
 * `metrics.csv` (one row per monitored step: step, loss, gradNorm, updateNorm, seconds, plus any
 * extra columns the `onStep` callback returns), `events.json`, checkpoints (`checkpoint-<step>.json`
 * with params + optimizer state, `model-<step>.json` in sntk-model/1 format), `summary.json`.
 * All files are written atomically. `resume` continues from the latest checkpoint bit-identically
 * (all randomness is a function of the seed and the step; the optimizer state is saved exactly).
 * A non-finite loss or update stops the run; the last good checkpoint is kept and the summary
 * and the returned status say so. Each iteration is one `TrainingSession.step` (session.ts, the
 * file-free core the browser explorer also runs); this module adds the files around it.
 */
import { mkdirSync, existsSync, readFileSync, readdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../models/types.js';
import type { TrainConfig, TrainConfigInput } from './config.js';
import { parseTrainConfig } from './config.js';
import type { SessionStepInfo, StepReport, TrainEvent } from './session.js';
import { createTrainingSession } from './session.js';
import { trainingLoss } from './loss.js';
import type { DataArrays } from './tasks/data.js';
import { atomicWrite, loadLatestCheckpoint, saveCheckpoint, writeJson } from './checkpoint.js';
import { NonFiniteError, UsageError, InputError } from '../errors.js';

export type { StepReport, TrainEvent } from './session.js';
export { fisherTrialsAt } from './session.js';

/** A metrics row; monitors may add columns. */
export type MetricsRow = { step: number; loss: number; gradNorm: number; updateNorm: number; seconds: number } & Record<string, number | string | boolean | null>;

/** What `onStep` sees: the model at the parameters of this step (before its update), and the run folder. */
export interface StepInfo extends SessionStepInfo {
  /** The run folder. */
  outDir: string;
}

/** Options of `trainRun`. */
export interface TrainRunOptions {
  /** Run folder (created). */
  outDir: string;
  /** The arrays of a `data` task (io/train-data.ts `loadTaskData`). */
  taskData?: DataArrays;
  /** Continue from the latest checkpoint in `outDir`. */
  resume?: boolean;
  /** Called at monitored steps (every `config.monitorEvery`, and the last). */
  onStep?: (info: StepInfo) => StepReport | void;
  /**
   * Called once before the first step: `step` is where the run starts (0, or the resumed
   * checkpoint's step) and `state` the callback state saved in that checkpoint (null on a fresh run).
   */
  onStart?: (info: { outDir: string; step: number; state: unknown; config: TrainConfig }) => void;
  /** The callback's state to save in every checkpoint (JSON-serializable), so that a resume restores it exactly. */
  saveState?: () => unknown;
}

/** Summary statistics of a run (also `summary.json`). */
export interface TrainSummary {
  status: 'completed' | 'nan' | 'stopped';
  message: string;
  steps: number;
  initialLoss: number | null;
  finalLoss: number | null;
  /** Largest `L_{k+1} − L_k` over the loss sequence (including the final loss). */
  maxLossJump: number | null;
  /** Number of steps where the loss rose by more than 10%. */
  lossIncreases: number;
  /** First step with loss below 0.1·L₀, or null. */
  stepsToTarget: number | null;
  /** Median wall-clock seconds per step (this process's steps): the fused sweep plus the optimizer's update, excluding the onStep callback (monitor). */
  secondsPerStep: number | null;
  meanSecondsPerStep: number | null;
  lastCheckpointStep: number;
  nanStep: number | null;
  resumedFrom: number | null;
  /** Loss on the held-out trials of a task with a validation split (the data task): at the first step of this process and at the end. */
  validationLoss?: { initial: number; final: number };
}

/** What `trainRun` returns. */
export interface TrainResult {
  summary: TrainSummary;
  /** Final flat parameters (the last good ones when the run stopped on NaN). */
  params: Float64Array;
  /** Loss at each step taken (index = step). */
  losses: number[];
  events: TrainEvent[];
  model: Model;
}

const BASE_COLS = ['step', 'loss', 'gradNorm', 'updateNorm', 'seconds'];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Metrics rows as CSV: the base columns, then extra columns in order of first appearance. */
export function metricsCsv(rows: readonly MetricsRow[]): string {
  const cols = [...BASE_COLS];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

/** Loss-sequence statistics: max jump, increases > 10%, first step below 0.1·L₀. Cost O(n). */
export function lossStats(losses: readonly number[]): { maxLossJump: number | null; lossIncreases: number; stepsToTarget: number | null } {
  let maxJump: number | null = null;
  let inc = 0;
  let target: number | null = null;
  const L0 = losses[0];
  for (let i = 0; i < losses.length; i++) {
    if (target === null && L0 !== undefined && losses[i]! < 0.1 * L0) target = i;
    if (i > 0) {
      const j = losses[i]! - losses[i - 1]!;
      if (maxJump === null || j > maxJump) maxJump = j;
      if (losses[i]! > 1.1 * losses[i - 1]!) inc++;
    }
  }
  return { maxLossJump: maxJump, lossIncreases: inc, stepsToTarget: target };
}

function median(a: number[]): number | null {
  if (a.length === 0) return null;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/**
 * Runs (or resumes) a training run and writes its folder. Throws InputError for a bad config
 * before any work; returns status 'nan' (not a throw) when the loss becomes non-finite.
 * Cost: `steps` fused sweeps plus the optimizer's and monitor's work. See docs/theory.md §10–§11.
 *
 * @param configInput - a training config (task, optimizer, steps, seed, monitor), validated first.
 * @param opts - the run folder `outDir` (created), `resume`, and callbacks at monitored steps.
 * @returns the summary (status, initial and final loss, loss jumps, steps to target, seconds per
 *   step), the final parameters (length `P`), the loss at each step and the monitor's events.
 * @throws {@link sntk!InputError} for an invalid config, including one whose estimated memory exceeds
 *   the budget, before any work.
 * @example
 * ```ts
 * import { mkdtempSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { trainRun } from 'sntk';
 *
 * const outDir = mkdtempSync(join(tmpdir(), 'sntk-run-'));
 * const res = await trainRun(
 *   { seed: 1, steps: 4, task: { name: 'pitchfork', hiddenSize: 8, T: 20, B: 8 }, optimizer: { kind: 'sgd', learningRate: 0.1 } },
 *   { outDir },
 * );
 * console.log(res.summary.status, res.losses.length); // prints: completed 4
 * ```
 */
export async function trainRun(configInput: TrainConfigInput | unknown, opts: TrainRunOptions): Promise<TrainResult> {
  const config = parseTrainConfig(configInput);
  const dir = opts.outDir;
  mkdirSync(dir, { recursive: true });
  const cfgPath = join(dir, 'config.json');
  const cfgText = JSON.stringify(config, null, 1) + '\n';
  const hasCk = existsSync(dir) && readdirSync(dir).some((f) => /^checkpoint-\d+\.json$/.test(f));
  if (opts.resume) {
    if (existsSync(cfgPath) && readFileSync(cfgPath, 'utf8') !== cfgText) {
      throw new UsageError(`resume: ${cfgPath} differs from the given config; resume with the same config`);
    }
  } else if (hasCk) {
    throw new UsageError(`${dir} already holds a run (checkpoints); pass resume or use a new folder`);
  }
  atomicWrite(cfgPath, cfgText);

  const session = createTrainingSession(config, opts.taskData ? { taskData: opts.taskData } : {});
  const model = session.model;
  const validation = session.task.validation ?? null;
  const validationLoss0 = validation ? trainingLoss(model, validation) : null;

  let start = 0;
  let rows: MetricsRow[] = [];
  let events: TrainEvent[] = [];
  let resumedFrom: number | null = null;
  const ck = opts.resume ? loadLatestCheckpoint(dir) : null;
  const jsonlPath = join(dir, 'metrics.jsonl');
  const eventsPath = join(dir, 'events.json');
  if (ck) {
    if (ck.params.length !== model.params.length) throw new InputError(`resume: checkpoint has ${ck.params.length} parameters, the model ${model.params.length}`);
    session.setState({ step: ck.step, params: ck.params, optimizer: ck.optimizer, losses: ck.losses });
    start = ck.step;
    resumedFrom = start;
    if (existsSync(jsonlPath)) {
      rows = readFileSync(jsonlPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as MetricsRow).filter((r) => r.step < start);
    }
    if (existsSync(eventsPath)) events = (JSON.parse(readFileSync(eventsPath, 'utf8')) as TrainEvent[]).filter((e) => e.step < start);
  }
  atomicWrite(jsonlPath, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  writeJson(eventsPath, events);
  atomicWrite(join(dir, 'metrics.csv'), metricsCsv(rows));
  let lastCk = ck ? ck.step : 0;
  opts.onStart?.({ outDir: dir, step: start, state: ck?.callback ?? null, config });
  const cbState = (): { callback?: unknown } => (opts.saveState ? { callback: opts.saveState() } : {});
  const checkpoint = (): void => {
    const st = session.getState();
    saveCheckpoint(dir, model, { format: 'sntk-train-checkpoint/1', step: st.step, params: st.params, optimizer: st.optimizer, losses: st.losses, ...cbState() });
  };
  if (!ck) checkpoint();

  const secs: number[] = [];
  let status: TrainSummary['status'] = 'completed';
  let message = `completed ${config.steps} steps`;
  let nanStep: number | null = null;
  const steps = config.steps;
  const onStep = opts.onStep;
  let step = start;
  for (; step < steps; step++) {
    const r = session.step(onStep ? { onStep: (info) => onStep({ ...info, outDir: dir }) } : {});
    if (r.status === 'nan') {
      status = 'nan';
      nanStep = step;
      message = `stopped at step ${step}: ${r.message}; last good checkpoint is checkpoint-${lastCk}.json`;
      events.push(...r.events);
      break;
    }
    secs.push(r.seconds!);
    events.push(...r.events);
    const report = r.report;
    if (r.monitored) {
      const row: MetricsRow = { step, loss: r.loss!, gradNorm: r.gradNorm!, updateNorm: r.updateNorm!, seconds: r.seconds!, ...(r.monitorSeconds !== null ? { monitorSeconds: r.monitorSeconds } : {}), ...(report?.extra ?? {}) };
      rows.push(row);
      appendFileSync(jsonlPath, JSON.stringify(row) + '\n');
    }
    if (report?.events) events.push(...report.events);
    const done = step + 1 === steps || report?.stop === true;
    if ((step + 1) % config.checkpointEvery === 0 || done) {
      if (model.params.every(Number.isFinite)) {
        checkpoint();
        lastCk = step + 1;
      }
      atomicWrite(join(dir, 'metrics.csv'), metricsCsv(rows));
      writeJson(eventsPath, events);
    }
    if (report?.stop) {
      status = 'stopped';
      message = `stopped by the monitor after step ${step}`;
      step++;
      break;
    }
  }
  const losses = session.losses.slice();

  // Final loss at the final parameters (restore the last good ones after a NaN).
  let finalLoss: number | null = null;
  if (status === 'nan') {
    const good = loadLatestCheckpoint(dir);
    if (good) model.params.set(good.params);
  } else {
    try {
      finalLoss = session.finalLoss();
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      status = 'nan';
      nanStep = steps;
      message = `final loss is not finite; last good checkpoint is checkpoint-${lastCk}.json`;
    }
  }
  const seq = finalLoss !== null && status === 'completed' ? [...losses, finalLoss] : losses;
  const st = lossStats(seq);
  const summary: TrainSummary = {
    status,
    message,
    steps: status === 'nan' ? (nanStep ?? step) : step,
    initialLoss: losses[0] ?? null,
    finalLoss,
    ...st,
    secondsPerStep: median(secs),
    meanSecondsPerStep: secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : null,
    lastCheckpointStep: lastCk,
    nanStep,
    resumedFrom,
    ...(validation && validationLoss0 !== null && status === 'completed' ? { validationLoss: { initial: validationLoss0, final: trainingLoss(model, validation) } } : {}),
  };
  atomicWrite(join(dir, 'metrics.csv'), metricsCsv(rows));
  writeJson(eventsPath, events);
  writeJson(join(dir, 'summary.json'), summary);
  return { summary, params: model.params.slice(), losses, events, model };
}

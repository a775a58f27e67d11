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
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../models/types.js';
import type { TrainConfig, TrainConfigInput } from './config.js';
import { parseTrainConfig } from './config.js';
import type { SessionStepInfo, StepReport, TrainEvent } from './session.js';
import { createTrainingSession } from './session.js';
import { trainingLoss } from './loss.js';
import type { DataArrays } from './tasks/data.js';
import { atomicWrite, checkpointSteps, configHash, loadResumeCheckpoint, saveCheckpoint, writeJson, type TrainCheckpoint } from './checkpoint.js';
import { appendFileChecked, ensureFolder, removeStaleTemps } from '../util/atomic-write.js';
import { readJsonlRepairing } from '../util/jsonl.js';
import { withRunFolderLock } from '../util/lock.js';
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
  onStart?: (info: { outDir: string; step: number; state: unknown; config: TrainConfig; notice?: (message: string) => void }) => void;
  /** The callback's state to save in every checkpoint (JSON-serializable), so that a resume restores it exactly. */
  saveState?: () => unknown;
  /** Resume even when the given config differs from the run's (the new config replaces config.json). */
  forceConfig?: boolean;
  /** Called with one line for each repair a resume makes (torn lines cut, checkpoints skipped, …). */
  onNotice?: (message: string) => void;
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
  /** What a resume repaired in the folder (one line each; empty on a clean start). */
  repairs: string[];
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

/** First path where two JSON values differ (`a.b[2]`), or null when they are equal. Cost O(size). */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return path || '(top level)';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
    if (d !== null) return d;
  }
  return null;
}

/**
 * Runs (or resumes) a training run and writes its folder, holding the folder's lock
 * (src/util/lock.ts: a second writer gets a LockError naming this process). Throws InputError for
 * a bad config before any work; returns status 'nan' (not a throw) when the loss becomes
 * non-finite. A resume repairs what a crash can leave (temporary files, a torn last line of
 * metrics.jsonl, metrics rows beyond the checkpoint, a corrupt newest checkpoint: the newest valid
 * one is used) and reports each repair through `onNotice` and `TrainResult.repairs`.
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
  return withRunFolderLock(opts.outDir, () => trainRunLocked(config, opts));
}

async function trainRunLocked(config: TrainConfig, opts: TrainRunOptions): Promise<TrainResult> {
  const dir = opts.outDir;
  ensureFolder(dir);
  const repairs: string[] = [];
  const notice = (m: string): void => {
    repairs.push(m);
    opts.onNotice?.(m);
  };
  const cfgPath = join(dir, 'config.json');
  const cfgText = JSON.stringify(config, null, 1) + '\n';
  const cfgHash = configHash(cfgText);
  const hasCk = checkpointSteps(dir).length > 0;
  if (opts.resume) {
    const temps = removeStaleTemps(dir);
    if (temps.length) notice(`removed ${temps.length} leftover temporary file(s): ${temps.join(', ')}`);
    if (existsSync(cfgPath)) {
      const old = readFileSync(cfgPath, 'utf8');
      if (old !== cfgText) {
        let oldCfg: unknown = null;
        try {
          oldCfg = JSON.parse(old);
        } catch {
          /* a damaged config.json differs everywhere */
        }
        const where = firstDifference(oldCfg, JSON.parse(cfgText)) ?? '(formatting)';
        if (!opts.forceConfig) throw new UsageError(`resume: the config differs from the run's ${cfgPath} (first difference: ${where}); resume with the same config, or pass --force-config to continue with the new one`);
        notice(`continuing with a changed config (first difference: ${where})`);
      }
    }
  } else if (hasCk) {
    throw new UsageError(`${dir} already holds a run (checkpoints); pass resume or use a new folder`);
  }

  const session = createTrainingSession(config, opts.taskData ? { taskData: opts.taskData } : {});
  const model = session.model;
  const validation = session.task.validation ?? null;
  const validationLoss0 = validation ? trainingLoss(model, validation) : null;
  const jsonlPath = join(dir, 'metrics.jsonl');
  const eventsPath = join(dir, 'events.json');

  let start = 0;
  let rows: MetricsRow[] = [];
  let events: TrainEvent[] = [];
  let resumedFrom: number | null = null;
  let ck: TrainCheckpoint | null = null;
  if (opts.resume) {
    const read = readJsonlRepairing(jsonlPath);
    if (read.torn !== null) notice(`metrics.jsonl: cut a torn last line (${read.torn.length} bytes)`);
    const all = read.rows as MetricsRow[];
    const metricLosses = new Map<number, number>();
    for (const r of all) if (r && typeof r.step === 'number' && typeof r.loss === 'number') metricLosses.set(r.step, r.loss);
    const point = loadResumeCheckpoint(dir, { paramCount: model.params.length, optimizer: config.optimizer.kind, metricLosses });
    ck = point.checkpoint;
    if (point.skipped.length) {
      const why = point.skipped.map((s) => `${s.file} ${s.reason}`).join('; ');
      if (!ck) throw new InputError(`resume: no valid checkpoint in ${dir} (${why}); start a new run`);
      notice(`skipped ${why}; resuming from checkpoint-${ck.step}.json`);
    }
    if (ck?.configHash !== undefined && ck.configHash !== cfgHash && !opts.forceConfig) {
      throw new UsageError(`resume: checkpoint-${ck.step}.json was written with a different config; resume with the run's config, or pass --force-config to continue with the new one`);
    }
    if (ck) {
      session.setState({ step: ck.step, params: ck.params, optimizer: ck.optimizer, losses: ck.losses });
      start = ck.step;
      resumedFrom = start;
      rows = all.filter((r) => r.step < start);
      if (rows.length < all.length) notice(`metrics.jsonl: dropped ${all.length - rows.length} row(s) after the checkpoint at step ${start} (they are recomputed)`);
      if (Array.isArray(ck.events)) events = ck.events as TrainEvent[];
      else if (existsSync(eventsPath)) {
        try {
          events = (JSON.parse(readFileSync(eventsPath, 'utf8')) as TrainEvent[]).filter((e) => e.step < start);
        } catch (e) {
          throw new InputError(`resume: ${eventsPath} is not valid JSON (${(e as Error).message}) and checkpoint-${start}.json does not hold the events; start a new run`);
        }
      }
    }
  }
  atomicWrite(cfgPath, cfgText);
  atomicWrite(jsonlPath, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
  writeJson(eventsPath, events);
  atomicWrite(join(dir, 'metrics.csv'), metricsCsv(rows));
  let lastCk = ck ? ck.step : 0;
  opts.onStart?.({ outDir: dir, step: start, state: ck?.callback ?? null, config, notice });
  const cbState = (): { callback?: unknown } => (opts.saveState ? { callback: opts.saveState() } : {});
  const checkpoint = (): void => {
    const st = session.getState();
    saveCheckpoint(dir, model, { format: 'sntk-train-checkpoint/1', step: st.step, params: st.params, optimizer: st.optimizer, losses: st.losses, configHash: cfgHash, events: events.filter((e) => e.step < st.step), ...cbState() });
  };
  if (!ck) checkpoint();
  /** The newest checkpoint below `step` that a resume would accept (its parameters gave a finite loss). */
  const goodBelow = (step: number): TrainCheckpoint | null =>
    loadResumeCheckpoint(dir, { paramCount: model.params.length, optimizer: config.optimizer.kind, below: step }).checkpoint;

  const secs: number[] = [];
  let status: TrainSummary['status'] = 'completed';
  let message = `completed ${config.steps} steps`;
  let nanStep: number | null = null;
  let nanMessage = '';
  const steps = config.steps;
  const onStep = opts.onStep;
  let step = start;
  for (; step < steps; step++) {
    const r = session.step(onStep ? { onStep: (info) => onStep({ ...info, outDir: dir }) } : {});
    if (r.status === 'nan') {
      status = 'nan';
      nanStep = step;
      nanMessage = r.message ?? 'non-finite loss';
      events.push(...r.events);
      break;
    }
    secs.push(r.seconds!);
    events.push(...r.events);
    const report = r.report;
    if (r.monitored) {
      const row: MetricsRow = { step, loss: r.loss!, gradNorm: r.gradNorm!, updateNorm: r.updateNorm!, seconds: r.seconds!, ...(r.monitorSeconds !== null ? { monitorSeconds: r.monitorSeconds } : {}), ...(report?.extra ?? {}) };
      rows.push(row);
      appendFileChecked(jsonlPath, JSON.stringify(row) + '\n');
    }
    if (report?.events) events.push(...report.events);
    const done = step + 1 === steps || report?.stop === true;
    if ((step + 1) % config.checkpointEvery === 0 || done) {
      // events and the CSV first: a crash before the checkpoint leaves them ahead of it (filtered on resume)
      atomicWrite(join(dir, 'metrics.csv'), metricsCsv(rows));
      writeJson(eventsPath, events);
      if (model.params.every(Number.isFinite)) {
        checkpoint();
        lastCk = step + 1;
      }
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
  if (status !== 'nan') {
    try {
      finalLoss = session.finalLoss();
    } catch (e) {
      if (!(e instanceof NonFiniteError)) throw e;
      status = 'nan';
      nanStep = steps;
    }
  }
  if (status === 'nan') {
    // The checkpoint at the failing step holds parameters whose loss is not finite: the last good
    // one is the newest below it.
    const good = goodBelow(nanStep!);
    const goodText = good ? `last good checkpoint is checkpoint-${good.step}.json` : 'no good checkpoint (the run already failed at its initial parameters)';
    message = nanStep === steps ? `final loss is not finite; ${goodText}` : `stopped at step ${nanStep}: ${nanMessage}; ${goodText}`;
    if (good) model.params.set(good.params);
    lastCk = good ? good.step : 0;
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
  return { summary, params: model.params.slice(), losses, events, model, repairs };
}

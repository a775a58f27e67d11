/**
 * Run-folder files: atomic writes (temp file + rename, src/util/atomic-write.ts), the `sntk-model/1`
 * model JSON (a small serializer here, since train sits below io), and the training checkpoint
 * `checkpoint-<step>.json` (flat params + optimizer state + step + loss history + the hash of the
 * run's config; float64 values round-trip exactly through JSON, so a resume is bit-identical).
 *
 * Checkpoints are validated before a resume trusts them (`validateCheckpoint`): finite parameters of
 * the model's length, an optimizer state of the run's optimizer kind, a step equal to the one in the
 * file name and to the length of the loss history, losses that agree with `metrics.jsonl`, and the
 * config hash. `loadResumeCheckpoint` takes the newest valid checkpoint and names the ones skipped.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../util/atomic-write.js';
import { modelDocumentText } from '../models/document.js';
import type { Model } from '../models/types.js';
import type { OptimizerState } from './optimizers/types.js';

/** Writes `text` to `path` atomically (temp file in the same folder, then rename). */
export function atomicWrite(path: string, text: string): void {
  writeFileAtomic(path, text);
}

/** `JSON.stringify` + atomic write. */
export function writeJson(path: string, value: unknown): void {
  atomicWrite(path, JSON.stringify(value, null, 1) + '\n');
}

/** What a training checkpoint holds. */
export interface TrainCheckpoint {
  format: 'sntk-train-checkpoint/1';
  /** Number of optimizer steps taken. */
  step: number;
  /** Flat student parameters after `step` steps. */
  params: number[];
  /** Optimizer state (`Optimizer.getState()`). */
  optimizer: OptimizerState;
  /** The loss history so far (losses at steps 0..step−1), for the summary statistics. */
  losses: number[];
  /** SHA-256 of the run's `config.json` text (absent in checkpoints of older versions). */
  configHash?: string;
  /** The run's events before `step` (so a resume does not depend on events.json; absent in older versions). */
  events?: unknown[];
  /** State of the run's onStep callback (e.g. the monitor) at this step, when it has one. */
  callback?: unknown;
}

/** SHA-256 (hex) of a config text, as stored in checkpoints. Cost O(length). */
export function configHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Writes `checkpoint-<step>.json` and `model-<step>.json` atomically. */
export function saveCheckpoint(dir: string, model: Model, ck: TrainCheckpoint): void {
  atomicWrite(join(dir, `model-${ck.step}.json`), modelDocumentText(model.spec, model.params));
  writeJson(join(dir, `checkpoint-${ck.step}.json`), ck);
}

/** Steps of the `checkpoint-<step>.json` files in `dir`, newest first. */
export function checkpointSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^checkpoint-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
}

/** What a checkpoint must agree with. */
export interface CheckpointExpectation {
  /** Number of model parameters. */
  paramCount: number;
  /** The run's optimizer kind. */
  optimizer: 'sgd' | 'adam' | 'natgrad' | 'gauss-newton';
  /** Hash of the run's config text (checked when the checkpoint has one). */
  configHash?: string;
  /** Loss at each monitored step from metrics.jsonl (checked for steps before the checkpoint's). */
  metricLosses?: ReadonlyMap<number, number>;
  /** Consider only checkpoints with a step below this one. */
  below?: number;
}

const finite = z.number().finite();
const vec = (n: number) => z.array(finite).length(n);

/** The optimizer state schema of each optimizer kind (src/train/optimizers/*: getState). */
function optimizerSchema(kind: CheckpointExpectation['optimizer'], P: number): z.ZodType {
  switch (kind) {
    case 'sgd':
      return z.strictObject({ velocity: vec(P).nullable() });
    case 'adam':
      return z.strictObject({ t: z.number().int().min(0), m: vec(P).nullable(), v: vec(P).nullable() });
    case 'natgrad':
      return z.strictObject({
        V: z.array(vec(P)).nullable(),
        warmed: z.boolean(),
        active: z.boolean(),
        ritz: z.array(finite),
        ritzV: z.array(vec(P)),
        vel: vec(P).nullable(),
        P: finite,
      });
    case 'gauss-newton':
      return z.strictObject({});
  }
}

/** The first problem of a zod result, in one line. */
function firstIssue(e: z.ZodError): string {
  const i = e.issues[0]!;
  const more = e.issues.length > 1 ? ` (and ${e.issues.length - 1} more)` : '';
  return `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}${more}`;
}

/**
 * Checks a parsed checkpoint file against its file-name step and the run (see the module
 * comment); returns the checkpoint or a one-line reason it cannot be trusted. Cost O(size).
 */
export function validateCheckpoint(raw: unknown, fileStep: number, expect: CheckpointExpectation): TrainCheckpoint | string {
  const base = z.looseObject({
    format: z.literal('sntk-train-checkpoint/1'),
    step: z.number().int().min(0),
    params: vec(expect.paramCount),
    optimizer: z.record(z.string(), z.unknown()),
    losses: z.array(finite),
    configHash: z.string().optional(),
    events: z.array(z.looseObject({ step: z.number(), type: z.string() })).optional(),
  });
  const r = base.safeParse(raw);
  if (!r.success) return firstIssue(r.error);
  // the file's own objects (zod's output reorders keys, and events must round-trip byte for byte)
  const ck = raw as TrainCheckpoint;
  if (ck.step !== fileStep) return `holds step ${ck.step}, but its name says step ${fileStep}`;
  if (ck.losses.length !== ck.step) return `has ${ck.losses.length} losses for ${ck.step} steps`;
  const o = optimizerSchema(expect.optimizer, expect.paramCount).safeParse(ck.optimizer);
  if (!o.success) return `optimizer state is not a ${expect.optimizer} state (optimizer.${firstIssue(o.error)})`;
  if (expect.configHash !== undefined && ck.configHash !== undefined && ck.configHash !== expect.configHash) return 'was written with a different config';
  if (expect.metricLosses) {
    for (const [step, loss] of expect.metricLosses) {
      if (step < ck.step && ck.losses[step] !== loss) return `its loss at step ${step} (${ck.losses[step]}) differs from metrics.jsonl (${loss})`;
    }
  }
  return ck;
}

/** The checkpoint a resume starts from, and the newer ones that were skipped (with reasons). */
export interface ResumePoint {
  checkpoint: TrainCheckpoint | null;
  skipped: { file: string; reason: string }[];
}

/**
 * The newest valid checkpoint of `dir` (see `validateCheckpoint`); unreadable or invalid newer
 * ones are listed in `skipped`. `checkpoint` is null when there is none. Cost O(size of the files read).
 */
export function loadResumeCheckpoint(dir: string, expect: CheckpointExpectation): ResumePoint {
  const skipped: ResumePoint['skipped'] = [];
  for (const step of checkpointSteps(dir)) {
    if (expect.below !== undefined && step >= expect.below) continue;
    const file = `checkpoint-${step}.json`;
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (e) {
      skipped.push({ file, reason: e instanceof SyntaxError ? 'not valid JSON (truncated?)' : (e as Error).message });
      continue;
    }
    const v = validateCheckpoint(raw, step, expect);
    if (typeof v === 'string') {
      skipped.push({ file, reason: v });
      continue;
    }
    return { checkpoint: v, skipped };
  }
  return { checkpoint: null, skipped };
}

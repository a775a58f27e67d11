/**
 * Run-folder files: atomic writes (temp file + rename), the `sntk-model/1` model JSON
 * (a small serializer here, since train sits below io), and the training checkpoint
 * `checkpoint-<step>.json` (flat params + optimizer state + step; float64 values round-trip
 * exactly through JSON, so a resume is bit-identical).
 */
import { writeFileSync, renameSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { modelDocumentText } from '../models/document.js';
import type { Model } from '../models/types.js';
import type { OptimizerState } from './optimizers/types.js';
import { InputError } from '../errors.js';

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
  /** State of the run's onStep callback (e.g. the monitor) at this step, when it has one. */
  callback?: unknown;
}

/** Writes `checkpoint-<step>.json` and `model-<step>.json` atomically. */
export function saveCheckpoint(dir: string, model: Model, ck: TrainCheckpoint): void {
  atomicWrite(join(dir, `model-${ck.step}.json`), modelDocumentText(model.spec, model.params));
  writeJson(join(dir, `checkpoint-${ck.step}.json`), ck);
}

/** The latest `checkpoint-<step>.json` in `dir`, or null. Throws InputError on a malformed file. */
export function loadLatestCheckpoint(dir: string): TrainCheckpoint | null {
  if (!existsSync(dir)) return null;
  const steps = readdirSync(dir)
    .map((f) => /^checkpoint-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  if (steps.length === 0) return null;
  const path = join(dir, `checkpoint-${steps[0]}.json`);
  let ck: TrainCheckpoint;
  try {
    ck = JSON.parse(readFileSync(path, 'utf8')) as TrainCheckpoint;
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (ck.format !== 'sntk-train-checkpoint/1' || !Array.isArray(ck.params) || typeof ck.step !== 'number') {
    throw new InputError(`${path}: not an sntk training checkpoint`);
  }
  return ck;
}

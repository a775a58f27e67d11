/**
 * Run-folder files: atomic writes (temp file + rename), the `sntk-model/1` model JSON
 * (a small serializer here, since train sits below io), and the training checkpoint
 * `checkpoint-<step>.json` (flat params + optimizer state + step; float64 values round-trip
 * exactly through JSON, so a resume is bit-identical).
 */
import { writeFileSync, renameSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../models/types.js';
import type { OptimizerState } from './optimizers/types.js';
import { InputError } from '../errors.js';

let tmpCounter = 0;

/** Writes `text` to `path` atomically (temp file in the same folder, then rename). */
export function atomicWrite(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${tmpCounter++}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** `JSON.stringify` + atomic write. */
export function writeJson(path: string, value: unknown): void {
  atomicWrite(path, JSON.stringify(value, null, 1) + '\n');
}

/** The `sntk-model/1` JSON object of a model (matrices as nested rows, vectors flat). Cost O(P). */
export function modelToJson(model: Model): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const b of model.layout.blocks) {
    const v = model.params.subarray(b.offset, b.offset + b.rows * b.cols);
    if (b.cols === 1) params[b.name] = Array.from(v);
    else {
      const rows: number[][] = [];
      for (let i = 0; i < b.rows; i++) rows.push(Array.from(v.subarray(i * b.cols, (i + 1) * b.cols)));
      params[b.name] = rows;
    }
  }
  const s = model.spec;
  return { format: 'sntk-model/1', cell: s.cell, activation: s.activation, hiddenSize: s.hiddenSize, inputSize: s.inputSize, outputSize: s.outputSize, alpha: s.alpha, params };
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
}

/** Writes `checkpoint-<step>.json` and `model-<step>.json` atomically. */
export function saveCheckpoint(dir: string, model: Model, ck: TrainCheckpoint): void {
  writeJson(join(dir, `model-${ck.step}.json`), modelToJson(model));
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

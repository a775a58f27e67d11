/**
 * Memory checks of the commands that roll a model out over an inputs file (kernel, channel, scan),
 * made with the one estimator of src/sntk/budget.ts: first from the file's size and `.npy` header
 * (before the file is read), then from the parsed shape (before the rollout). `rollout` keeps every
 * state and the per-step caches of the cell (`B·T` steps), which for a large model and many steps
 * can exceed the machine's memory long before any kernel is formed.
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Model } from '../models/types.js';
import { readNpyHeaderFile } from '../io/npy.js';
import { checkMemory, remainingBudget } from '../sntk/budget.js';

const ADVICE = 'use fewer trials or steps, or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)';

/**
 * Float64 values a rollout of `B` trials × `T` steps holds: per step the state plus the cell's
 * cache (≈ 3N doubles for vanilla/leaky/rate, ≈ 10N for GRU) and object overhead. Cost O(1).
 */
export function trajectoryDoubles(model: Model, B: number, T: number): number {
  const N = model.cell.N;
  const gated = model.spec.cell === 'gru' || model.spec.cell === 'torch-gru' || model.spec.cell === 'torch-lstm';
  return B * T * ((gated ? 11 : 4) * N + 16);
}

/** The parts held once inputs of `B × T` are read and rolled out (inputs and trajectory). */
function rolloutParts(model: Model, B: number, T: number): Record<string, number> {
  const N = model.cell.N;
  return {
    [`the inputs (${B} trials × ${T} steps × ${model.spec.inputSize})`]: B * T * model.spec.inputSize,
    [`the trajectory (${B} trials × ${T} steps of ${N} units, with the cell's step caches)`]: trajectoryDoubles(model, B, T),
  };
}

/**
 * Throws MemoryBudgetError when the inputs and a rollout of `B` trials × `T` steps of `model` would
 * need more than the budget (bytes; default `SNTK_MEMORY_BUDGET` or 2 GiB). Returns the float64
 * values they hold (to commit before later phases: `remainingBudget`). Cost O(1).
 */
export function checkTrajectoryMemory(model: Model, B: number, T: number, budgetBytes?: number): number {
  const parts = rolloutParts(model, B, T);
  checkMemory(parts, budgetBytes, ADVICE);
  return Object.values(parts).reduce((a, b) => a + b, 0);
}

/**
 * Checks an inputs file against the budget before it is read: a `.npy` file by its header's shape
 * (the file's bytes, the float64 inputs and the trajectory they give), a `.json` file by its size
 * (the text, held as bytes and as a string while parsed).
 * Throws MemoryBudgetError naming the largest part. Cost: one stat and, for `.npy`, the header.
 */
export function checkInputsFileMemory(path: string, model: Model, budgetBytes?: number): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return; // the reader reports a missing file by name
  }
  if (extname(path).toLowerCase() === '.npy') {
    const h = readNpyHeaderFile(path);
    const [B, T] = h.shape.length === 3 ? [h.shape[0]!, h.shape[1]!] : h.shape.length === 2 ? [1, h.shape[0]!] : [1, Math.ceil(h.count / Math.max(1, model.spec.inputSize))];
    checkMemory({ [`the inputs file ${path} (${size} bytes)`]: size / 8, ...rolloutParts(model, B, T) }, budgetBytes, ADVICE);
    return;
  }
  // JSON: only the text is known before parsing (held as bytes and as a string); the trajectory is
  // checked from the parsed shape before the rollout
  checkMemory({ [`the inputs file ${path} (${size} bytes, as text while parsed)`]: (3 * size) / 8 }, budgetBytes, ADVICE);
}

export { remainingBudget };

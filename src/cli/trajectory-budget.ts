/**
 * A memory check before a rollout: `rollout` keeps every state and the per-step caches of the cell
 * (`B·T` steps), which for a large model and many steps can exceed the machine's memory long
 * before any kernel is formed.
 */
import type { Model } from '../models/types.js';
import { checkBudgetWith } from '../sntk/budget.js';

/**
 * Throws MemoryBudgetError when a rollout of `B` trials × `T` steps of `model` would need more than
 * the budget (bytes; default `SNTK_MEMORY_BUDGET` or 2 GiB). Estimate per step: the state plus the
 * cell's cache (≈ 3N doubles for vanilla/leaky/rate, ≈ 10N for GRU) and object overhead. Cost O(1).
 */
export function checkTrajectoryMemory(model: Model, B: number, T: number, budgetBytes?: number): void {
  const N = model.cell.N;
  const perStep = (model.spec.cell === 'gru' || model.spec.cell === 'torch-gru' || model.spec.cell === 'torch-lstm' ? 11 : 4) * N + 16;
  checkBudgetWith(B * T * perStep, `the trajectory (${B} trials × ${T} steps of ${N} units, with the cell's step caches)`, budgetBytes, 'use fewer trials or steps, or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)');
}

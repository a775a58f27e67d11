/**
 * Memory budgets for dense kernels. Dense sNTKs grow as `(B·T·N)²` doubles; before allocating one
 * we estimate its bytes and refuse beyond a budget with a message that points at the matrix-free
 * path. The default budget is 2 GiB, or `SNTK_MEMORY_BUDGET` (bytes, or with a K/M/G suffix).
 */
import { MemoryBudgetError } from '../errors.js';
import { formatBytes } from '../operators/densify.js';

const DEFAULT_BUDGET = 2 * 1024 ** 3;

/**
 * Parses `"512M"`, `"2G"`, `"1e9"` into bytes; undefined for empty input.
 *
 * @param text - a size with an optional `K`, `M`, `G`, `T` suffix (powers of 1024), or a plain number.
 * @returns the size in bytes, or undefined for empty input.
 * @throws {@link sntk!MemoryBudgetError} for text that is not a positive size.
 */
export function parseBytes(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const m = /^\s*([0-9.eE+]+)\s*([kKmMgGtT]?)i?[bB]?\s*$/.exec(text);
  if (!m) throw new MemoryBudgetError(`cannot read '${text}' as a memory size (examples: 512M, 2G, 1e9)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const v = Number(m[1]) * mult;
  if (!Number.isFinite(v) || v <= 0) throw new MemoryBudgetError(`memory size '${text}' must be positive`);
  return v;
}

/**
 * The budget in bytes: explicit value, else `SNTK_MEMORY_BUDGET`, else 2 GiB.
 *
 * @param explicit - a budget in bytes that overrides the environment.
 * @returns the budget in bytes.
 */
export function memoryBudget(explicit?: number): number {
  if (explicit !== undefined) return explicit;
  const env = typeof process !== 'undefined' ? process.env?.SNTK_MEMORY_BUDGET : undefined;
  return parseBytes(env) ?? DEFAULT_BUDGET;
}


/**
 * Throws MemoryBudgetError when `doubles` float64 values (what `what` needs) exceed the budget.
 * The message names the size, the budget and the matrix-free alternative.
 */
export function checkDenseBudget(doubles: number, what: string, budgetBytes?: number): void {
  checkBudgetWith(doubles, what, budgetBytes, 'use the matrix-free operator path (--method operator) or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)');
}

/**
 * Throws MemoryBudgetError when `doubles` float64 values exceed the budget, with `advice` (what to
 * change) in the message. Cost O(1).
 */
export function checkBudgetWith(doubles: number, what: string, budgetBytes: number | undefined, advice: string): void {
  const budget = memoryBudget(budgetBytes);
  const bytes = doubles * 8;
  if (bytes > budget) throw new MemoryBudgetError(`${what} needs ${formatBytes(bytes)}, over the memory budget of ${formatBytes(budget)}; ${advice}`);
}

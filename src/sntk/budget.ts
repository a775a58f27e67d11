/**
 * The one memory estimator of sntk: every command checks its sizes here before allocating. The
 * budget (default 2 GiB, or `SNTK_MEMORY_BUDGET`, or `--memory-budget`; bytes or with a K/M/G
 * suffix) covers the data a command holds: input arrays, trajectories with their step caches,
 * dense kernels and Jacobians, Lanczos bases, training state. Estimates are made from sizes alone
 * (file headers, shapes, counts such as `--seeds`/`--starts`), before any rollout or allocation;
 * data already held is committed first (`remainingBudget`) so that later phases get only what is
 * left. Node's own footprint (the runtime and loaded code, about 60–100 MiB) is not in the budget.
 * `checkMemory` refuses with a MemoryBudgetError naming the total, the largest part and the budget.
 */
import { MemoryBudgetError } from '../errors.js';

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
  checkMemory({ [what]: doubles }, budgetBytes, advice);
}

/**
 * Throws MemoryBudgetError when the parts (float64 counts held at the same time, by name) together
 * exceed the budget (bytes; default `memoryBudget()`); the message names the total, the largest
 * part (when there are several), the budget and `advice`. Cost O(parts).
 */
export function checkMemory(parts: Record<string, number>, budgetBytes: number | undefined, advice: string): void {
  const problem = memoryProblem(parts, budgetBytes, advice);
  if (problem) throw new MemoryBudgetError(problem);
}

/** The message of `checkMemory` (`subject` names what needs the memory), or null when the parts fit. Cost O(parts). */
export function memoryProblem(parts: Record<string, number>, budgetBytes: number | undefined, advice: string, subject = 'the work'): string | null {
  const budget = memoryBudget(budgetBytes);
  const entries = Object.entries(parts);
  let doubles = 0;
  for (const [, v] of entries) doubles += v;
  const bytes = 8 * doubles;
  if (bytes <= budget) return null;
  const [a, b] = formatPair(bytes, budget);
  if (entries.length === 1) return `${entries[0]![0]} needs ${a}, over the memory budget of ${b}; ${advice}`;
  const [name, big] = entries.sort((x, y) => y[1] - x[1])[0]!;
  return `${subject} would need about ${a} (largest part: ${name}, ${formatBytes(8 * big)}), over the memory budget of ${b}; ${advice}`;
}

/**
 * Bytes of the budget left after `committedDoubles` float64 values already held (at least 1, so
 * that a later check refuses with a clear message rather than passing 0 as "no budget"). Cost O(1).
 */
export function remainingBudget(budgetBytes: number | undefined, committedDoubles: number): number {
  return Math.max(1, memoryBudget(budgetBytes) - 8 * committedDoubles);
}

/** Bytes in binary units with one decimal (`1.5 GiB`). */
export function formatBytes(b: number): string {
  return formatWith(b, 1);
}

function formatWith(b: number, digits: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(i === 0 ? 0 : digits)} ${u[i]}`;
}

/** Two sizes (a need and a budget, need > budget) with enough digits that they read differently. */
function formatPair(need: number, budget: number): [string, string] {
  for (let d = 1; d <= 6; d++) {
    const a = formatWith(need, d);
    const b = formatWith(budget, d);
    if (a !== b) return [a, b];
  }
  return [`${Math.ceil(need)} bytes`, `${Math.floor(budget)} bytes`];
}

/** Sizes of an sNTK analysis: trajectory rows `M = B·T·N`, parameters `P`, requested eigenvalues `top`. */
export interface KernelAnalysisShape {
  M: number;
  P: number;
  top: number;
  method: 'auto' | 'dense' | 'operator';
  /** A dense kernel is also formed (`kernel --out`). */
  denseOut: boolean;
}

/**
 * The fewest float64 values an sNTK analysis of this shape needs (the smallest route that
 * `analyzeSntk` / `denseSntk` may take), known before any rollout: dense spectrum `M·P + 2n²`
 * (n = min(M, P)); matrix-free the larger of its Lanczos phase `n·(b + 3·top + 7·w) + 4·M·w`
 * (block width `w = min(top, 8)`, smallest basis `b = max(top + 2w, 2·top + w)`) and its probe
 * phase `n·(2·top + 48) + 64·M` (src/sntk/analyze.ts); a dense kernel for `--out` at least
 * `M² + 2·M·P`. Cost O(1).
 */
export function kernelAnalysisDoubles(s: KernelAnalysisShape): number {
  const n = Math.min(s.M, s.P);
  const dense = s.M * s.P + 2 * n * n;
  const block = Math.min(s.top, 8);
  const smallest = Math.max(s.top + 2 * block, 2 * s.top + block);
  const operator = n * (1.5 * smallest + s.top) + n * (3 * s.top + 48) + 3 * s.M * Math.max(block, 16);
  const analysis = s.method === 'dense' ? dense : s.method === 'operator' ? operator : Math.min(dense, operator);
  return s.denseOut ? Math.max(analysis, s.M * s.M + 2 * s.M * s.P) : analysis;
}

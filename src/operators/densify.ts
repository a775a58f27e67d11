/**
 * Materialising an operator as a dense matrix, within a memory budget.
 */
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import type { LinearOperator } from './types.js';
import { describe } from './make.js';
import { unitBlock } from './combinators.js';
import { InputError, MemoryBudgetError } from '../errors.js';

/** Default densify budget: 2²⁶ entries (512 MiB of float64). */
export const DEFAULT_DENSIFY_MAX_ENTRIES = 2 ** 26;

/** Options of `densify`. */
export interface DensifyOptions {
  /** Largest `rows·cols` allowed (default 2²⁶ = 67 108 864 entries, 512 MiB). */
  maxEntries?: number;
  /** Columns per block apply (default 64). */
  blockSize?: number;
  /** For symmetric operators, average with the transpose to remove roundoff asymmetry (default true). */
  symmetrize?: boolean;
}

/** Human-readable byte count. */
export function formatBytes(b: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

/** Throws MemoryBudgetError if a `rows × cols` float64 matrix exceeds `maxEntries`. */
export function checkDenseBudget(rows: number, cols: number, maxEntries: number, what: string): void {
  const entries = rows * cols;
  if (entries > maxEntries) {
    throw new MemoryBudgetError(
      `${what}: a dense ${rows}×${cols} matrix needs ${entries} entries = ${formatBytes(entries * 8)}, over the budget of ` +
        `${maxEntries} entries (${formatBytes(maxEntries * 8)}); raise maxEntries or use the matrix-free operator path`,
    );
  }
}

/**
 * The dense `rows × cols` matrix of `op`, built from block applies to unit vectors. Refuses with
 * MemoryBudgetError (naming rows×cols, bytes and the budget) beyond `maxEntries`. Cost: `cols`
 * matvecs in blocks of `blockSize`, plus O(rows·cols) memory.
 *
 * @param op - a `rows × cols` operator.
 * @param opts - the block size, the largest number of entries allowed, whether to symmetrize.
 * @returns the dense `rows × cols` float64 matrix.
 * @throws {@link sntk!MemoryBudgetError} beyond `maxEntries`.
 * @throws {@link sntk!InputError} for a negative `maxEntries` or a block size that is not a positive integer.
 */
export function densify(op: LinearOperator, opts: DensifyOptions = {}): Matrix {
  const maxEntries = opts.maxEntries ?? DEFAULT_DENSIFY_MAX_ENTRIES;
  if (!(maxEntries >= 0)) throw new InputError(`densify: maxEntries must be non-negative, got ${maxEntries}`);
  checkDenseBudget(op.rows, op.cols, maxEntries, `densify ${describe(op)}`);
  const bs = opts.blockSize ?? 64;
  if (!Number.isInteger(bs) || bs < 1) throw new InputError(`densify: blockSize must be a positive integer, got ${bs}`);
  const { rows, cols } = op;
  const out = zeros(rows, cols);
  for (let j0 = 0; j0 < cols; j0 += bs) {
    const k = Math.min(bs, cols - j0);
    const Y = op.matmat(unitBlock(cols, j0, k));
    for (let i = 0; i < rows; i++) out.data.set(Y.data.subarray(i * k, (i + 1) * k), i * cols + j0);
  }
  if (op.symmetric && (opts.symmetrize ?? true)) {
    const d = out.data;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < i; j++) {
        const v = 0.5 * (d[i * cols + j]! + d[j * cols + i]!);
        d[i * cols + j] = v;
        d[j * cols + i] = v;
      }
    }
  }
  return out;
}

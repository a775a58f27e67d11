/**
 * Typed errors of sntk. Every failure a user can cause or meet (bad shapes, non-finite numbers,
 * non-convergence, singular systems, memory budgets, malformed files) is one of these, with a
 * message that names the problem. The CLI maps `UsageError` and `InputError` to exit code 2.
 */

/** Base class of all sntk errors. */
export class SntkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Arrays whose shapes do not fit together. */
export class ShapeError extends SntkError {}

/** NaN or ±Inf where finite numbers are required. */
export class NonFiniteError extends SntkError {}

/** An iterative method that did not reach its tolerance within its budget. */
export class ConvergenceError extends SntkError {}

/** A linear system or factorisation that is singular (or not positive definite) to working precision. */
export class SingularMatrixError extends SntkError {}

/** A computation that would need more memory than the configured budget. */
export class MemoryBudgetError extends SntkError {}

/** A malformed or unsupported input file, model or config (exit code 2 in the CLI). */
export class InputError extends SntkError {}

/** Bad command-line usage (exit code 2 in the CLI). */
export class UsageError extends SntkError {}

/**
 * Throws NonFiniteError naming `what` if any entry of `a` is NaN or infinite. Cost O(n).
 *
 * @param a - the values to check.
 * @param what - the name used in the message.
 * @throws {@link sntk!NonFiniteError} naming `what` and the first bad index.
 */
export function assertFinite(a: ArrayLike<number>, what: string): void {
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) throw new NonFiniteError(`${what} has a non-finite entry (${a[i]}) at index ${i}`);
  }
}

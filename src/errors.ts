/**
 * Typed errors of sntk. Every failure a user can cause or meet (bad shapes, non-finite numbers,
 * non-convergence, singular systems, memory budgets, malformed files) is one of these, with a
 * message that names the problem. Exit codes in the CLI (src/cli/context.ts): 2 for bad usage and
 * bad input (`UsageError`, `InputError`, `ShapeError`, `NonFiniteError`, `MemoryBudgetError`,
 * `LockError`, and `FileSystemError` caused by the path the user gave), 1 for failures of the
 * computation and environment faults (`FileSystemError` with `environment: true`: a full disk, an
 * I/O error).
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
 * A file or folder that cannot be written: a target that is not a regular file (a device, a FIFO,
 * a folder), a path under a file (ENOTDIR), no permission (EACCES/EPERM), a read-only file system
 * (EROFS) — exit code 2 — or a full disk / I/O error (ENOSPC, EDQUOT, EIO; `environment: true`,
 * exit code 1). `code` is the OS error code when there is one.
 */
export class FileSystemError extends SntkError {
  constructor(
    message: string,
    readonly code: string | null = null,
    readonly environment = false,
  ) {
    super(message);
  }
}

/** A run folder another live process is writing (exit code 2); the message names the owner. */
export class LockError extends SntkError {}

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

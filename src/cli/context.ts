/**
 * Shared plumbing of the `sntk` commands: output (human text or one JSON object), progress on
 * stderr (progress.ts), and the mapping from errors to exit codes.
 */
import { createProgress, type Progress } from './progress.js';
import { InputError, MemoryBudgetError, NonFiniteError, ShapeError, SntkError, UsageError } from '../errors.js';

/** Options every command accepts. */
export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
}

/** Writes a result: one JSON object on stdout with `--json`, otherwise the human text. */
export function emit(opts: CommonOptions, result: unknown, human: () => string): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify(result, jsonReplacer) + '\n');
  } else {
    process.stdout.write(human() + '\n');
  }
}

/** JSON replacer: typed arrays become plain arrays, non-finite numbers become null. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/**
 * A progress reporter for `total` units (`done` counted by the caller): the shared progress
 * module (progress.ts) behind the older `(done, total)` call shape.
 */
export function progressLine(opts: CommonOptions, label: string): (done: number, total: number) => void {
  let p: Progress | null = null;
  return (done, total) => {
    p ??= createProgress(opts, label, total);
    p.update(done);
    if (done >= total) p.finish();
  };
}

/**
 * Exit code for an error: 2 for bad usage and bad input (malformed or mismatched files, shapes
 * that do not fit, non-finite numbers in inputs, sizes over the memory budget), 1 for failures
 * of the computation itself (non-convergence, singular systems, internal errors).
 */
export function exitCodeFor(err: unknown): number {
  if (
    err instanceof UsageError ||
    err instanceof InputError ||
    err instanceof ShapeError ||
    err instanceof NonFiniteError ||
    err instanceof MemoryBudgetError
  ) {
    return 2;
  }
  return 1;
}

/** One-line message for an error (no stack trace for sntk's own errors). */
export function describeError(err: unknown): string {
  if (err instanceof SntkError) return err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}

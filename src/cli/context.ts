/**
 * Shared plumbing of the `sntk` commands: output (human text or one JSON object), progress on a
 * TTY only, and the mapping from errors to exit codes.
 */
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

/** True when progress lines should be drawn: stderr is a TTY, not CI, not --json/--quiet. */
export function showProgress(opts: CommonOptions): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI && !opts.json && !opts.quiet;
}

/** A one-line progress reporter (`label  k/n  eta`), silent when progress is off. */
export function progressLine(opts: CommonOptions, label: string): (done: number, total: number) => void {
  if (!showProgress(opts)) return () => {};
  const start = Date.now();
  return (done, total) => {
    const el = (Date.now() - start) / 1000;
    const eta = done > 0 ? (el * (total - done)) / done : NaN;
    const msg = `${label} ${done}/${total}` + (Number.isFinite(eta) ? `  eta ${eta.toFixed(1)} s` : '');
    process.stderr.write('\r' + msg.padEnd(60) + (done >= total ? '\n' : ''));
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

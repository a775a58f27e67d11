/**
 * Shared plumbing of the `sntk` commands: output (human text or one JSON object), progress on
 * stderr (progress.ts), and the mapping from errors to exit codes.
 */
import { FileSystemError, InputError, LockError, MemoryBudgetError, NonFiniteError, ShapeError, SntkError, UsageError } from '../errors.js';

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
 * Exit code for an error: 2 for bad usage and bad input (malformed or mismatched files, shapes
 * that do not fit, non-finite numbers in inputs, sizes over the memory budget, a run folder
 * locked by another process, an output path that cannot be written: not a regular file, under a
 * file, no permission, read-only), 1 for failures of the computation itself (non-convergence,
 * singular systems, internal errors) and for environment faults (a full disk, an I/O error).
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof FileSystemError) return err.environment ? 1 : 2;
  if (
    err instanceof UsageError ||
    err instanceof InputError ||
    err instanceof ShapeError ||
    err instanceof NonFiniteError ||
    err instanceof MemoryBudgetError ||
    err instanceof LockError
  ) {
    return 2;
  }
  return 1;
}

/**
 * One-line message for an error: sntk's own errors by their message (first line), OS errors by
 * path and cause, anything else as `internal error: <message>`. The stack trace is added only with
 * `SNTK_DEBUG=1`.
 */
export function describeError(err: unknown): string {
  const debug = typeof process !== 'undefined' && Boolean(process.env.SNTK_DEBUG);
  if (err instanceof SntkError) return debug && err.stack ? err.stack : oneLine(err.message);
  if (err instanceof Error) {
    if (debug && err.stack) return err.stack;
    const code = (err as NodeJS.ErrnoException).code;
    return code ? oneLine(err.message) : `internal error: ${oneLine(err.message)} (run with SNTK_DEBUG=1 for the stack trace)`;
  }
  return oneLine(String(err));
}

/** The first line of `text`, with a count of the lines left out. */
function oneLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= 1) return lines[0] ?? text;
  const head = lines[0]!.trim().endsWith(':') ? `${lines[0]!.trim()} ${lines[1]!.trim()}` : lines[0]!.trim();
  const rest = lines.length - (head === lines[0]!.trim() ? 1 : 2);
  return rest > 0 ? `${head} (and ${rest} more line(s))` : head;
}

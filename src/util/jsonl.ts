/**
 * Reading JSON-lines logs (metrics.jsonl, eigenvalues.jsonl) that a crash may have left with a torn
 * last line: the torn line is cut off and reported, a malformed line anywhere else is an
 * `InputError` naming the file and line (it is damage, not an interrupted append).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../errors.js';

/** Parsed lines of a JSONL file and whether a torn last line was cut off. */
export interface JsonlRead {
  /** The parsed lines (blank lines skipped). */
  rows: unknown[];
  /** The raw text of each parsed line (same order as `rows`), for rewriting the kept lines verbatim. */
  lines: string[];
  /** The torn last line that was dropped, or null. */
  torn: string | null;
}

/**
 * Reads `path` (absent → no rows). A last line that is not valid JSON is dropped as torn; any other
 * malformed line throws InputError naming the file and line. Cost O(file size).
 */
export function readJsonlRepairing(path: string): JsonlRead {
  if (!existsSync(path)) return { rows: [], lines: [], torn: null };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as Error).message})`);
  }
  const parts = text.split('\n');
  const rows: unknown[] = [];
  const lines: string[] = [];
  let torn: string | null = null;
  let last = parts.length - 1;
  while (last >= 0 && parts[last]!.trim() === '') last--;
  for (let i = 0; i <= last; i++) {
    const line = parts[i]!;
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line));
      lines.push(line);
    } catch (e) {
      if (i === last) {
        torn = line;
        break;
      }
      throw new InputError(`${basename(path)} line ${i + 1}: not valid JSON (${(e as Error).message}); the file is damaged`);
    }
  }
  return { rows, lines, torn };
}

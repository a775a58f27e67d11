/** Small helpers shared by the run-folder and analysis readers: JSON files, zod checks, complex numbers. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { Complex } from './types.js';

/** Largest input file the report reads (bytes): guards against reading a huge file by mistake. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

/** Reads a UTF-8 file; InputError naming it when missing, not a file, or too large. Cost O(size). */
export function readText(file: string): string {
  if (!existsSync(file)) throw new InputError(`${file}: file not found`);
  const st = statSync(file);
  if (!st.isFile()) throw new InputError(`${file}: not a regular file`);
  if (st.size > MAX_INPUT_BYTES) throw new InputError(`${file}: ${st.size} bytes is more than the report reads (${MAX_INPUT_BYTES})`);
  return readFileSync(file, 'utf8');
}

/** Parses JSON text; InputError naming `where` (file, line) on a syntax error. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${where}: not valid JSON (${(err as Error).message})`);
  }
}

/** Validates `value` with a zod schema; InputError naming `where` and the first offending field. */
export function check<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : '';
  throw new InputError(`${where}: ${path}: ${issue.message}${more}`);
}

/** Reads and parses a JSON-lines file (blank lines skipped); InputError naming file and line. */
export function readJsonLines(file: string): unknown[] {
  const out: unknown[] = [];
  readText(file)
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      out.push(parseJson(line, `${basename(file)} line ${i + 1}`));
    });
  return out;
}

/** A number, or null (JSON's spelling of a non-finite value); undefined when absent. */
export const numOrNull = z.number().nullable().optional();

/** A complex number as {re, im}, [re, im] or a plain real number. */
export const complexSchema = z.union([
  z.object({ re: z.number(), im: z.number().optional() }),
  z.tuple([z.number(), z.number()]),
  z.number(),
]);

/** Normalises the accepted spellings of a complex number to {re, im}. */
export function toComplex(v: z.infer<typeof complexSchema>): Complex {
  if (typeof v === 'number') return { re: v, im: 0 };
  if (Array.isArray(v)) return { re: v[0], im: v[1] };
  return { re: v.re, im: v.im ?? 0 };
}

/** Euclidean norm of a vector. Cost O(n). */
export function norm(v: number[]): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/**
 * Inputs files: a JSON array `[T][D]` (one trial, B = 1) or `[B][T][D]`, or a `.npy` of shape
 * `(T, D)` or `(B, T, D)` (float64 or float32). Returned flat, row-major `B × T × D`.
 */
import { extname } from 'node:path';
import { InputError } from '../errors.js';
import { readFileBytes } from './bytes.js';
import { readNpy } from './npy.js';

/** A batch of input sequences, `X[(b·T + t)·D + k]`. */
export interface InputsArray {
  X: Float64Array;
  B: number;
  T: number;
  D: number;
}

function widthError(source: string, D: number, inputSize: number): InputError {
  return new InputError(`${source}: inputs have width ${D} but the model's inputSize is ${inputSize}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/**
 * Validates a parsed JSON value as inputs `[T][D]` or `[B][T][D]` with width `inputSize`.
 * Throws `InputError` (naming the file and index) when empty, ragged, non-numeric, non-finite or
 * of the wrong width (both numbers said). Cost O(B·T·D).
 */
export function inputsFromValue(v: unknown, source: string, inputSize: number): InputsArray {
  if (!Array.isArray(v)) throw new InputError(`${source}: inputs must be a JSON array [T][D] or [B][T][D], got ${describe(v)}`);
  if (v.length === 0) throw new InputError(`${source}: inputs are empty`);
  const three = Array.isArray(v[0]) && (v[0] as unknown[]).length > 0 && Array.isArray((v[0] as unknown[])[0]);
  const trials = (three ? v : [v]) as unknown[];
  const B = trials.length;
  let T = -1;
  let D = -1;
  for (let b = 0; b < B; b++) {
    const tr = trials[b];
    const at = three ? `[${b}]` : '';
    if (!Array.isArray(tr)) throw new InputError(`${source}: inputs${at} must be an array of time steps, got ${describe(tr)}`);
    if (tr.length === 0) throw new InputError(`${source}: inputs${at} is empty (no time steps)`);
    if (T < 0) T = tr.length;
    else if (tr.length !== T) throw new InputError(`${source}: ragged inputs: trial ${b} has ${tr.length} time steps, trial 0 has ${T}`);
    for (let t = 0; t < T; t++) {
      const row = tr[t];
      if (!Array.isArray(row)) throw new InputError(`${source}: inputs${at}[${t}] must be an array of ${inputSize} numbers, got ${describe(row)}`);
      if (D < 0) {
        D = row.length;
        if (D !== inputSize) throw widthError(source, D, inputSize);
      } else if (row.length !== D) {
        throw new InputError(`${source}: ragged inputs: inputs${at}[${t}] has ${row.length} numbers, expected ${D}`);
      }
    }
  }
  const X = new Float64Array(B * T * D);
  let k = 0;
  for (let b = 0; b < B; b++) {
    const tr = trials[b] as unknown[][];
    for (let t = 0; t < T; t++) {
      const row = tr[t]!;
      for (let j = 0; j < D; j++) {
        const x = row[j];
        if (typeof x !== 'number' || !Number.isFinite(x)) {
          throw new InputError(`${source}: inputs${three ? `[${b}]` : ''}[${t}][${j}] is ${describe(x)} (inputs must be finite numbers)`);
        }
        X[k++] = x;
      }
    }
  }
  return { X, B, T, D };
}

/** Parses inputs JSON text (accepting Python's bare NaN/Infinity only to reject them by name). */
export function parseInputsJson(text: string, source: string, inputSize: number): InputsArray {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    const m = /(?<![A-Za-z"])(-?Infinity|NaN)(?![A-Za-z"])/.exec(text);
    if (m) throw new InputError(`${source}: inputs contain ${m[1]} (inputs must be finite numbers)`);
    throw new InputError(`${source}: not valid JSON (${(err as Error).message})`);
  }
  return inputsFromValue(v, source, inputSize);
}

/** Inputs from `.npy` bytes of shape (T, D) or (B, T, D). Same checks as the JSON form. */
export function inputsFromNpy(bytes: Uint8Array, source: string, inputSize: number): InputsArray {
  const a = readNpy(bytes, source);
  let B: number, T: number, D: number;
  if (a.shape.length === 2) [B, T, D] = [1, a.shape[0]!, a.shape[1]!];
  else if (a.shape.length === 3) [B, T, D] = a.shape as [number, number, number];
  else throw new InputError(`${source}: inputs array has ${a.shape.length} dimensions, expected (T, D) or (B, T, D)`);
  if (B === 0 || T === 0) throw new InputError(`${source}: inputs are empty (shape (${a.shape.join(', ')}))`);
  if (D !== inputSize) throw widthError(source, D, inputSize);
  for (let i = 0; i < a.data.length; i++) {
    if (!Number.isFinite(a.data[i]!)) {
      const j = i % D;
      const t = Math.floor(i / D) % T;
      const b = Math.floor(i / (D * T));
      throw new InputError(`${source}: inputs[${b}][${t}][${j}] is ${a.data[i]} (inputs must be finite numbers)`);
    }
  }
  return { X: a.data, B, T, D };
}

/**
 * Reads an inputs file (`.json` or `.npy`) for a model with `inputSize` inputs → flat
 * `B × T × D`. Throws `InputError` naming the file. Cost O(file size).
 *
 * @param path - `.json` (`[T][D]` or `[B][T][D]`) or `.npy` (`(T, D)` or `(B, T, D)`).
 * @param inputSize - the model's `D`.
 * @returns the inputs as a flat `B·T·D` float64 array with `B`, `T`, `D`.
 * @throws {@link sntk!InputError} naming the file: unreadable, malformed, wrong width or non-finite.
 */
export function readInputsFile(path: string, inputSize: number): InputsArray {
  const ext = extname(path).toLowerCase();
  const bytes = readFileBytes(path);
  if (ext === '.npy') return inputsFromNpy(bytes, path, inputSize);
  if (ext === '.json') return parseInputsJson(new TextDecoder('utf-8').decode(bytes), path, inputSize);
  throw new InputError(`${path}: unknown inputs file extension '${ext || '(none)'}' (expected .json or .npy)`);
}

/**
 * Reads the arrays of the `data` training task (src/train/tasks/data.ts) from files: inputs
 * `B × T × D` and targets `B × T × O` as NumPy `.npy`, arrays of an `.npz` archive or tensors of a
 * safetensors file, or a teacher model file whose readout gives the targets. A `(T, D)` array is
 * one trial (B = 1). An optional loss mask (`B × T` or `B × T × O`, 0/1; by default the array
 * named `mask` in `task.file`) drops target entries from the loss. Every mismatch is an InputError
 * naming the array and its file.
 */
import { extname, isAbsolute, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { fmtShape } from './bytes.js';
import { readNpyFile } from './npy.js';
import { readNpzFile } from './npz.js';
import { readSafetensorsFile } from './safetensors.js';
import { readModelFile } from './model-json.js';
import type { DataArrays } from '../train/tasks/data.js';

/** The file fields of a data task config (`task` with `name: 'data'`). */
export interface DataTaskFiles {
  file: string | null;
  inputs: string;
  targets: string | null;
  teacher: string | null;
  /**
   * Loss mask (`B × T` or `B × T × O`, 0/1): an array name in `file` or a file path; absent or
   * null: the array named `mask` in `file` when it has one, else no mask.
   */
  mask?: string | null;
}

/** The array name a data task's loss mask is taken from by default (in `task.file`). */
export const DEFAULT_MASK_KEY = 'mask';

interface Named {
  data: Float64Array;
  shape: number[];
  where: string;
}

const ARRAY_FILE = /\.(npy|npz|safetensors)$/i;

function readNamedArrays(path: string): Map<string, { data: Float64Array; shape: number[] }> {
  const ext = extname(path).toLowerCase();
  if (ext === '.npz') return readNpzFile(path);
  if (ext === '.safetensors') return readSafetensorsFile(path).tensors;
  throw new InputError(`${path}: expected a .npz or .safetensors file of named arrays`);
}

/** One array: a path (`.npy`, or a one-array `.npz`/`.safetensors`) or a name in `file`. */
function abs(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

/** One array: a path (`.npy`, or a one-array `.npz`/`.safetensors`) or a name in `file`. */
function getArray(ref: string, role: string, files: DataTaskFiles, base: string): Named {
  if (ARRAY_FILE.test(ref)) {
    const p = abs(base, ref);
    if (extname(p).toLowerCase() === '.npy') {
      const a = readNpyFile(p);
      return { data: a.data, shape: a.shape, where: `task.${role} (${ref})` };
    }
    const m = readNamedArrays(p);
    const pick = m.get(role) ?? (m.size === 1 ? [...m.values()][0] : undefined);
    if (!pick) throw new InputError(`task.${role}: ${ref} holds ${m.size} arrays (${[...m.keys()].join(', ')}) and none is named '${role}'`);
    return { data: pick.data, shape: pick.shape, where: `task.${role} (${ref})` };
  }
  if (files.file === null) throw new InputError(`task.${role}: '${ref}' is an array name but task.file is not set (or give a .npy/.npz/.safetensors path)`);
  const m = readNamedArrays(abs(base, files.file));
  const a = m.get(ref);
  if (!a) throw new InputError(`task.${role}: ${files.file} has no array '${ref}' (it has ${[...m.keys()].join(', ') || 'none'})`);
  return { data: a.data, shape: a.shape, where: `task.${role}: array '${ref}' of ${files.file}` };
}

/** `(B, T, W)` of a 3-D array, or `(1, T, W)` of a 2-D one; InputError otherwise. */
function btw(a: Named): [number, number, number] {
  if (a.shape.length === 3) return a.shape as [number, number, number];
  if (a.shape.length === 2) return [1, a.shape[0]!, a.shape[1]!];
  throw new InputError(`${a.where} has shape ${fmtShape(a.shape)}, expected (B, T, width) or (T, width)`);
}

/**
 * Loads the arrays of a data task. Relative paths are taken from `baseDir` (the config file's
 * folder). Throws InputError naming the array for a wrong rank, targets or a mask whose B or T
 * differ from the inputs', an empty dimension, or a teacher that does not fit. Cost O(file sizes) (+ a teacher rollout later).
 */
export function loadTaskData(files: DataTaskFiles, baseDir: string): DataArrays {
  const X = getArray(files.inputs, 'inputs', files, baseDir);
  const [B, T, D] = btw(X);
  if (B < 1 || T < 1 || D < 1) throw new InputError(`${X.where} has shape ${fmtShape(X.shape)}: B, T and D must be ≥ 1`);
  const out: DataArrays = { X: X.data, B, T, D };
  const maskRef = files.mask ?? (files.file !== null && readNamedArrays(abs(baseDir, files.file)).has(DEFAULT_MASK_KEY) ? DEFAULT_MASK_KEY : null);
  const mask = maskRef !== null ? getArray(maskRef, 'mask', files, baseDir) : null;
  const withMask = (o: number): void => {
    if (!mask) return;
    const sh = mask.shape;
    const ok = (sh.length === 2 || sh.length === 3) && sh[0] === B && sh[1] === T && (sh.length === 2 || sh[2] === 1 || sh[2] === o);
    if (!ok) throw new InputError(`${mask.where} has shape ${fmtShape(sh)}, expected (B, T) = (${B}, ${T}) or (B, T, O) = (${B}, ${T}, ${o}) like the targets`);
    out.mask = mask.data;
  };
  if (files.teacher !== null) {
    const p = isAbsolute(files.teacher) ? files.teacher : resolve(baseDir, files.teacher);
    out.teacher = readModelFile(p);
    if (out.teacher.spec.inputSize !== D) throw new InputError(`task.teacher: ${files.teacher} takes ${out.teacher.spec.inputSize} inputs but ${X.where} has D = ${D}`);
    withMask(out.teacher.spec.outputSize);
    return out;
  }
  if (files.targets === null) throw new InputError('task.targets: null needs task.teacher');
  const Y = getArray(files.targets, 'targets', files, baseDir);
  const [By, Ty, O] = btw(Y);
  if (By !== B) throw new InputError(`${Y.where} has shape ${fmtShape(Y.shape)}: B = ${By} trials but the inputs have B = ${B}`);
  if (Ty !== T) throw new InputError(`${Y.where} has shape ${fmtShape(Y.shape)}: T = ${Ty} steps but the inputs have T = ${T}`);
  if (O < 1) throw new InputError(`${Y.where} has shape ${fmtShape(Y.shape)}: no output columns`);
  out.Y = Y.data;
  out.O = O;
  withMask(O);
  return out;
}

/**
 * The `data` task: your own inputs `X` (`B × T × D`) and targets `Y` (`B × T × O`), or a teacher
 * model whose readout outputs on `X` are the targets; any cell and size for the student; a
 * validation split (the last trials, held out); mini-batches drawn without replacement, one seeded
 * permutation of the training trials per epoch. The loss is the usual `½ mean (y − y*)²` on
 * readout outputs — with a loss mask, `½ Σ m (y − y*)² / Σ m`, the mean over the kept entries
 * (trials with every entry masked are left out of the split they fall in); every cell parameter
 * and the readout are trained. Any cell: the monitor works on the full state (`[h; c]` per LSTM
 * layer, all layers of a stacked cell) and the readout reads the top layer's `h`.
 *
 * The arrays arrive already loaded (`DataArrays`; io/train-data.ts reads them from .npy, .npz or
 * safetensors files), so this layer stays free of file formats.
 */
import type { Task } from './types.js';
import type { Batch } from '../batch.js';
import type { CellKind, Model, ModelSpec, ActivationName } from '../../models/types.js';
import { defineSpec, randomModel, rollout, readout } from '../../models/index.js';
import { createRng } from '../../linalg/random.js';
import { InputError } from '../../errors.js';

/** Loaded arrays of a data task. */
export interface DataArrays {
  /** Inputs `B × T × D`, row-major. */
  X: Float64Array;
  B: number;
  T: number;
  D: number;
  /** Targets `B × T × O` (absent when a teacher gives them). */
  Y?: Float64Array;
  O?: number;
  /** A teacher model (with a readout) whose outputs on `X` are the targets. */
  teacher?: Model;
  /**
   * Loss mask: `B × T` (one value per step, every output) or `B × T × O`, each entry 0 or 1;
   * entries with 0 contribute nothing to the loss, the gradient, the Fisher products or the
   * monitor's loss, and the loss is the mean over the kept entries.
   */
  mask?: Float64Array;
}

/** Options of `dataTask` (the config's `task` fields, files already read). */
export interface DataTaskOptions {
  seed?: number;
  cell?: CellKind;
  activation?: ActivationName;
  hiddenSize?: number;
  numLayers?: number;
  bias?: boolean;
  alpha?: number;
  /** Trials per step (null/undefined: all training trials every step). */
  batchSize?: number | null;
  /** Fraction of trials held out for validation (the last ones), in [0, 0.5]. */
  validation?: number;
  /** Recurrent gain of the student's initial weights. */
  studentGain?: number;
  /**
   * Called with the student's spec and the training trials before the student is allocated (a
   * memory check that throws to refuse the sizes).
   */
  checkSizes?: (spec: ModelSpec, trainTrials: number, T: number) => void;
}

/** A data task with its validation batch (null without a split). */
export interface DataTask extends Task {
  readonly validation: Batch | null;
}

function slice(a: Float64Array, rowWidth: number, from: number, to: number): Float64Array {
  return a.slice(from * rowWidth, to * rowWidth);
}

/**
 * A loss mask as `B × T × O`: a `B × T` mask repeated over the outputs, a `B × T × O` one as is.
 * Throws InputError for another length or an entry that is not 0 or 1. Cost O(B·T·O).
 */
export function expandMask(m: Float64Array, B: number, T: number, O: number): Float64Array {
  for (let i = 0; i < m.length; i++) {
    if (m[i] !== 0 && m[i] !== 1) throw new InputError(`task.mask: entry ${i} is ${m[i]}, expected 0 or 1 (1 keeps a target entry in the loss, 0 drops it)`);
  }
  if (m.length === B * T * O) return m.slice();
  if (m.length !== B * T) throw new InputError(`task.mask: ${m.length} numbers, expected B·T = ${B}·${T} or B·T·O = ${B}·${T}·${O}`);
  const out = new Float64Array(B * T * O);
  for (let r = 0; r < B * T; r++) out.fill(m[r]!, r * O, (r + 1) * O);
  return out;
}

/**
 * Builds the data task. Throws InputError naming the field for inconsistent arrays (targets whose
 * B or T differ from the inputs', no targets and no teacher, a teacher whose input size differs,
 * a mask of the wrong size or not 0/1, or masking every entry of the training or validation
 * trials), an empty training split or a batch size larger than it. Cost O(B·T·(D + O)) plus one teacher
 * rollout when there is a teacher.
 */
export function dataTask(arrays: DataArrays, opts: DataTaskOptions = {}): DataTask {
  const seed = opts.seed ?? 0;
  const { X, B, T, D } = arrays;
  if (X.length !== B * T * D) throw new InputError(`task.inputs: ${X.length} numbers, expected B·T·D = ${B}·${T}·${D}`);
  let Y: Float64Array;
  let O: number;
  if (arrays.teacher) {
    const t = arrays.teacher;
    if (t.spec.inputSize !== D) throw new InputError(`task.teacher: the teacher takes ${t.spec.inputSize} inputs but task.inputs has D = ${D}`);
    if (t.spec.outputSize === 0) throw new InputError('task.teacher: the teacher has no readout (outputSize = 0), so it gives no targets');
    O = t.spec.outputSize;
    Y = readout(t, rollout(t, X, { B, T }));
  } else {
    if (!arrays.Y || arrays.O === undefined) throw new InputError('task.targets: no targets and no teacher (give targets or task.teacher)');
    Y = arrays.Y;
    O = arrays.O;
    if (Y.length !== B * T * O) throw new InputError(`task.targets: ${Y.length} numbers, expected B·T·O = ${B}·${T}·${O}`);
  }
  const mask = arrays.mask ? expandMask(arrays.mask, B, T, O) : null;
  const frac = opts.validation ?? 0;
  if (!(frac >= 0 && frac <= 0.5)) throw new InputError(`task.validation must be in [0, 0.5], got ${frac}`);
  const nVal = Math.floor(frac * B);
  const nTrain = B - nVal;
  if (nTrain < 1) throw new InputError(`task.validation ${frac} leaves no training trials (B = ${B})`);
  const bs = opts.batchSize ?? null;
  if (bs !== null && (!Number.isInteger(bs) || bs < 1 || bs > nTrain)) {
    throw new InputError(`task.batchSize must be an integer in [1, ${nTrain}] (the training trials), got ${bs}`);
  }
  const spec = defineSpec({
    cell: opts.cell ?? 'vanilla',
    hiddenSize: opts.hiddenSize ?? 32,
    inputSize: D,
    outputSize: O,
    ...(opts.activation !== undefined ? { activation: opts.activation } : {}),
    ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}),
    ...(opts.numLayers !== undefined ? { numLayers: opts.numLayers } : {}),
    ...(opts.bias !== undefined ? { bias: opts.bias } : {}),
  });
  opts.checkSizes?.(spec, nTrain, T);
  const student = randomModel(spec, `data-student:${seed}`, { gain: opts.studentGain ?? 0.9 });
  const split = (from: number, to: number, what: string): Batch => {
    if (!mask) return { B: to - from, T, X: slice(X, T * D, from, to), Y: slice(Y, T * O, from, to) };
    const keep: number[] = [];
    for (let b = from; b < to; b++) if (mask.subarray(b * T * O, (b + 1) * T * O).some((v) => v === 1)) keep.push(b);
    if (keep.length === 0) throw new InputError(`task.mask: every entry of the ${what} trials (${from}..${to - 1}) is masked (0), so their loss has no entries`);
    const pick = (a: Float64Array, w: number): Float64Array => {
      const out = new Float64Array(keep.length * w);
      keep.forEach((b, i) => out.set(a.subarray(b * w, (b + 1) * w), i * w));
      return out;
    };
    return { B: keep.length, T, X: pick(X, T * D), Y: pick(Y, T * O), lossMask: pick(mask, T * O) };
  };
  const train = split(0, nTrain, 'training');
  const validation: Batch | null = nVal > 0 ? split(nTrain, B, 'validation') : null;
  const nKept = train.B;
  if (bs !== null && bs > nKept) throw new InputError(`task.batchSize ${bs} exceeds the ${nKept} training trials with an unmasked entry`);
  const { X: Xtr, Y: Ytr } = train;
  const Mtr = train.lossMask;
  const trainable = new Uint8Array(student.layout.size).fill(1);
  const task: DataTask = {
    name: 'data',
    student,
    ...(arrays.teacher ? { teacher: arrays.teacher } : {}),
    B: nKept,
    T,
    X: Xtr,
    Y: Ytr,
    ...(Mtr ? { lossMask: Mtr } : {}),
    target: 'output',
    trainable,
    validation,
  };
  if (bs !== null && bs < nKept) {
    const perEpoch = Math.floor(nKept / bs);
    let permEpoch = -1;
    let perm: number[] = [];
    task.batchAt = (step: number): Batch => {
      const epoch = Math.floor(step / perEpoch);
      if (epoch !== permEpoch) {
        const rng = createRng(`data-batches:${seed}:${epoch}`);
        perm = Array.from({ length: nKept }, (_, i) => i);
        for (let i = nKept - 1; i > 0; i--) {
          const j = Math.floor(rng.uniform() * (i + 1));
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        permEpoch = epoch;
      }
      const k0 = (step % perEpoch) * bs;
      const Xb = new Float64Array(bs * T * D), Yb = new Float64Array(bs * T * O);
      const Mb = Mtr ? new Float64Array(bs * T * O) : null;
      for (let i = 0; i < bs; i++) {
        const b = perm[k0 + i]!;
        Xb.set(Xtr.subarray(b * T * D, (b + 1) * T * D), i * T * D);
        Yb.set(Ytr.subarray(b * T * O, (b + 1) * T * O), i * T * O);
        if (Mb) Mb.set(Mtr!.subarray(b * T * O, (b + 1) * T * O), i * T * O);
      }
      return Mb ? { B: bs, T, X: Xb, Y: Yb, lossMask: Mb } : { B: bs, T, X: Xb, Y: Yb };
    };
  }
  return task;
}

/**
 * The `data` task: your own inputs `X` (`B × T × D`) and targets `Y` (`B × T × O`), or a teacher
 * model whose readout outputs on `X` are the targets; any cell and size for the student; a
 * validation split (the last trials, held out); mini-batches drawn without replacement, one seeded
 * permutation of the training trials per epoch. The loss is the usual `½ mean (y − y*)²` on
 * readout outputs; every cell parameter and the readout are trained.
 *
 * The arrays arrive already loaded (`DataArrays`; io/train-data.ts reads them from .npy, .npz or
 * safetensors files), so this layer stays free of file formats.
 */
import type { Task } from './types.js';
import type { Batch } from '../batch.js';
import type { CellKind, Model, ActivationName } from '../../models/types.js';
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
}

/** A data task with its validation batch (null without a split). */
export interface DataTask extends Task {
  readonly validation: Batch | null;
}

function slice(a: Float64Array, rowWidth: number, from: number, to: number): Float64Array {
  return a.slice(from * rowWidth, to * rowWidth);
}

/**
 * Builds the data task. Throws InputError naming the field for inconsistent arrays (targets whose
 * B or T differ from the inputs', no targets and no teacher, a teacher whose input size differs),
 * an empty training split or a batch size larger than it. Cost O(B·T·(D + O)) plus one teacher
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
  const student = randomModel(spec, `data-student:${seed}`, { gain: opts.studentGain ?? 0.9 });
  const Xtr = slice(X, T * D, 0, nTrain), Ytr = slice(Y, T * O, 0, nTrain);
  const validation: Batch | null = nVal > 0 ? { B: nVal, T, X: slice(X, T * D, nTrain, B), Y: slice(Y, T * O, nTrain, B) } : null;
  const trainable = new Uint8Array(student.layout.size).fill(1);
  const task: DataTask = {
    name: 'data',
    student,
    ...(arrays.teacher ? { teacher: arrays.teacher } : {}),
    B: nTrain,
    T,
    X: Xtr,
    Y: Ytr,
    target: 'output',
    trainable,
    validation,
  };
  if (bs !== null && bs < nTrain) {
    const perEpoch = Math.floor(nTrain / bs);
    let permEpoch = -1;
    let perm: number[] = [];
    task.batchAt = (step: number): Batch => {
      const epoch = Math.floor(step / perEpoch);
      if (epoch !== permEpoch) {
        const rng = createRng(`data-batches:${seed}:${epoch}`);
        perm = Array.from({ length: nTrain }, (_, i) => i);
        for (let i = nTrain - 1; i > 0; i--) {
          const j = Math.floor(rng.uniform() * (i + 1));
          [perm[i], perm[j]] = [perm[j]!, perm[i]!];
        }
        permEpoch = epoch;
      }
      const k0 = (step % perEpoch) * bs;
      const Xb = new Float64Array(bs * T * D), Yb = new Float64Array(bs * T * O);
      for (let i = 0; i < bs; i++) {
        const b = perm[k0 + i]!;
        Xb.set(Xtr.subarray(b * T * D, (b + 1) * T * D), i * T * D);
        Yb.set(Ytr.subarray(b * T * O, (b + 1) * T * O), i * T * O);
      }
      return { B: bs, T, X: Xb, Y: Yb };
    };
  }
  return task;
}

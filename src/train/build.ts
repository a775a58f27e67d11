/** Builds a run's task and optimizer from a parsed config. */
import type { TrainConfig } from './config.js';
import type { Task } from './tasks/types.js';
import type { Optimizer } from './optimizers/types.js';
import type { NatGradOptimizer } from './optimizers/natgrad.js';
import { pitchforkTask } from './tasks/pitchfork.js';
import { templateTask } from './tasks/template.js';
import { flipFlopTask } from './tasks/flipflop.js';
import { dataTask, type DataArrays } from './tasks/data.js';
import { InputError } from '../errors.js';
import { runMemoryProblem } from './memory.js';
import { createLayout, stateSize } from '../models/index.js';
import { saddleNodeTask } from './tasks/saddle-node.js';
import { hopfTask } from './tasks/hopf.js';
import { sgd } from './optimizers/sgd.js';
import { adam } from './optimizers/adam.js';
import { lowRankNaturalGradient } from './optimizers/natgrad.js';
import { gaussNewton } from './optimizers/gauss-newton.js';
import { clipGradNorm } from './optimizers/clip.js';

/**
 * The task of a config (deterministic in `config.seed`); the `data` task needs its arrays loaded
 * (`data`, from io/train-data.ts `loadTaskData`). Cost: the task's construction.
 */
export function buildTask(config: TrainConfig, data?: DataArrays): Task {
  const t = config.task;
  const seed = config.seed;
  switch (t.name) {
    case 'pitchfork':
      return pitchforkTask({ seed, hiddenSize: t.hiddenSize, T: t.T, B: t.B, pulseProbability: t.pulseProbability, teacherGain: t.teacherGain, outlier: t.outlier, inputGain: t.inputGain, studentGain: t.studentGain, trainBias: t.trainBias });
    case 'saddle-node':
      return saddleNodeTask({ seed, hiddenSize: t.hiddenSize, T: t.T, B: t.B, pulseProbability: t.pulseProbability, teacherGain: t.teacherGain, outlier: t.outlier, inputGain: t.inputGain, studentGain: t.studentGain, bias: t.bias, foldMargin: t.foldMargin });
    case 'hopf':
      return hopfTask({ seed, hiddenSize: t.hiddenSize, T: t.T, B: t.B, pulseProbability: t.pulseProbability, alpha: t.alpha, gain: t.gain, rho: t.rho, angle: t.angle, inputGain: t.inputGain, studentRadial: t.studentRadial });
    case 'template':
      return templateTask({ seed, hiddenSize: t.hiddenSize, inputSize: t.inputSize, T: t.T, B: t.B, teacherGain: t.teacherGain, studentGain: t.studentGain, resample: t.resample, ...(t.inputRank !== null ? { inputRank: t.inputRank } : {}) });
    case 'flipflop':
      return flipFlopTask({ seed, bits: t.bits, hiddenSize: t.hiddenSize, T: t.T, B: t.B, pulseProbability: t.pulseProbability, studentGain: t.studentGain, resample: t.resample });
    case 'data': {
      if (!data) throw new InputError("the data task needs its arrays: load them with loadTaskData (src/io/train-data.ts) and pass them as 'taskData' (sntk train does this)");
      const task = dataTask(data, {
        seed,
        cell: t.cell,
        activation: t.activation,
        hiddenSize: t.hiddenSize,
        numLayers: t.numLayers,
        bias: t.bias,
        batchSize: t.batchSize,
        validation: t.validation,
        studentGain: t.studentGain,
        ...(t.alpha !== null ? { alpha: t.alpha } : {}),
        // the run's memory, as the config check does for the built-in tasks, once the sizes are
        // known: N is the cell's full state ([h; c] per LSTM layer, every layer of a stacked cell)
        checkSizes: (spec, trainTrials, T) => {
          const layout = createLayout(spec);
          const o = config.optimizer;
          const mem = runMemoryProblem({
            N: stateSize(spec), D: spec.inputSize, O: spec.outputSize, cellSize: layout.cellSize, size: layout.size, trainable: layout.size,
            B: t.batchSize ?? trainTrials, T,
            optimizer: { kind: o.kind, k: o.k, damping: o.damping, fisherTrials: o.fisherTrials },
            monitor: config.monitor,
          });
          if (mem) throw new InputError(`task: ${mem}`);
        },
      });
      if (config.initialParams && config.initialParams.length !== task.student.params.length) {
        throw new InputError(`config.initialParams: has length ${config.initialParams.length}, the data task's ${t.cell} model has ${task.student.params.length} parameters`);
      }
      return task;
    }
  }
}

/** The optimizer of a config; `natgrad` is the inner natural-gradient optimizer (for `setActive`), when there is one. */
export function buildOptimizer(config: TrainConfig): { optimizer: Optimizer; natgrad: NatGradOptimizer | null } {
  const o = config.optimizer;
  let opt: Optimizer;
  let ng: NatGradOptimizer | null = null;
  switch (o.kind) {
    case 'sgd':
      opt = sgd({ learningRate: o.learningRate, momentum: o.momentum });
      break;
    case 'adam':
      opt = adam({ learningRate: o.learningRate, beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon });
      break;
    case 'natgrad':
      ng = lowRankNaturalGradient({ learningRate: o.learningRate, k: o.k, damping: o.damping, dampingFloor: o.dampingFloor, warmup: o.warmup, seed: config.seed, adaptive: o.adaptive, momentum: o.momentum });
      opt = ng;
      break;
    case 'gauss-newton':
      opt = gaussNewton({ learningRate: o.learningRate, damping: o.damping as number });
      break;
  }
  if (o.clipNorm !== null) opt = clipGradNorm(opt, o.clipNorm);
  return { optimizer: opt, natgrad: ng };
}

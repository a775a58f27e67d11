/**
 * The training-run config (zod v4). Every field has a default and a doc string; unknown fields
 * are rejected by name; learning rates must be positive; sizes are cross-checked (input rank vs
 * input size, subspace size vs trainable parameters, initial parameter vector length) — all
 * before any work starts. `parseTrainConfig` throws InputError with `config.<path>: <problem>` lines.
 */
import { z } from 'zod';
import { InputError } from '../errors.js';
import { runMemoryProblem } from './memory.js';

const posInt = (d: number, doc: string) => z.number().int().positive().default(d).describe(doc);
const prob = (d: number, doc: string) => z.number().min(0).max(1).default(d).describe(doc);

/** The pitchfork flip-flop student–teacher task (docs/theory.md §11). */
export const PitchforkTaskSchema = z
  .strictObject({
    name: z.literal('pitchfork').describe('Task name.'),
    hiddenSize: z.number().int().min(2).default(16).describe('Hidden size N of student and teacher.'),
    T: z.number().int().min(5).default(60).describe('Trial length (time steps).'),
    B: posInt(32, 'Number of fixed trials (full batch).'),
    pulseProbability: prob(0.05, 'Probability of a ±1 input pulse per step.'),
    teacherGain: z.number().positive().default(0.5).describe('Teacher W* = teacherGain·Q + outlier·u uᵀ.'),
    outlier: z.number().positive().default(1.5).describe('Rank-one outlier strength of the teacher.'),
    inputGain: z.number().positive().default(1.5).describe('Teacher U* = inputGain·√N·u (copied to the student).'),
    studentGain: z.number().positive().default(0.4).describe('Student W = studentGain·Q′.'),
    trainBias: z.boolean().default(true).describe('Train the bias b (false freezes b = 0).'),
  })
  .describe('Pitchfork flip-flop student–teacher (N=16, D=1, O=1, T=60, B=32; trains W, U, b).');

/** The saddle-node (latch) student–teacher task (tasks/saddle-node.ts). */
export const SaddleNodeTaskSchema = z
  .strictObject({
    name: z.literal('saddle-node').describe('Task name.'),
    hiddenSize: z.number().int().min(2).default(16).describe('Hidden size N of student and teacher.'),
    T: z.number().int().min(5).default(60).describe('Trial length (time steps).'),
    B: posInt(32, 'Number of fixed trials (full batch).'),
    pulseProbability: prob(0.05, 'Probability of a ±1 input pulse per step.'),
    teacherGain: z.number().positive().default(0.5).describe('Teacher W* = teacherGain·Q + outlier·u uᵀ.'),
    outlier: z.number().positive().default(2).describe("Teacher feedback gain a* along u (W* = teacherGain·Q + a*·u uᵀ): the latch's strength."),
    inputGain: z.number().positive().default(1.5).describe('Teacher U* = inputGain·√N·u (copied to the student).'),
    studentGain: z.number().positive().default(0.4).describe('Student W = studentGain·Q′.'),
    bias: z.number().finite().default(0.3).describe('Bias b* = bias·u of teacher and student (frozen): breaks the odd symmetry.'),
    foldMargin: z.number().positive().default(0.3).describe("The student's feedback gain along u sits this far below the fold of its family (monostable, near the fold)."),
  })
  .describe('Saddle-node latch student–teacher (a biased latch teacher; the student sits below its fold; trains W, U).');

/** The Hopf student–teacher task (tasks/hopf.ts). */
export const HopfTaskSchema = z
  .strictObject({
    name: z.literal('hopf').describe('Task name.'),
    hiddenSize: z.number().int().min(2).default(16).describe('Hidden size N of student and teacher.'),
    T: z.number().int().min(5).default(60).describe('Trial length (time steps).'),
    B: posInt(32, 'Number of fixed trials (full batch).'),
    pulseProbability: prob(0.02, 'Probability of a ±1 input pulse per step (one is forced in the first 5).'),
    alpha: z.number().gt(0).max(1).default(0.2).describe('Euler step α = Δt/τ of the leaky cell.'),
    gain: z.number().positive().default(0.3).describe('Bulk gain g of teacher and student W.'),
    rho: z.number().positive().default(1.6).describe("Rotation strength ρ of the teacher's (u, v) block."),
    angle: z.number().default(Math.PI / 4).describe("Rotation angle ϑ of the teacher's (u, v) block (ρ cos ϑ > 1)."),
    inputGain: z.number().positive().default(0.5).describe('Teacher U* = inputGain·√N·u (copied to the student).'),
    studentRadial: z.number().min(0).default(0.55).describe("Student's radial gain on the teacher's rotation plane, at the teacher's frequency (< 1: a decaying oscillation, quiescent origin)."),
  })
  .describe('Hopf student–teacher: a leaky (flow-form) RNN learns a teacher oscillation from a quiescent start (trains W, U; b = 0 frozen).');

/** The authors' student–teacher template. */
export const TemplateTaskSchema = z
  .strictObject({
    name: z.literal('template').describe('Task name.'),
    hiddenSize: posInt(64, 'Hidden size N.'),
    inputSize: posInt(16, 'Input size D.'),
    T: posInt(40, 'Trial length.'),
    B: posInt(128, 'Batch size (fresh inputs every step).'),
    teacherGain: z.number().positive().default(1.2).describe('Teacher recurrent gain.'),
    studentGain: z.number().positive().default(0.4).describe('Student recurrent gain.'),
    inputRank: z.number().int().positive().nullable().default(null).describe('Input rank (null: 4 + seed mod 3).'),
    resample: z.boolean().default(true).describe('Fresh batch every step.'),
  })
  .describe('Student–teacher template after the authors\' code (hidden-state loss).');

/** Multi-bit flip-flop memory task. */
export const FlipFlopTaskSchema = z
  .strictObject({
    name: z.literal('flipflop').describe('Task name.'),
    bits: posInt(3, 'Number of bits K (inputs = outputs = K).'),
    hiddenSize: posInt(32, 'Hidden size N.'),
    T: posInt(50, 'Trial length.'),
    B: posInt(32, 'Number of trials.'),
    pulseProbability: prob(0.05, 'Pulse probability per step and bit.'),
    studentGain: z.number().positive().default(0.9).describe('Initial recurrent gain.'),
    resample: z.boolean().default(false).describe('Fresh trials every step.'),
  })
  .describe('Multi-bit flip-flop memory task (all parameters trained).');

/** Your own data (src/train/tasks/data.ts; files read by src/io/train-data.ts). */
export const DataTaskSchema = z
  .strictObject({
    name: z.literal('data').describe('Task name.'),
    file: z.string().min(1).nullable().default(null).describe('A .npz or .safetensors file holding the named arrays (relative paths: from the config file).'),
    inputs: z.string().min(1).default('inputs').describe('Inputs B×T×D: an array name in `file`, or a .npy/.npz/.safetensors path (its only array).'),
    targets: z.string().min(1).nullable().default('targets').describe('Targets B×T×O: an array name in `file` or a file path; null with a teacher.'),
    teacher: z.string().min(1).nullable().default(null).describe('A model file (.json/.safetensors, with a readout) whose outputs on the inputs are the targets.'),
    mask: z.string().min(1).nullable().default(null).describe("Loss mask B×T or B×T×O of 0/1 (0: the target entry is left out of the loss; the loss is the mean over the kept entries): an array name in `file` or a file path; null: the array named 'mask' in `file` when there is one."),
    cell: z.enum(['vanilla', 'leaky', 'rate', 'gru', 'torch-rnn', 'torch-gru', 'torch-lstm']).default('vanilla').describe('Student cell.'),
    activation: z.enum(['tanh', 'relu', 'identity', 'softplus']).default('tanh').describe('Student activation (PyTorch GRU/LSTM: tanh).'),
    hiddenSize: posInt(32, 'Student hidden size.'),
    numLayers: posInt(1, 'Layers (PyTorch cells).'),
    bias: z.boolean().default(true).describe('Biases (false only for PyTorch cells).'),
    alpha: z.number().positive().max(1).nullable().default(null).describe('Euler step of leaky/rate cells (null: default).'),
    batchSize: z.number().int().positive().nullable().default(null).describe('Trials per step (null: all training trials).'),
    validation: z.number().min(0).max(0.5).default(0).describe('Fraction of trials (the last ones) held out for validation.'),
    studentGain: z.number().positive().default(0.9).describe('Initial recurrent gain of the student.'),
  })
  .describe('Your own inputs and targets (or a teacher model) from .npy/.npz/safetensors files.');

/** Task config (discriminated by `name`). */
export const TaskSchema = z
  .discriminatedUnion('name', [PitchforkTaskSchema, SaddleNodeTaskSchema, HopfTaskSchema, TemplateTaskSchema, FlipFlopTaskSchema, DataTaskSchema])
  .prefault({ name: 'pitchfork' })
  .describe('The training task.');

/** Optimizer config. */
export const OptimizerSchema = z
  .strictObject({
    kind: z.enum(['sgd', 'adam', 'natgrad', 'gauss-newton']).default('sgd').describe('Optimizer: sgd (momentum), adam, natgrad (low-rank natural gradient), gauss-newton (full reference, small problems).'),
    learningRate: z.number().positive().finite().default(0.1).describe('Learning rate η (> 0).'),
    momentum: z.number().min(0).lt(1).default(0).describe('Heavy-ball momentum (sgd, natgrad).'),
    beta1: z.number().min(0).lt(1).default(0.9).describe('Adam β1.'),
    beta2: z.number().min(0).lt(1).default(0.999).describe('Adam β2.'),
    epsilon: z.number().positive().default(1e-8).describe('Adam ε.'),
    k: z.number().int().positive().default(2).describe('natgrad: number of damped Fisher directions.'),
    damping: z.union([z.literal('next'), z.number().positive()]).default('next').describe("natgrad: 'next' (λ̄ = Λ_{k+1}) or a fixed damping; gauss-newton needs a number."),
    dampingFloor: z.number().min(0).default(1e-3).describe('natgrad: λ̄ ≥ dampingFloor·Λ_1.'),
    warmup: z.number().int().min(0).default(5).describe('natgrad: extra subspace iterations at the first step.'),
    adaptive: z.boolean().default(false).describe('natgrad: start with the correction off until the monitor switches it on.'),
    fisherTrials: z.number().int().positive().nullable().default(null).describe('natgrad: trials carried for the Fisher subspace, a block rotating with the step (null: all; fewer is cheaper, noisier).'),
    clipNorm: z.number().positive().nullable().default(null).describe('Gradient-norm clipping threshold (null: none).'),
  })
  .prefault({})
  .describe('The optimizer.');

/** The sNTK monitor (src/train/monitor), run at every `monitorEvery`-th step by `sntk train`. */
export const MonitorSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run the sNTK monitor (sntk train; the library trainRun takes any onStep callback).'),
    trials: z.number().int().positive().nullable().default(null).describe('Trials (the first n of the batch) the monitored sNTK is taken over (null: all). Fewer is cheaper: the dense cost grows as trials·T·N·p².'),
    kernel: z.enum(['auto', 'dense', 'operator']).default('auto').describe("sNTK statistics: 'dense' (exact), 'operator' (matrix-free, PR with a standard error), 'auto' (dense when trials·T·N·p² ≤ denseFlops)."),
    denseFlops: z.number().positive().default(1e10).describe("Largest trials·T·N·p² for which 'auto' picks the dense route."),
    top: posInt(10, 'Top sNTK eigenvalues recorded per monitored step (eigenvalues.jsonl).'),
    probes: posInt(64, 'Operator route: Hutchinson probes for the Frobenius norm.'),
    collapseFactor: z.number().gt(1).default(4).describe('Rank collapse: the state-space PR has fallen by this factor from its initial value (switches an adaptive natgrad on).'),
    spikeFactor: z.number().positive().default(0.5).describe('Loss spike: the loss rose by more than this fraction between consecutive monitored steps.'),
    continuation: z.boolean().default(true).describe('Detect bifurcations at zero input by continuation between consecutive monitored steps.'),
    fixedPointStarts: posInt(16, 'Random starts of the fixed-point search at zero input (besides trajectory samples and the origin).'),
  })
  .prefault({})
  .describe('The sNTK monitor.');

/** The whole run config. */
export const TrainConfigSchema = z
  .strictObject({
    seed: z.number().int().min(0).default(0).describe('Seed of the task (teacher, student, inputs) and of all random draws.'),
    steps: posInt(80, 'Number of optimizer steps.'),
    task: TaskSchema,
    optimizer: OptimizerSchema,
    checkpointEvery: posInt(10, 'Write a checkpoint every this many steps (and at the end).'),
    monitorEvery: posInt(1, 'Call the monitor (onStep extras) every this many steps; metrics rows are written at these steps.'),
    initialParams: z.array(z.number()).nullable().default(null).describe('Optional initial flat student parameters (cell then readout); length must match the model.'),
    monitor: MonitorSchema,
  })
  .superRefine((c, ctx) => {
    const t = c.task;
    let N: number, D: number, O: number, trainable: number;
    if (t.name === 'data') {
      // sizes come from the data files: checked when the task is built (src/train/tasks/data.ts)
      if (t.targets === null && t.teacher === null) ctx.addIssue({ code: 'custom', path: ['task', 'targets'], message: 'null needs task.teacher (a model file giving the targets)' });
      return;
    }
    if (t.name === 'pitchfork') {
      N = t.hiddenSize; D = 1; O = 1; trainable = N * N + N + (t.trainBias ? N : 0);
    } else if (t.name === 'saddle-node') {
      N = t.hiddenSize; D = 1; O = 1; trainable = N * N + N;
    } else if (t.name === 'hopf') {
      N = t.hiddenSize; D = 1; O = 1; trainable = N * N + N;
    } else if (t.name === 'template') {
      N = t.hiddenSize; D = t.inputSize; O = 0; trainable = N * N + N * D + N;
      if (t.inputRank !== null && t.inputRank > D) ctx.addIssue({ code: 'custom', path: ['task', 'inputRank'], message: `input rank ${t.inputRank} exceeds task.inputSize ${D}` });
      // the default rank 4 + seed mod 3 (src/train/tasks/template.ts) must fit too
      const rank = 4 + (c.seed % 3);
      if (t.inputRank === null && rank > D) ctx.addIssue({ code: 'custom', path: ['task', 'inputSize'], message: `${D} is below the default input rank ${rank} (4 + seed mod 3); set task.inputRank ≤ ${D} or task.inputSize ≥ ${rank}` });
    } else {
      N = t.hiddenSize; D = t.bits; O = t.bits; trainable = N * N + N * D + N + O * N + O;
    }
    const size = N * N + N * D + N + (O > 0 ? O * N + O : 0);
    if (c.initialParams !== null && c.initialParams.length !== size) {
      ctx.addIssue({ code: 'custom', path: ['initialParams'], message: `has length ${c.initialParams.length}, the ${t.name} model (N=${N}, D=${D}, O=${O}) has ${size} parameters` });
    }
    const o = c.optimizer;
    const B = t.B;
    if (c.monitor.trials !== null && c.monitor.trials > B) ctx.addIssue({ code: 'custom', path: ['monitor', 'trials'], message: `${c.monitor.trials} exceeds the task's batch size task.B = ${B}` });
    if (o.fisherTrials !== null && o.fisherTrials > B) ctx.addIssue({ code: 'custom', path: ['optimizer', 'fisherTrials'], message: `${o.fisherTrials} exceeds the task's batch size task.B = ${B}` });
    if (o.kind === 'natgrad') {
      const m = o.damping === 'next' ? o.k + 1 : o.k;
      if (m > trainable) ctx.addIssue({ code: 'custom', path: ['optimizer', 'k'], message: `needs ${m} subspace vectors but the task has only ${trainable} trainable parameters` });
    }
    if (o.kind === 'gauss-newton' && o.damping === 'next') {
      ctx.addIssue({ code: 'custom', path: ['optimizer', 'damping'], message: "gauss-newton needs a fixed positive damping, not 'next'" });
    }
    const mem = runMemoryProblem({
      N, D, O, cellSize: N * N + N * D + N, size, trainable, B, T: t.T,
      optimizer: { kind: o.kind, k: o.k, damping: o.damping, fisherTrials: o.fisherTrials },
      monitor: c.monitor,
    });
    if (mem) ctx.addIssue({ code: 'custom', path: ['task'], message: mem });
  })
  .describe('A training run.');

/** A parsed run config (all defaults filled). */
export type TrainConfig = z.output<typeof TrainConfigSchema>;
/** What a user may write (every field optional). */
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;

/**
 * Validates and fills defaults; throws InputError with one line: the first failing field and its
 * problem, plus how many more problems there are. Cost O(size of config).
 *
 * @param input - a training config as parsed JSON (task, optimizer, steps, seed, monitor).
 * @returns the validated config with every default filled in.
 * @throws {@link sntk!InputError} naming every bad field, or a run whose estimated memory exceeds the budget.
 */
export function parseTrainConfig(input: unknown): TrainConfig {
  const r = TrainConfigSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = ['config', ...i.path.map(String)].join('.');
    if (i.code === 'unrecognized_keys') return `${path}: unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
    if (i.code === 'invalid_union' && i.path.length === 1 && i.path[0] === 'task') return `${path}: unknown task name (expected 'pitchfork', 'template' or 'flipflop')`;
    return `${path}: ${i.message}`;
  });
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? 's' : ''})` : '';
  throw new InputError(`invalid training config: ${lines[0]}${more}`);
}

/**
 * sntk — the state-space NTK of recurrent networks near bifurcations.
 *
 * The main entry (`import … from 'sntk'`) exports, by name, what an analysis or a training run
 * needs, grouped by layer (docs/theory.md §1 describes the layering). It loads no plotting code.
 * The building blocks behind it are importable through documented subpaths:
 *
 * | subpath | contents |
 * |---|---|
 * | `sntk/linalg` | dense float64 matrices, decompositions, backends, Lanczos / Hutch++ estimators |
 * | `sntk/operators` | the `LinearOperator` algebra (compose, transpose, sum, densify) |
 * | `sntk/io` | `.npy`, safetensors and model-file readers and writers |
 * | `sntk/train` | tasks, losses, optimizers, the fused sweep and the monitor, for custom loops |
 * | `sntk/report` | plot specs, SVG/PNG rendering and the HTML report (loads vega and resvg) |
 *
 * @module sntk
 */

// ── errors: every failure is one of these typed errors, each naming the problem ──
export {
  SntkError,
  ShapeError,
  NonFiniteError,
  ConvergenceError,
  SingularMatrixError,
  MemoryBudgetError,
  InputError,
  UsageError,
  assertFinite,
} from './errors.js';

// ── linalg: the matrix type, seeded randomness and the compute backend ──
export type { Matrix, Rng, LinalgBackend } from './linalg/index.js';
export { matrix, zeros, identity, fromRows, toRows, createRng, getBackend, setBackend, availableBackends } from './linalg/index.js';
export { tryRegisterNativeBackend, nativeBackendStatus, setNativeThreads } from './linalg/native.js';

// ── operators: the matrix-free operator type returned by the sNTK engine ──
export type { LinearOperator } from './operators/index.js';
export { densify } from './operators/index.js';

// ── models: cells, parameter layout, rollouts and the Jacobian sweeps through time (docs/theory.md §2) ──
export type {
  ModelSpec,
  SpecInput,
  CellKind,
  ActivationName,
  Activation,
  Cell,
  Model,
  Trajectory,
  ParamBlock,
  ParamLayout,
  WeightSite,
  RandomModelOptions,
  RolloutOptions,
  TrajectoryVjpOptions,
  MseResult,
  FlowField,
  StepCache,
} from './models/index.js';
export {
  defineSpec,
  validateSpec,
  CELL_KINDS,
  DEFAULT_ALPHA,
  ACTIVATION_NAMES,
  getActivation,
  createCell,
  createModel,
  randomModel,
  withParams,
  createLayout,
  paramBlock,
  paramView,
  rollout,
  trajectoryJvp,
  trajectoryVjp,
  readout,
  mseLoss,
  flowField,
  hasFlow,
} from './models/index.js';

// ── sntk: the kernel P K Pᵀ, dense and matrix-free, fixed-point sNTK, diagnostics (docs/theory.md §3–§5) ──
export type {
  SntkShape,
  SntkSpectrum,
  FixedPointSntk,
  KernelDiagnostics,
  KernelDiagnosticsOptions,
  AnalyzeOptions,
  KernelAnalysis,
  KernelStandardErrors,
  SpectrumInput,
  DenseMethod,
  SntkForm,
} from './sntk/index.js';
export {
  analyzeSntk,
  sntkOperator,
  jacobianOperator,
  propagatorOperator,
  coreKernelOperator,
  outputNtkOperator,
  fisherOperator,
  denseSntk,
  denseJacobian,
  denseCoreKernel,
  sntkSpectrum,
  sntkShape,
  fixedPointSntk,
  kernelDiagnostics,
  participationRatio,
  entropyEffectiveRank,
  rankForVariance,
  kernelTrace,
  kernelAlignment,
  targetAlignment,
  spaceReduction,
  timeReduction,
  memoryBudget,
  parseBytes,
} from './sntk/index.js';
export type { PhaseTiming, PhaseProfile } from './sntk/profile.js';
export type { SntkSpectrumOptions } from './sntk/dense.js';

// ── dynamics: fixed points, spectra, continuation, bifurcations and normal forms (docs/theory.md §6–§7) ──
export type {
  Complex,
  TimeKind,
  ParamSystem,
  FixedPointOptions,
  FixedPoint,
  FixedPointReport,
  Cycle,
  Stability,
  SpectrumInfo,
  EigenPair,
  HopfCoefficients,
  RealCriticalCoefficients,
  BifurcationType,
  BranchPoint,
  BifurcationEvent,
  ContinuationOptions,
  ContinuationResult,
  BranchSwitchOptions,
  BranchSwitch,
  SwitchedBranch,
  ParameterPath,
  ModelSystemOptions,
  Criticality,
  CVec,
  SwitchedPoint,
  SlowPoint,
  NewtonOptions,
  NewtonResult,
} from './dynamics/index.js';
export {
  modelSystem,
  findFixedPoints,
  findCycles,
  solveFixedPoint,
  spectrumOf,
  eigenPair,
  realCriticalCoefficients,
  hopfCoefficients,
  periodDoublingCoefficient,
  neimarkSackerCoefficient,
  continueBranch,
  continueNewBranches,
  switchBranch,
  linePath,
  directionPath,
  piecewisePath,
  constantPath,
  pathSystem,
} from './dynamics/index.js';

// ── channels: the bifurcation channel, normal-form predictions, restricted scans (docs/theory.md §8–§9) ──
export type {
  ChannelOptions,
  ChannelDecomposition,
  TrajectoryChannel,
  NearestBifurcation,
  NormalFormPrediction,
  CycleAmplitude,
  DominantDirection,
  PowerLawFit,
  CriticalFit,
  ScanOptions,
  Scan,
  ScanPrediction,
  ScanAnalysis,
  Degeneracy,
  ClassifyOptions,
  CycleOptions,
} from './channels/index.js';
export {
  channelDecomposition,
  channelMode,
  trajectoryChannel,
  temporalAmplification,
  temporalAmplificationCap,
  classifyNearest,
  saddleNodePrediction,
  transcriticalPrediction,
  pitchforkPrediction,
  hopfPrediction,
  periodDoublingPrediction,
  cycleAmplitude,
  dominantDirection,
  scanDirection,
  analyzeScan,
  predictAlongDirection,
  fitPowerLaw,
  fitCritical,
} from './channels/index.js';
export type { CriticalPointVerdict } from './channels/fit.js';
export type { TrajectoryChannelOptions } from './channels/temporal.js';

// ── train: configs, tasks, optimizers incl. the low-rank natural gradient, runs (docs/theory.md §10–§11) ──
export type {
  TrainConfig,
  TrainConfigInput,
  Task,
  Optimizer,
  NatGradOptions,
  TrainingSession,
  TrainingSessionOptions,
  TrainRunOptions,
  TrainResult,
  TrainSummary,
  MetricsRow,
  DemoOptions,
  DemoResult,
  DemoSeedResult,
  DemoChecks,
  DemoExperiment,
  DemoCriterion,
  DemoBifurcation,
  DemoRunOutcome,
  CrossingFigures,
  VariantThresholds,
  StepCostRatio,
} from './train/index.js';
export {
  parseTrainConfig,
  buildTask,
  buildOptimizer,
  sgd,
  adam,
  lowRankNaturalGradient,
  createTrainingSession,
  trainRun,
  createMonitor,
  monitorKernel,
  zeroInputAnalysis,
  runDemo,
  demoConfigs,
  demoChecks,
  formatDemoChecks,
  DEMO_RUNS,
  PITCHFORK_EXPERIMENT,
  PITCHFORK_CRITERIA,
  DEMO_BIFURCATIONS,
  demoExperiment,
  variantChecks,
  variantThresholds,
  variantOutcome,
  crossingFigures,
  stepCostRatio,
} from './train/index.js';

// ── io: model files (JSON, safetensors, PyTorch nn.RNN) and inputs (.npy, JSON) ──
export type { ModelData, ModelFileFormat, ReadModelOptions, WriteModelOptions, InputsArray, NdArray } from './io/index.js';
export { readModelFile, writeModelFile, readInputsFile, readNpyFile, writeNpyFile, readSafetensorsFile, modelToJson } from './io/index.js';

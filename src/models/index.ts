/**
 * Public surface of the models layer: activations, parameter layout, cells (vanilla, leaky, rate,
 * GRU, and PyTorch's RNN/GRU/LSTM with stacked layers) with exact derivatives, models, rollouts and the Jacobian sweeps through time, readout and
 * MSE loss, and the continuous-time vector fields of leaky and rate cells.
 */
export type * from './types.js';
export {
  getActivation,
  sigmoid,
  ACTIVATION_NAMES,
  tanhActivation,
  reluActivation,
  identityActivation,
  softplusActivation,
  sigmoidActivation,
} from './activations.js';
export { createLayout, paramBlock, paramView, torchLayerKind, parameterLayout, PARAMETER_CONVENTIONS } from './layout.js';
export type { ParameterLayout, ParameterLayoutBlock } from './layout.js';
export {
  defineSpec,
  validateSpec,
  CELL_KINDS,
  TORCH_CELL_KINDS,
  DEFAULT_ALPHA,
  isTorchCell,
  layerCount,
  layerStateSize,
  stateSize,
  readoutSlice,
} from './spec.js';
export { TorchLayerCell, torchLayerSize, gateCount } from './cell-torch.js';
export type { TorchLayerKind, TorchLayerCache, LayerCell, TorchLayerOptions } from './cell-torch.js';
export { StackedCell } from './cell-stacked.js';
export type { StackedCache } from './cell-stacked.js';
export type { SpecInput } from './spec.js';
export { createCell } from './cells.js';
export { LeakyCell } from './cell-leaky.js';
export type { LeakyCache } from './cell-leaky.js';
export { RateCell } from './cell-rate.js';
export type { RateCache } from './cell-rate.js';
export { GruCell } from './cell-gru.js';
export type { GruCache } from './cell-gru.js';
export { createModel, withParams, randomModel } from './model.js';
export type { RandomModelOptions } from './model.js';
export {
  rollout,
  trajectoryJvp,
  trajectoryVjp,
  trajectoryJvpBlock,
  trajectoryVjpBlock,
  preferBlockSweep,
} from './rollout.js';
export type { RolloutOptions, TrajectoryVjpOptions, BlockSweepOptions, BlockSweepMethod } from './rollout.js';
export { hasBlockSweep, stackSites, jvpBlockSweep, vjpBlockSweep, SweepWorkspace } from './block-sweep.js';
export type { StackedSite, SweepRecurrence } from './block-sweep.js';
export { prepareOutputSweep, sweepSites, rolloutForSweeps, sweepPredictions, restrictTrials, outputJvpBlock, outputVjpBlock } from './output-sweep.js';
export type { OutputSweep, PredictionTarget } from './output-sweep.js';
export { readout, mseLoss } from './readout.js';
export type { MseResult } from './readout.js';
export { flowField, hasFlow } from './flow.js';
export type { FlowField } from './flow.js';
export { MODEL_FORMAT, modelDocumentText } from './document.js';

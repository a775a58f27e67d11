/**
 * Public surface of the training layer: tasks, losses, optimizers, fused sweep, runs.
 *
 * @module sntk/train
 */
export * from './batch.js';
export * from './sweep.js';
export * from './optimizers/index.js';
export * from './tasks/index.js';
export * from './config.js';
export * from './build.js';
export * from './checkpoint.js';
export * from './session.js';
export * from './run.js';
export * from './loss.js';
export * from './monitor/index.js';
export * from './demo.js';
export * from './demo-checks.js';
export * from './demo-variants.js';
export * from './demo-crossing.js';
export * from './cost.js';
export type { GramRoute } from '../sntk/gram.js';

/** Optimizers of the training layer. */
export * from './types.js';
export * from './sgd.js';
export * from './adam.js';
export * from './clip.js';
export * from './natgrad.js';
export * from './gauss-newton.js';

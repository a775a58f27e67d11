/** Public surface of the dynamics layer: fixed points, spectra, continuation, bifurcations. */
export * from './system.js';
export * from './newton.js';
export * from './fixed-points.js';
export * from './spectrum.js';
export * from './normal-form.js';
export * from './classify.js';
export * from './test-functions.js';
export * from './continuation.js';
export * from './branch-switch.js';
export type { CVec, Complex } from './cvec.js';
export * from './path.js';
export * from './model-system.js';

/**
 * Public surface of the channels layer: the bifurcation channel of the sNTK at fixed points and on
 * trajectories, normal-form predictions, the dominant parameter direction and landscape scans.
 */
export * from './mode.js';
export * from './decomposition.js';
export * from './temporal.js';
export * from './normal-forms.js';
export * from './cycle.js';
export * from './direction.js';
export * from './fit.js';
export * from './scan.js';
export * from './eigen-gradient.js';

/**
 * Public surface of the channels layer: the bifurcation channel of the sNTK at fixed points and on
 * trajectories, normal-form predictions, the dominant parameter direction and landscape scans.
 */
export * from './mode.js';
export * from './decomposition.js';

/** Training tasks. */
export * from './types.js';
export * from './common.js';
export * from './pitchfork.js';
export * from './template.js';
export * from './flipflop.js';
export * from './saddle-node.js';
export * from './hopf.js';

/** The sNTK training monitor: kernel statistics, zero-input dynamics, events, run outcomes. */
export * from './kernel.js';
export * from './fixed.js';
export * from './events.js';
export * from './core.js';
export * from './monitor.js';
export * from './outcome.js';

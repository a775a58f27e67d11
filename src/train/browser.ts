/**
 * The training layer's Node-free entry (no `node:` module reachable from here; a test walks the
 * import graph): what the browser explorer needs — the in-memory training session, the monitor
 * core, configs, tasks, optimizers, the fused sweep and the monitor's kernel, fixed-point and
 * event helpers. The file-writing parts (`trainRun`, checkpoints, `createMonitor`, run outcomes,
 * the demo) are only in `index.ts`.
 */
export * from './batch.js';
export * from './sweep.js';
export * from './optimizers/index.js';
export * from './tasks/index.js';
export * from './config.js';
export * from './build.js';
export * from './session.js';
export * from './loss.js';
export * from './cost.js';
export * from './monitor/kernel.js';
export * from './monitor/fixed.js';
export * from './monitor/events.js';
export * from './monitor/core.js';

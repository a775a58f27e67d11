/** Sweeps: many training runs across seeds, hyper-parameters, tasks and sizes (docs/sweeps.md). */
export * from './spec.js';
export * from './hash.js';
export * from './expand.js';
export * from './execute.js';
export * from './summary.js';
export * from './folder.js';
export * from './local-pool.js';
export * from './queue.js';
export { RunnerChild, RunFailedError, RunCrashedError, RunTimeoutError } from './runner.js';
export { probeRedis, checkRedisUrl } from './redis.js';

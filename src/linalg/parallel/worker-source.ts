/**
 * The source text of a GEMM worker thread (evaluated with `new Worker(src, { eval: true })`, so no
 * worker file has to be resolved under tsx, vitest or the built `dist/`). It instantiates the same
 * blocked kernel as the main thread from `createGemmKernel`'s source and runs the task lists it
 * is sent, or its share of the rows of a scaled recurrence (recurrence-kernel.ts, meeting the other
 * threads at a shared barrier after each step), or loops on the commands of a reduction session
 * (reduction-worker.ts) until it ends, signalling completion through a shared
 * `Int32Array` slot (1 busy → 2 done / 3 error).
 * Browser-safe (a plain string; nothing Node-specific is imported here).
 */
import { createGemmKernel } from '../gemm-kernel.js';
import { scaledRecurrenceRows } from '../recurrence-kernel.js';
import { tileProductAdd } from '../tile-product.js';
import { meetAtBarrier } from './barrier.js';
import { symvLowerRows } from '../symmetric-eigen.js';
import { reductionWorkerLoop } from './reduction-worker.js';

/** Worker slot states in the shared control array. */
export const SLOT_BUSY = 1;
export const SLOT_DONE = 2;
export const SLOT_ERROR = 3;

/** JavaScript source of the worker (CommonJS script). Cost: string building, O(kernel size). */
export function gemmWorkerSource(): string {
  return `'use strict';
var __name = (f) => f; // esbuild keepNames helper (tsx/vitest transforms)
const { parentPort } = require('node:worker_threads');
const kernel = (${createGemmKernel.toString()})();
${tileProductAdd.toString()}
${scaledRecurrenceRows.toString()}
${meetAtBarrier.toString()}
${symvLowerRows.toString()}
${reductionWorkerLoop.toString()}
parentPort.on('message', (job) => {
  const { ctrl, slot } = job;
  try {
    if (job.kind === 'recurrence') {
      const r = job;
      scaledRecurrenceRows(r.transpose, r.T, r.N, r.k, r.A, r.leak, r.S, r.Y, r.z, r.g, r.i0, r.i1, () => meetAtBarrier(r.sync, r.threads, r.deadline), tileProductAdd);
    } else if (job.kind === 'reduction') {
      if (!reductionWorkerLoop(job.job, kernel.gemmStrided, symvLowerRows)) throw new Error('reduction session: no command');
    } else {
      const { a, b, c, tasks } = job;
      for (const t of tasks) {
        kernel.gemmStrided(t.tA, t.tB, t.m, t.n, t.k, t.alpha, a, t.aOff, t.lda, b, t.bOff, t.ldb, t.beta, c, t.cOff, t.ldc, t.lower);
      }
    }
    Atomics.store(ctrl, slot, ${SLOT_DONE});
  } catch (e) {
    Atomics.store(ctrl, slot, ${SLOT_ERROR});
  }
  Atomics.notify(ctrl, slot);
});
parentPort.postMessage('ready');
`;
}

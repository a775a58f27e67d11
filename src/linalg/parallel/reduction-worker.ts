/**
 * The worker side of a reduction session (reduction-session.ts): while the calling thread reduces
 * a symmetric matrix to tridiagonal form (symmetric-eigen.ts), each worker loops on commands
 * published in shared memory instead of waiting for messages, so that the two products of every
 * column and panel cost a few atomic operations rather than a message round trip. Self-contained
 * (its source is sent to the workers, worker-source.ts); browser-safe.
 */
import type { GemmStridedFn } from '../gemm-kernel.js';

/** Commands in `ctl[1]`. */
export const REDUCTION_END = 0;
export const REDUCTION_SYMV = 1;
export const REDUCTION_GEMM = 2;
/** Doubles of `par` per worker: up to two GEMM tasks of 14 numbers plus a count. */
export const REDUCTION_PARAMS = 32;
/** Numbers that describe one GEMM task in `par`. */
export const REDUCTION_TASK = 14;

/** What a worker is sent when a session starts (all buffers shared). */
export interface ReductionJob {
  /** `[generation, command, done generation of worker 0, 1, …]`. */
  ctl: Int32Array;
  /** `REDUCTION_PARAMS` doubles per worker. */
  par: Float64Array;
  slot: number;
  n: number;
  /** The `n × n` matrix being reduced. */
  a: Float64Array;
  /** The symmetric product's input vector (`n`). */
  x: Float64Array;
  /** One `n`-vector per worker for its share of the product. */
  y: Float64Array;
  /** The two GEMM operands (copied in by the calling thread). */
  opA: Float64Array;
  opB: Float64Array;
  /** The loop gives up after this many milliseconds without a command (the caller is gone). */
  idleMs: number;
  /** `ctl[0]` when the job was sent: the first command is the next generation (it may be published before the worker reads this job). */
  generation: number;
}

/** `symvLowerRows`'s signature (symmetric-eigen.ts). */
export type SymvRowsFn = (a: Float64Array, n: number, i0: number, s0: number, r0: number, r1: number, x: Float64Array, y: Float64Array) => void;

/**
 * Runs commands until `REDUCTION_END` (returns true) or `idleMs` without one (returns false). A
 * symmetric-product command gives rows `r0..r1` of the trailing block at `i0` (its share, into its
 * own zeroed `y`); a GEMM command runs up to two strided products with `op A = opA`, `op B = opB`
 * and `C = a`. After each command the worker stores the generation it served in `ctl[2 + slot]`
 * and notifies. Spins briefly between commands, then sleeps in `Atomics.wait`.
 */
export function reductionWorkerLoop(job: ReductionJob, gemm: GemmStridedFn, symvRows: SymvRowsFn): boolean {
  const { ctl, par, slot, n, a, x, y, opA, opB, idleMs } = job;
  const own = y.subarray(slot * n, slot * n + n);
  let seen = job.generation;
  for (;;) {
    // spin about 2 ms before sleeping: the calling thread's serial work between two commands is
    // short, and waking a sleeping thread costs ~0.1–0.3 ms on a virtual machine
    const spinUntil = performance.now() + 2;
    let spins = 0;
    let idleSince = 0;
    while (Atomics.load(ctl, 0) === seen) {
      if (++spins % 1024 === 0 && performance.now() > spinUntil) {
        if (idleSince === 0) idleSince = performance.now();
        Atomics.wait(ctl, 0, seen, 50);
        if (performance.now() - idleSince > idleMs) return false;
      }
    }
    seen = Atomics.load(ctl, 0);
    const cmd = Atomics.load(ctl, 1);
    if (cmd === 0) return true;
    const o = slot * 32; // REDUCTION_PARAMS (a literal: this source runs alone in the worker)
    if (cmd === 1) {
      // integers travel as doubles: `| 0` gives the indexing below small-integer arithmetic
      const i0 = par[o]! | 0, s0 = par[o + 1]! | 0, r0 = par[o + 2]! | 0, r1 = par[o + 3]! | 0;
      own.fill(0, s0, r1);
      symvRows(a, n, i0, s0, r0, r1, x, own);
    } else {
      const count = par[o]! | 0;
      for (let t = 0; t < count; t++) {
        const q = o + 1 + t * 14; // REDUCTION_TASK
        gemm(par[q] === 1, par[q + 1] === 1, par[q + 2]! | 0, par[q + 3]! | 0, par[q + 4]! | 0, par[q + 5]!, opA, par[q + 6]! | 0, par[q + 7]! | 0, opB, par[q + 8]! | 0, par[q + 9]! | 0, par[q + 10]!, a, par[q + 11]! | 0, par[q + 12]! | 0, par[q + 13] === 1);
      }
    }
    Atomics.store(ctl, 2 + slot, seen);
    Atomics.notify(ctl, 2 + slot);
  }
}

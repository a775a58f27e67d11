/**
 * The calling thread's side of a reduction session: the two products of the blocked tridiagonal
 * reduction (symmetric-eigen.ts `ReductionKernels`) split over the pool's workers, which loop on
 * commands in shared memory for the session's duration (reduction-worker.ts). Per column the
 * symmetric product is cut by rows (balanced by the triangle's area) and each worker's share of
 * `y` is summed in afterwards; per panel the trailing update is cut by rows of C as in pool.ts.
 * The matrix must be the session's own shared copy; any other call runs on the calling thread.
 *
 * A worker that fails or misses a generous deadline makes the host terminate the pool, and the
 * session throws `ReductionSessionFailed`: the shared copy may then hold a partial update, so the
 * caller redoes the whole reduction on one thread from its untouched input.
 * Browser-safe (no Node import; the host starts the workers).
 */
import type { GemmStridedFn } from '../gemm-kernel.js';
import { gemmStrided } from '../gemm-kernel.js';
import { symvLowerRows, type ReductionKernels } from '../symmetric-eigen.js';
import { REDUCTION_END, REDUCTION_GEMM, REDUCTION_PARAMS, REDUCTION_SYMV, REDUCTION_TASK, type ReductionJob } from './reduction-worker.js';
import { rowBounds, rowSlices } from './split-rows.js';

/** What a session needs of the worker pool. */
export interface ReductionHost {
  /** Worker threads (the calling thread is one more). */
  readonly workers: number;
  /** Sends worker `w` the session's loop job and marks its control slot busy. */
  start(w: number, job: ReductionJob): void;
  /** Waits until worker `w`'s job has finished; true when it did so without error by `deadline`. */
  finished(w: number, deadline: number): boolean;
  /** Whether worker `w`'s job has ended (done or failed), without waiting. */
  exited(w: number): boolean;
  /** Terminates the workers; the pool is broken from then on. */
  fail(): void;
}

/** A worker of a reduction session failed or stalled; redo the reduction on one thread. */
export class ReductionSessionFailed extends Error {}

/** Trailing blocks below this order run their symmetric product on the calling thread alone. */
const SPLIT_SYMV_FROM = 160;
/** Products below this many multiply–adds run on the calling thread alone. */
const SPLIT_GEMM_FROM = 64 * 64 * 64;
/** Milliseconds a waiting thread spins before it sleeps (reduction-worker.ts uses the same figure). */
const SPIN_MS = 2;
/**
 * Commands per window over which a session compares its waits with its own work (see `await`).
 * The first `RETIRE_WARMUP` commands are not judged: a worker's first commands are slow (its
 * wake-up, a compiler or GC thread on the other core) on a machine that is otherwise free.
 */
const RETIRE_WINDOW = 32;
const RETIRE_WARMUP = 8;
/**
 * A window whose waits exceed this share of the calling thread's own work ends the session: a
 * split pays when the waits are well below the own share (then the workers took the other half).
 */
const RETIRE_WAIT_SHARE = 0.75;
/** Milliseconds a worker loop waits for a command before it gives up (the caller is gone). */
const WORKER_IDLE_MS = 60000;

/** A reduction session over `host`'s workers for the `n × n` matrix in the shared `a` (offset 0). */
export class ReductionSession implements ReductionKernels {
  private readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly par: Float64Array;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly opA: Float64Array;
  private readonly opB: Float64Array;
  private started = false;
  private ended = false;
  private gen = 0;
  /** Milliseconds the calling thread spent on its own shares, and waiting for the workers after them. */
  private ownMs = 0;
  private waitMs = 0;
  private commands = 0;

  /**
   * @param host - the pool.
   * @param a - the matrix, a view at offset 0 of a SharedArrayBuffer.
   * @param n - its order.
   * @param operandCapacity - doubles each GEMM operand may have (larger ones run on this thread).
   */
  constructor(private readonly host: ReductionHost, private readonly a: Float64Array, private readonly n: number, operandCapacity: number) {
    const w = host.workers;
    this.threads = w + 1;
    const f64 = (len: number): Float64Array => new Float64Array(new SharedArrayBuffer(8 * Math.max(1, len)));
    this.ctl = new Int32Array(new SharedArrayBuffer(4 * (2 + w)));
    this.par = f64(REDUCTION_PARAMS * w);
    this.x = f64(n);
    this.y = f64(n * w);
    this.opA = f64(operandCapacity);
    this.opB = f64(operandCapacity);
  }

  /** `y[s0:N] += A(s0:N, s0:N) x[s0:N]` on the trailing block at `i0` (symmetric-eigen.ts `symvLower`). */
  readonly symv = (a: Float64Array, n: number, i0: number, s0: number, N: number, x: Float64Array, y: Float64Array): void => {
    if (!this.usable(a) || n !== this.n || N - s0 < SPLIT_SYMV_FROM) {
      symvLowerRows(a, n, i0, s0, s0, N, x, y);
      return;
    }
    const p = this.threads, len = N - s0;
    // rows cut so that each thread gets an equal part of the triangle (multiples of 4 from s0)
    const bounds = rowBounds(p, s0, N, true);
    this.x.set(x.subarray(s0, N), s0);
    for (let w = 0; w < p - 1; w++) {
      const o = w * REDUCTION_PARAMS;
      this.par[o] = i0;
      this.par[o + 1] = s0;
      this.par[o + 2] = bounds[w + 1]!;
      this.par[o + 3] = bounds[w + 2]!;
    }
    this.command(REDUCTION_SYMV);
    const t0 = performance.now();
    symvLowerRows(a, n, i0, s0, bounds[0]!, bounds[1]!, x, y);
    this.await(2 * len * len, t0);
    for (let w = 0; w < p - 1; w++) {
      const part = this.y.subarray(w * n, w * n + n);
      for (let c = s0; c < bounds[w + 2]!; c++) y[c]! += part[c]!;
    }
  };

  /** The strided GEMM (gemm-kernel.ts) with C in the session's matrix, split by rows of C. */
  readonly gemm: GemmStridedFn = (tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lowerOnly = false) => {
    if (!this.usable(c) || m * n * k < SPLIT_GEMM_FROM || a.length > this.opA.length || b.length > this.opB.length) {
      gemmStrided(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, lowerOnly);
      return;
    }
    this.opA.set(a);
    this.opB.set(b);
    const slices = rowSlices(this.threads, tA, tB, m, n, k, alpha, aOff, lda, bOff, ldb, beta, cOff, ldc, lowerOnly);
    for (let w = 0; w < this.threads - 1; w++) {
      const o = w * REDUCTION_PARAMS, tasks = slices[w + 1]!;
      this.par[o] = tasks.length;
      tasks.forEach((t, i) => {
        const q = o + 1 + i * REDUCTION_TASK;
        const vals = [t.tA ? 1 : 0, t.tB ? 1 : 0, t.m, t.n, t.k, t.alpha, t.aOff, t.lda, t.bOff, t.ldb, t.beta, t.cOff, t.ldc, t.lower ? 1 : 0];
        for (let v = 0; v < REDUCTION_TASK; v++) this.par[q + v] = vals[v]!;
      });
    }
    this.command(REDUCTION_GEMM);
    const t0 = performance.now();
    for (const t of slices[0]!) gemmStrided(t.tA, t.tB, t.m, t.n, t.k, t.alpha, this.opA, t.aOff, t.lda, this.opB, t.bOff, t.ldb, t.beta, c, t.cOff, t.ldc, t.lower);
    this.await(2 * m * n * k, t0);
  };

  /** Ends the session: the workers leave their loops (the pool is usable again). Idempotent. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (!this.started) return;
    Atomics.store(this.ctl, 1, REDUCTION_END);
    Atomics.add(this.ctl, 0, 1);
    Atomics.notify(this.ctl, 0);
    const deadline = performance.now() + 30000;
    for (let w = 0; w < this.threads - 1; w++) {
      if (!this.host.finished(w, deadline)) {
        this.host.fail();
        return;
      }
    }
  }

  /** Whether `m` is the session's matrix and the session is live (starts the workers' loops the first time). */
  private usable(m: Float64Array): boolean {
    if (this.ended || m.buffer !== this.a.buffer || m.byteOffset !== 0) return false;
    if (!this.started) {
      this.started = true;
      for (let w = 0; w < this.threads - 1; w++) {
        this.host.start(w, { ctl: this.ctl, par: this.par, slot: w, n: this.n, a: this.a, x: this.x, y: this.y, opA: this.opA, opB: this.opB, idleMs: WORKER_IDLE_MS, generation: Atomics.load(this.ctl, 0) });
      }
    }
    return true;
  }

  /** Publishes a command (parameters already written) and wakes the workers. */
  private command(cmd: number): void {
    Atomics.store(this.ctl, 1, cmd);
    this.gen = Atomics.add(this.ctl, 0, 1) + 1;
    Atomics.notify(this.ctl, 0);
  }

  /**
   * Waits for every worker to report the current command done; on failure ends the pool and
   * throws. `ownStart`: when the calling thread began its own share. When over a window of
   * commands the waits exceed ¾ of the calling thread's own work (the workers get too little of a
   * core: a loaded machine), splitting does not pay, and the session ends: the rest of the reduction runs
   * on the calling thread (its sums then associate differently from a session that ran to the
   * end, so the eigenvalues can differ in the last bits, ≤ 1e-13 relative).
   */
  private await(flops: number, ownStart: number): void {
    const ownEnd = performance.now();
    const deadline = ownEnd + 30000 + flops / this.threads / 5e7;
    for (let w = 0; w < this.threads - 1; w++) {
      const slot = 2 + w;
      // spin first: a sleeping thread's wake-up costs ~0.1–0.3 ms on a virtual machine, more than
      // most shares take
      const spinUntil = performance.now() + SPIN_MS;
      let spins = 0;
      while (Atomics.load(this.ctl, slot) !== this.gen) {
        if (++spins % 1024 === 0 && performance.now() > spinUntil) {
          Atomics.wait(this.ctl, slot, Atomics.load(this.ctl, slot), 20);
          if (performance.now() > deadline || this.host.exited(w)) {
            this.ended = true;
            this.host.fail();
            throw new ReductionSessionFailed(`reduction worker ${w} failed or stalled`);
          }
        }
      }
    }
    if (++this.commands <= RETIRE_WARMUP) return;
    this.ownMs += ownEnd - ownStart;
    this.waitMs += performance.now() - ownEnd;
    if ((this.commands - RETIRE_WARMUP) % RETIRE_WINDOW === 0) {
      if (this.waitMs > RETIRE_WAIT_SHARE * this.ownMs) this.end();
      this.ownMs = this.waitMs = 0;
    }
  }
}

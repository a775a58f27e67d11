/**
 * A synchronous GEMM over worker threads (Node only; reached only through `parallel/index.ts`,
 * which loads `node:worker_threads` by a guarded dynamic import).
 *
 * The rows of C are cut into one slice per thread (the calling thread computes the first).
 * Operands that are not already in a SharedArrayBuffer are copied into shared scratch buffers
 * (O(mk + kn + mn) against O(mnk) work), the workers are sent their task lists by `postMessage`,
 * and the calling thread blocks in `Atomics.wait` until every slot reports done, so the API stays
 * synchronous. A worker that reports an error, or does not finish within a generous deadline,
 * makes the pool `broken`: its slice is recomputed on the calling thread, the workers are
 * terminated and later calls run single-threaded. Workers are `unref()`ed (never keep the process
 * alive).
 */
import type { Matrix } from '../matrix.js';
import { gemmStrided } from '../gemm-kernel.js';
import { scaledRecurrenceJs, scaledRecurrenceRows, transposeSquare } from '../recurrence-kernel.js';
import { tileProductAdd } from '../tile-product.js';
import { meetAtBarrier } from './barrier.js';
import { rowSlices, type Task } from './split-rows.js';
import { ReductionSession, type ReductionHost } from './reduction-session.js';
import { SLOT_BUSY, SLOT_DONE, gemmWorkerSource } from './worker-source.js';

/** Doubles of the largest shared matrix the pool keeps between calls (32 MB; see `sharedMatrix`). */
const KEEP_SHARED_MATRIX = 4 << 20;

/** The parts of `node:worker_threads` the pool uses. */
export interface WorkerThreadsModule {
  Worker: new (src: string, opts: { eval: boolean }) => WorkerLike;
}

/** The parts of a `Worker` the pool uses. */
export interface WorkerLike {
  postMessage(msg: unknown): void;
  once(ev: 'message' | 'error' | 'exit', fn: (x: unknown) => void): void;
  on(ev: 'error', fn: (x: unknown) => void): void;
  unref(): void;
  terminate(): Promise<number>;
}

/** A pool of GEMM workers; the calling thread takes part in every product. */
export class GemmPool {
  readonly threads: number;
  broken = false;
  private readonly workers: WorkerLike[];
  private readonly ctrl: Int32Array;
  private scratch: { a?: Float64Array; b?: Float64Array; c?: Float64Array; d?: Float64Array; e?: Float64Array; m?: Float64Array } = {};

  private constructor(workers: WorkerLike[]) {
    this.workers = workers;
    this.threads = workers.length + 1;
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, workers.length)));
  }

  /** Starts `threads − 1` workers and waits (asynchronously, ≤ `timeoutMs`) until each is ready. */
  static async create(wt: WorkerThreadsModule, threads: number, timeoutMs = 20000): Promise<GemmPool> {
    const src = gemmWorkerSource();
    const workers: WorkerLike[] = [];
    const ready: Promise<void>[] = [];
    for (let w = 0; w < threads - 1; w++) {
      const worker = new wt.Worker(src, { eval: true });
      workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
          worker.once('exit', () => reject(new Error('GEMM worker exited during start-up')));
        }),
      );
      worker.on('error', () => {
        /* reported through the control slot or the start-up promise */
      });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`GEMM workers not ready after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(ready), timeout]);
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    for (const w of workers) w.unref();
    return new GemmPool(workers);
  }

  /**
   * The symmetric eigensolver's reduction kernels split over the threads for the `n × n` matrix in
   * `a` (a view at offset 0 of a SharedArrayBuffer, e.g. `sharedMatrix`); GEMM operands of up to
   * `operandCapacity` doubles go to the workers. While the session lasts the workers serve only
   * it: call `end()` (in a `finally`) before any other pool product.
   */
  reductionSession(a: Float64Array, n: number, operandCapacity: number): ReductionSession {
    const host: ReductionHost = {
      workers: this.workers.length,
      start: (w, job) => {
        Atomics.store(this.ctrl, w, SLOT_BUSY);
        this.workers[w]!.postMessage({ kind: 'reduction', ctrl: this.ctrl, slot: w, job });
      },
      finished: (w, deadline) => {
        while (Atomics.load(this.ctrl, w) === SLOT_BUSY) {
          const left = deadline - performance.now();
          if (left <= 0) break;
          Atomics.wait(this.ctrl, w, SLOT_BUSY, Math.min(left, 1000));
        }
        return Atomics.load(this.ctrl, w) === SLOT_DONE;
      },
      exited: (w) => Atomics.load(this.ctrl, w) !== SLOT_BUSY,
      fail: () => {
        this.close();
        this.scratch = {};
      },
    };
    return new ReductionSession(host, a, n, operandCapacity);
  }

  /** Terminates the workers (the pool is unusable afterwards). */
  close(): void {
    this.broken = true;
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }

  /**
   * A shared buffer of `len` doubles (a view at offset 0) for a matrix that pool products update in
   * place. Up to `KEEP_SHARED_MATRIX` doubles it is kept and reused by the next call (its pages are
   * touched once); a larger one is allocated per call and not retained. Contents unspecified.
   */
  sharedMatrix(len: number): Float64Array {
    if (len > KEEP_SHARED_MATRIX) return new Float64Array(new SharedArrayBuffer(8 * len));
    return this.shared('m', len).subarray(0, len);
  }

  private shared(which: 'a' | 'b' | 'c' | 'd' | 'e' | 'm', len: number): Float64Array {
    const cur = this.scratch[which];
    if (cur && cur.length >= len) return cur;
    const buf = new Float64Array(new SharedArrayBuffer(8 * Math.max(len, Math.ceil((cur?.length ?? 0) * 1.5))));
    this.scratch[which] = buf;
    return buf;
  }

  /** A shared view of `x` (no copy when it already lives in a SharedArrayBuffer) and its element offset. */
  private operand(which: 'a' | 'b' | 'c', x: Float64Array, copyIn: boolean): { buf: Float64Array; off: number; copied: boolean } {
    if (x.buffer instanceof SharedArrayBuffer) {
      return { buf: new Float64Array(x.buffer), off: x.byteOffset / 8, copied: false };
    }
    const buf = this.shared(which, x.length);
    if (copyIn) buf.set(x);
    return { buf, off: 0, copied: true };
  }

  /**
   * The leaky cell's scaled recurrence (recurrence-kernel.ts, backend.ts `scaledRecurrence`) with
   * the rows of every step split over the threads, which meet at a shared barrier between steps.
   * `W` (or `Wᵀ`), `S` and `Y` are copied into shared buffers and `Y` back (O(T·N·k) against
   * O(T·N²·k) work). A worker that fails or stalls past a generous deadline makes the pool
   * `broken`, and the sweep is redone on the calling thread from the untouched `Y`.
   */
  recurrence(transpose: boolean, T: number, N: number, k: number, W: Float64Array, leak: number, S: Float64Array, Y: Float64Array): void {
    const p = this.threads;
    const nk = N * k, len = T * nk;
    const A = this.shared('a', N * N);
    if (transpose) transposeSquare(N, W, A);
    else A.set(W.subarray(0, N * N));
    const Ss = this.shared('b', T * N);
    Ss.set(S.subarray(0, T * N));
    const Ys = this.shared('c', len);
    Ys.set(Y.subarray(0, len));
    const z = this.shared('d', nk), g = this.shared('e', nk);
    const sync = new Int32Array(new SharedArrayBuffer(8));
    // rows in multiples of the 3-row tile (tile-product.ts)
    const per = Math.ceil(N / p / 3) * 3;
    const deadline = performance.now() + 30000 + (4 * T * N * N * k) / p / 5e7;
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.ctrl, w, SLOT_BUSY);
      const i0 = Math.min(N, (w + 1) * per), i1 = Math.min(N, (w + 2) * per);
      this.workers[w]!.postMessage({ kind: 'recurrence', ctrl: this.ctrl, slot: w, sync, threads: p, deadline, transpose, T, N, k, A, leak, S: Ss, Y: Ys, z, g, i0, i1 });
    }
    let ok = scaledRecurrenceRows(transpose, T, N, k, A, leak, Ss, Ys, z, g, 0, Math.min(N, per), () => meetAtBarrier(sync, p, deadline), tileProductAdd);
    for (let w = 0; w < this.workers.length && ok; w++) {
      while (Atomics.load(this.ctrl, w) === SLOT_BUSY && performance.now() < deadline) Atomics.wait(this.ctrl, w, SLOT_BUSY, 100);
      if (Atomics.load(this.ctrl, w) !== SLOT_DONE) ok = false;
    }
    if (!ok) {
      this.close();
      this.scratch = {};
      scaledRecurrenceJs(transpose, T, N, k, W, leak, S, Y);
      return;
    }
    Y.set(Ys.subarray(0, len));
  }

  /**
   * `C ← α op(A) op(B) + β C` (row-major, shapes already checked), rows of C split over the
   * threads; with `lowerOnly` only C's lower triangle is produced (for SYRK), slices balanced by
   * area. Cost 2·m·n·k flops over `threads` threads plus O(mk + kn + mn) copies.
   */
  gemm(transA: boolean, transB: boolean, alpha: number, A: Matrix, B: Matrix, beta: number, C: Matrix, lowerOnly = false): void {
    const m = C.rows, n = C.cols, k = transA ? A.rows : A.cols;
    const sa = this.operand('a', A.data, true);
    const sb = A.data === B.data ? sa : this.operand('b', B.data, true);
    const sc = this.operand('c', C.data, beta !== 0);
    this.splitRows(transA, transB, m, n, k, alpha, sa.buf, sa.off, A.cols, sb.buf, sb.off, B.cols, beta, sc.buf, sc.off, n, lowerOnly);
    if (sc.copied) C.data.set(sc.buf.subarray(0, C.data.length));
  }

  /**
   * The product on shared buffers (`a`, `b`, `c` views of whole SharedArrayBuffers, offsets in
   * elements), the rows of C cut into one slice per thread (the calling thread takes the first;
   * with `lowerOnly` balanced by area). A worker that errs or stalls past the deadline makes the
   * pool `broken` and its slice is recomputed here.
   */
  private splitRows(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float64Array, aOff: number, lda: number, b: Float64Array, bOff: number, ldb: number,
    beta: number, c: Float64Array, cOff: number, ldc: number, lowerOnly: boolean,
  ): void {
    const p = this.threads;
    const slices = rowSlices(p, transA, transB, m, n, k, alpha, aOff, lda, bOff, ldb, beta, cOff, ldc, lowerOnly);
    const run = (tasks: Task[]): void => {
      for (const t of tasks) gemmStrided(t.tA, t.tB, t.m, t.n, t.k, t.alpha, a, t.aOff, t.lda, b, t.bOff, t.ldb, t.beta, c, t.cOff, t.ldc, t.lower);
    };
    const pending: { slot: number; tasks: Task[] }[] = [];
    for (let w = 0; w < this.workers.length; w++) {
      const tasks = slices[w + 1]!;
      if (tasks.length === 0) continue;
      Atomics.store(this.ctrl, w, SLOT_BUSY);
      this.workers[w]!.postMessage({ ctrl: this.ctrl, slot: w, a, b, c, tasks });
      pending.push({ slot: w, tasks });
    }
    run(slices[0]!);
    // Deadline: generous (0.05 GFLOP/s per worker slice + 30 s) so that a dead worker cannot hang us.
    const deadline = performance.now() + 30000 + (2 * m * n * k) / p / 5e7;
    for (const { slot, tasks } of pending) {
      while (Atomics.load(this.ctrl, slot) === SLOT_BUSY) {
        const left = deadline - performance.now();
        if (left <= 0) break;
        Atomics.wait(this.ctrl, slot, SLOT_BUSY, Math.min(left, 1000));
      }
      if (Atomics.load(this.ctrl, slot) !== SLOT_DONE) {
        // Error or timeout: recompute the slice here and stop using the pool. Copies of C are
        // not reused afterwards (a late worker could still write into them).
        this.close();
        this.scratch = {};
        run(tasks);
      }
    }
  }
}

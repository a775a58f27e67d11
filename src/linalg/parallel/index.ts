/**
 * Opt-in parallel GEMM/SYRK for the pure TypeScript backend, **Node only**.
 *
 * `enableParallelGemm()` starts `threads − 1` worker threads (default: `SNTK_THREADS`, else
 * `os.availableParallelism()`) and registers a `js` backend variant whose `gemm`/`syrk` split large
 * products (m·n·k ≥ `PARALLEL_MIN_WORK`) by rows of C over the workers and the calling thread;
 * its leaky-cell recurrence splits rows per step (N ≥ 96), and its values-only
 * `symmetricEigenvalues` runs the tridiagonal reduction's two products (per-column symmetric
 * product, per-panel trailing update) on the threads through a reduction session
 * (reduction-session.ts); everything else runs exactly as in the plain `js` backend. The API stays
 * synchronous (`Atomics.wait`). Nothing here is imported by `linalg/index.ts`; `node:os` and
 * `node:worker_threads` are loaded by a dynamic import guarded by `typeof process`, so a browser
 * bundle never pulls them in. Workers are `unref()`ed and never keep the process alive.
 */
import type { LinalgBackend } from '../backend.js';
import { jsBackend } from '../js-backend.js';
import { gemmBlocked } from '../gemm-kernel.js';
import { symmetricEigenvaluesFlat } from '../eigen.js';
import { getBackend, registerBackend, setBackend } from '../registry.js';
import { InputError } from '../../errors.js';
import { GemmPool, type WorkerThreadsModule } from './pool.js';
import { ReductionSessionFailed } from './reduction-session.js';

/** Products with m·n·k below this run on the calling thread only (64³·8). */
export const PARALLEL_MIN_WORK = 64 * 64 * 64 * 8;

/**
 * Orders from which the values-only symmetric eigensolver splits its reduction over the pool
 * (below, its products are too small to pay for the hand-offs).
 */
export const PARALLEL_EIGEN_MIN = 256;

let pool: GemmPool | undefined;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Threads requested by the environment: `SNTK_THREADS` (positive integer) when set, else
 * `os.availableParallelism()` (1 outside Node). Throws InputError on a malformed value.
 */
export async function parallelThreadsFromEnv(): Promise<number> {
  if (!isNode()) return 1;
  const env = process.env.SNTK_THREADS;
  if (env !== undefined && env !== '') {
    const t = Number(env);
    if (!Number.isInteger(t) || t < 1) throw new InputError(`SNTK_THREADS must be a positive integer, got '${env}'`);
    return t;
  }
  const os = (await import('node:os')) as { availableParallelism?: () => number; cpus: () => unknown[] };
  return os.availableParallelism ? os.availableParallelism() : Math.max(1, os.cpus().length);
}

/** The `js` backend with GEMM and SYRK dispatched to the pool when large enough. */
function parallelJsBackend(p: GemmPool): LinalgBackend {
  const big = (m: number, n: number, k: number): boolean => !p.broken && m * n * k >= PARALLEL_MIN_WORK;
  return {
    ...jsBackend,
    name: 'js',
    gemm(transA, transB, alpha, A, B, beta, C) {
      const k = transA ? A.rows : A.cols;
      if (big(C.rows, C.cols, k)) p.gemm(transA, transB, alpha, A, B, beta, C);
      else gemmBlocked(transA, transB, alpha, A, B, beta, C);
    },
    scaledRecurrence(transpose, T, N, k, W, leak, S, Y) {
      // the threads meet once or twice per step: worth it from N = 96 on (3 · 32-row shares)
      if (!p.broken && N >= 96 && T >= 2 && k > 0) p.recurrence(transpose, T, N, k, W, leak, S, Y);
      else jsBackend.scaledRecurrence(transpose, T, N, k, W, leak, S, Y);
    },
    symmetricEigenvalues(A, overwrite, largest) {
      // the reduction's products (its trailing updates and per-column symmetric products, nearly
      // all its flops) split over the threads, in place in a shared copy of the matrix
      const n = A.rows;
      if (p.broken || n < PARALLEL_EIGEN_MIN) return jsBackend.symmetricEigenvalues!(A, overwrite, largest);
      const a = p.sharedMatrix(n * n);
      const session = p.reductionSession(a, n, 64 * n);
      try {
        return symmetricEigenvaluesFlat(A, false, largest, () => a, session);
      } catch (e) {
        if (!(e instanceof ReductionSessionFailed)) throw e;
        return jsBackend.symmetricEigenvalues!(A, overwrite, largest);
      } finally {
        session.end();
      }
    },
    syrk(trans, alpha, A, C) {
      const n = C.rows, k = trans ? A.rows : A.cols;
      if (big(n, n, k / 2)) p.gemm(trans, !trans, alpha, A, A, 0, C, true);
      else gemmBlocked(trans, !trans, alpha, A, A, 0, C, true);
      const c = C.data;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) c[j * n + i] = c[i * n + j]!;
    },
  };
}

/** Status of the parallel GEMM: threads in use (1 when disabled or broken). */
export function parallelGemmThreads(): number {
  return pool && !pool.broken ? pool.threads : 1;
}

/**
 * Starts the worker pool and registers the parallel `js` variant (re-activating `js` when it is
 * the active backend). `threads` defaults to `parallelThreadsFromEnv()`; with 1 thread, outside
 * Node, or when the workers cannot start, nothing changes. Resolves to the threads in use.
 * Cost: worker start-up (tens of ms each), once.
 */
export async function enableParallelGemm(opts: { threads?: number } = {}): Promise<number> {
  if (!isNode()) return 1;
  const threads = opts.threads ?? (await parallelThreadsFromEnv());
  if (!Number.isInteger(threads) || threads < 1) throw new InputError(`enableParallelGemm: threads must be a positive integer, got ${threads}`);
  disableParallelGemm();
  if (threads === 1) return 1;
  const wt = (await import('node:worker_threads')) as unknown as WorkerThreadsModule;
  try {
    pool = await GemmPool.create(wt, threads);
  } catch {
    pool = undefined;
    return 1;
  }
  const wasJs = activeIsJs();
  registerBackend(parallelJsBackend(pool));
  if (wasJs) setBackend('js');
  return pool.threads;
}

/** Stops the workers and restores the plain `js` backend. */
export function disableParallelGemm(): void {
  if (!pool) return;
  pool.close();
  pool = undefined;
  const wasJs = activeIsJs();
  registerBackend(jsBackend);
  if (wasJs) setBackend('js');
}

function activeIsJs(): boolean {
  try {
    return getBackend().name === 'js';
  } catch {
    return false;
  }
}

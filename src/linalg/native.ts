/**
 * The optional native backend: OpenBLAS (CBLAS) + LAPACKE through our N-API addon
 * (`native/sntk_native.c`, built by `scripts/build-native.mjs` during `npm install` when
 * `libopenblas-dev` and `liblapacke-dev` are installed).
 *
 * **Node only.** This file holds every Node-only import of the linear-algebra layer; nothing in
 * `linalg/index.ts` imports it, so the browser build never sees it. Importing it has no side
 * effects: the addon is loaded on the first `tryRegisterNativeBackend()` / `loadNativeBackend()`.
 *
 * Kernels run **synchronously** on the calling thread (OpenBLAS uses its own thread pool; set
 * `OPENBLAS_NUM_THREADS` to limit it). OpenBLAS picks its CPU kernels at load time; an
 * `OPENBLAS_CORETYPE` in the environment overrides that choice (the status line names the kernel
 * set in use). On AMD CPUs with AVX-512, which OpenBLAS 0.3.21 does not recognise, the loader asks
 * for the AVX-512 `SkylakeX` kernels unless `OPENBLAS_CORETYPE` is set (`preferredOpenblasCore`):
 * the `Haswell` fallback runs GEMM at about half the speed. Inputs are passed to BLAS without copying; the inputs of
 * LAPACK routines that overwrite their arguments are copied first (O(n²) against O(n³) work).
 *
 * Conventions are those of `backend.ts` and the js backend: symmetric eigenvalues ascending with
 * eigenvectors as columns; general eigenvalues in LAPACK order (conjugate pairs adjacent, positive
 * imaginary part first) with right/left eigenvectors as complex columns of unit 2-norm (LAPACK
 * additionally makes each vector's largest component real); thin SVD with `s` descending.
 * LAPACK failures become sntk's typed errors: SingularMatrixError (singular / not positive
 * definite), ConvergenceError (QR/divide-and-conquer did not converge), NonFiniteError (NaN/Inf
 * input to a decomposition).
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComplexMatrix, GeneralEigen, LinalgBackend, Svd, SymmetricEigen } from './backend.js';
import type { Matrix } from './matrix.js';
import { registerBackend } from './registry.js';
import { scaledRecurrenceJs } from './recurrence-kernel.js';
import { ConvergenceError, SingularMatrixError, SntkError, assertFinite } from '../errors.js';

/** The raw addon (see native/sntk_native.c for each function's contract). */
export interface NativeAddon {
  dgemm(tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number, a: Float64Array, lda: number, b: Float64Array, ldb: number, beta: number, c: Float64Array, ldc: number): void;
  dgemv(trans: boolean, m: number, n: number, alpha: number, a: Float64Array, lda: number, x: Float64Array, beta: number, y: Float64Array): void;
  dsyrk(trans: boolean, n: number, k: number, alpha: number, a: Float64Array, lda: number, beta: number, c: Float64Array, ldc: number): void;
  /** As `dsyrk`, lower triangle of `c` only (no mirror pass). Absent in addons built before it existed. */
  dsyrkLower?(trans: boolean, n: number, k: number, alpha: number, a: Float64Array, lda: number, beta: number, c: Float64Array, ldc: number): void;
  dsyevd(vectors: boolean, n: number, a: Float64Array, w: Float64Array): number;
  /** Eigenvalues il..iu (1-based, ascending) of the symmetric `a` (destroyed), no vectors (LAPACK dsyevr). Absent in addons built before it existed. */
  dsyevrValues?(n: number, a: Float64Array, il: number, iu: number, w: Float64Array): number;
  /**
   * All eigenvalues (ascending) of the symmetric `a` (destroyed), no vectors, by LAPACK's two-stage
   * reduction with band half-width `kd` (dsytrd_sy2sb, dsytrd_sb2st on one thread, dsterf).
   * Absent in addons built before it existed or linked to a LAPACK without the two-stage routines.
   */
  dsyevValues2stage?(n: number, a: Float64Array, w: Float64Array, kd: number): number;
  /** `bytes` zero bytes in a fresh mapping advised to use transparent huge pages; undefined where external buffers are not allowed. Absent in addons built before it existed. */
  allocZeroed?(bytes: number): ArrayBuffer | undefined;
  dgesdd(vectors: boolean, m: number, n: number, a: Float64Array, s: Float64Array, u: Float64Array, vt: Float64Array): number;
  dgeev(left: boolean, right: boolean, n: number, a: Float64Array, wr: Float64Array, wi: Float64Array, vl: Float64Array, vr: Float64Array): number;
  dgesv(n: number, nrhs: number, a: Float64Array, b: Float64Array): { info: number; rcond: number };
  dpotrf(n: number, a: Float64Array): number;
  dpotrs(n: number, nrhs: number, l: Float64Array, b: Float64Array): number;
  config(): string;
  /** Sets the BLAS thread count (OpenBLAS); returns the count in force. Absent in addons built before it existed. */
  setThreads?(n: number): number;
  /** The leaky cell's scaled recurrence (backend.ts `scaledRecurrence`) with W read in place by a CPU-dispatched kernel. Absent in addons built before it existed. */
  scaledRecurrence?(transpose: boolean, T: number, N: number, k: number, w: Float64Array, leak: number, s: Float64Array, y: Float64Array): void;
}

const ADDON_RELATIVE = join('native', 'build', 'Release', 'sntk_native.node');
const EMPTY = new Float64Array(0);

let state: { backend?: LinalgBackend; status: string; addon?: NativeAddon } | undefined;

/** Candidate addon paths: `SNTK_NATIVE_ADDON`, then `native/build/Release` above this module (src/ or dist/). */
function addonCandidates(): string[] {
  const out: string[] = [];
  const env = process.env.SNTK_NATIVE_ADDON;
  if (env) out.push(resolve(env));
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    out.push(join(dir, ADDON_RELATIVE));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return out;
}

function ld(cols: number): number {
  return Math.max(1, cols);
}

function mat(rows: number, cols: number, data: Float64Array): Matrix {
  return { rows, cols, data };
}

/** Maps a LAPACK `info` < 0 (an argument bug on our side) to an error; > 0 is handled by callers. */
function checkArgInfo(info: number, routine: string): void {
  if (info < 0) throw new SntkError(`native ${routine}: illegal value in argument ${-info} (internal error)`);
}

/** Transposes a row-major `r × c` buffer into a new `c × r` one. Cost O(r·c). */
function transposeData(r: number, c: number, a: Float64Array): Float64Array {
  const t = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    const off = i * c;
    for (let j = 0; j < c; j++) t[j * r + i] = a[off + j]!;
  }
  return t;
}

/**
 * Expands LAPACK's real-packed eigenvectors (`n × n`, row-major; a conjugate pair j, j+1 stores
 * Re in column j and Im in column j+1) into complex columns. Cost O(n²).
 */
function unpackEigenvectors(n: number, wi: Float64Array, v: Float64Array): ComplexMatrix {
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    if (wi[j] !== 0 && j + 1 < n) {
      for (let i = 0; i < n; i++) {
        const a = v[i * n + j]!;
        const b = v[i * n + j + 1]!;
        re[i * n + j] = a;
        im[i * n + j] = b;
        re[i * n + j + 1] = a;
        im[i * n + j + 1] = -b;
      }
      j++;
    } else {
      for (let i = 0; i < n; i++) re[i * n + j] = v[i * n + j]!;
    }
  }
  return { re: mat(n, n, re), im: mat(n, n, im) };
}

/**
 * The band half-width of the two-stage values-only solver for an `n × n` matrix, or 0 for the
 * one-stage `dsyevd`. The rule is measured (bench/eigen.bench.ts, `native values-only` cases;
 * docs/performance.md): dsyevd's tridiagonal reduction spends half its flops in the memory-bound
 * dsymv over the trailing matrix, which wins while the matrix sits in cache and loses badly once it
 * does not (n in the thousands), where the two-stage reduction's BLAS-3 band step plus an
 * O(n²·kd) bulge chase is several times faster. `SNTK_EIGEN_TWO_STAGE` overrides: `0` never, a
 * number `n₀` from that size on. Cost O(1).
 */
export function twoStageBand(n: number): number {
  const env = typeof process !== 'undefined' ? process.env?.SNTK_EIGEN_TWO_STAGE : undefined;
  const from = env !== undefined && env !== '' && Number.isFinite(Number(env)) ? Number(env) : TWO_STAGE_FROM;
  if (from <= 0 || n < from) return 0;
  // kd 32 measured equal or faster than 64 up to n = 4288 (the bulge chase costs O(n²·kd));
  // 64 above, where the band step's larger BLAS-3 blocks pay (measured at n = 12800 only with 64)
  return n < 8000 ? 32 : 64;
}

/**
 * Smallest order for which the two-stage solver is used (see `twoStageBand`). Measured on an AMD
 * EPYC (2 cores, OpenBLAS 0.3.21), best of interleaved runs on a shared machine: n = 2000 dsyevd
 * 0.26–0.48 s vs two-stage 0.32–0.50 s; n = 3000 1.19–1.87 s vs 1.45–1.51 s; n = 4288 6.95–7.31 s
 * vs 2.46–3.34 s (kd 32) / 2.49–4.57 s (kd 64).
 */
const TWO_STAGE_FROM = 3500;

/** The `LinalgBackend` over a loaded addon. */
export function createNativeBackend(addon: NativeAddon): LinalgBackend {
  return {
    name: 'native',

    gemm(tA, tB, alpha, A, B, beta, C) {
      const m = C.rows, n = C.cols, k = tA ? A.rows : A.cols;
      addon.dgemm(tA, tB, m, n, k, alpha, A.data, ld(A.cols), B.data, ld(B.cols), beta, C.data, ld(C.cols));
    },

    gemv(trans, alpha, A, x, beta, y) {
      // BLAS returns at once when A has no rows or columns, without applying β to y.
      if (A.rows === 0 || A.cols === 0) {
        for (let i = 0; i < y.length; i++) y[i] = beta === 0 ? 0 : beta * y[i]!;
        return;
      }
      addon.dgemv(trans, A.rows, A.cols, alpha, A.data, ld(A.cols), x, beta, y);
    },

    syrk(trans, alpha, A, C, lower) {
      const n = C.rows, k = trans ? A.rows : A.cols;
      if (lower && addon.dsyrkLower) addon.dsyrkLower(trans, n, k, alpha, A.data, ld(A.cols), 0, C.data, ld(C.cols));
      else addon.dsyrk(trans, n, k, alpha, A.data, ld(A.cols), 0, C.data, ld(C.cols));
    },

    allocateZeroed(length) {
      if (!addon.allocZeroed || length < 1) return undefined;
      const buf = addon.allocZeroed(8 * length);
      return buf ? new Float64Array(buf) : undefined;
    },

    symmetricEigen(A, vectors): SymmetricEigen {
      const n = A.rows;
      assertFinite(A.data, 'symmetricEigen: matrix');
      const a = A.data.slice();
      const w = new Float64Array(n);
      const info = addon.dsyevd(vectors, n, a, w);
      checkArgInfo(info, 'dsyevd');
      if (info > 0) throw new ConvergenceError(`symmetricEigen: LAPACK dsyevd did not converge for a ${n}×${n} matrix (info ${info})`);
      return vectors ? { values: w, vectors: mat(n, n, a) } : { values: w };
    },

    symmetricEigenvalues(A, overwrite, largest): Float64Array {
      const n = A.rows;
      assertFinite(A.data, 'symmetricEigenvalues: matrix');
      const a = overwrite ? A.data : A.data.slice();
      if (n === 0) return new Float64Array(0);
      const k = largest === undefined ? n : Math.min(n, Math.max(1, largest));
      if (k < n && addon.dsyevrValues) {
        // the tridiagonal reduction, then only the k largest values (dsyevr, RANGE = 'I')
        const w = new Float64Array(k);
        const info = addon.dsyevrValues(n, a, n - k + 1, n, w);
        checkArgInfo(info, 'dsyevr');
        if (info > 0) throw new ConvergenceError(`symmetricEigenvalues: LAPACK dsyevr did not converge for a ${n}×${n} matrix (info ${info})`);
        return w;
      }
      const w = new Float64Array(n);
      const kd = twoStageBand(n);
      if (kd > 0 && addon.dsyevValues2stage) {
        // all values by the two-stage reduction (BLAS-3 to a band, then bulge chasing), in a's memory
        const info = addon.dsyevValues2stage(n, a, w, kd);
        checkArgInfo(info, 'dsytrd_sy2sb/dsytrd_sb2st/dsterf');
        if (info > 0) throw new ConvergenceError(`symmetricEigenvalues: LAPACK dsterf did not converge for a ${n}×${n} matrix (info ${info})`);
        return k < n ? w.slice(n - k) : w;
      }
      // all values: dsyevd without vectors (tridiagonal reduction + root-free QR), in a's memory
      const info = addon.dsyevd(false, n, a, w);
      checkArgInfo(info, 'dsyevd');
      if (info > 0) throw new ConvergenceError(`symmetricEigenvalues: LAPACK dsyevd did not converge for a ${n}×${n} matrix (info ${info})`);
      return k < n ? w.slice(n - k) : w;
    },

    generalEigen(A, vectors): GeneralEigen {
      const n = A.rows;
      assertFinite(A.data, 'generalEigen: matrix');
      const a = A.data.slice();
      const wr = new Float64Array(n);
      const wi = new Float64Array(n);
      const vl = vectors ? new Float64Array(n * n) : EMPTY;
      const vr = vectors ? new Float64Array(n * n) : EMPTY;
      const info = addon.dgeev(vectors, vectors, n, a, wr, wi, vl, vr);
      checkArgInfo(info, 'dgeev');
      if (info > 0) throw new ConvergenceError(`generalEigen: LAPACK dgeev QR iteration did not converge for a ${n}×${n} matrix (info ${info})`);
      const out: GeneralEigen = { re: wr, im: wi };
      if (vectors) {
        out.right = unpackEigenvectors(n, wi, vr);
        out.left = unpackEigenvectors(n, wi, vl);
      }
      return out;
    },

    svd(A, vectors): Svd {
      const m = A.rows, n = A.cols, k = Math.min(m, n);
      assertFinite(A.data, 'svd: matrix');
      const a = A.data.slice();
      const s = new Float64Array(k);
      const u = vectors ? new Float64Array(m * k) : EMPTY;
      const vt = vectors ? new Float64Array(k * n) : EMPTY;
      const info = addon.dgesdd(vectors, m, n, a, s, u, vt);
      checkArgInfo(info, 'dgesdd');
      if (info > 0) throw new ConvergenceError(`svd: LAPACK dgesdd did not converge for a ${m}×${n} matrix (info ${info})`);
      if (!vectors) return { s };
      return { s, U: mat(m, k, u), V: mat(n, k, transposeData(k, n, vt)) };
    },

    solve(A, B) {
      const n = A.rows;
      assertFinite(A.data, 'solve: matrix');
      assertFinite(B.data, 'solve: right-hand side');
      const a = A.data.slice();
      const b = B.data.slice();
      const { info, rcond } = addon.dgesv(n, B.cols, a, b);
      checkArgInfo(info, 'dgesv');
      if (info > 0) throw new SingularMatrixError(`solve: ${n}×${n} matrix is singular (zero pivot at row ${info})`);
      if (!(rcond >= Number.EPSILON)) {
        throw new SingularMatrixError(`solve: ${n}×${n} matrix is singular to working precision (reciprocal condition number ${rcond.toExponential(2)})`);
      }
      return mat(B.rows, B.cols, b);
    },

    cholesky(A) {
      const n = A.rows;
      assertFinite(A.data, 'cholesky: matrix');
      const l = A.data.slice();
      const info = addon.dpotrf(n, l);
      checkArgInfo(info, 'dpotrf');
      if (info > 0) throw new SingularMatrixError(`cholesky: ${n}×${n} matrix is not positive definite (leading minor of order ${info})`);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) l[i * n + j] = 0;
      return mat(n, n, l);
    },

    ...(addon.setThreads
      ? {
          setThreads(n: number): number {
            // the count in force is the last figure of the BLAS build line ("…, 2 threads")
            const before = Number(/(\d+) threads\b/.exec(addon.config())?.[1] ?? n);
            addon.setThreads!(n);
            return before;
          },
        }
      : {}),

    scaledRecurrence: addon.scaledRecurrence
      ? (transpose, T, N, k, W, leak, S, Y) => addon.scaledRecurrence!(transpose, T, N, k, W, leak, S, Y)
      : scaledRecurrenceJs,

    choleskySolve(L, B) {
      const n = L.rows;
      for (let i = 0; i < n; i++) {
        const d = L.data[i * n + i]!;
        if (d === 0 || !Number.isFinite(d)) throw new SingularMatrixError(`choleskySolve: factor has diagonal entry ${d} at ${i}`);
      }
      const b = B.data.slice();
      const info = addon.dpotrs(n, B.cols, L.data, b);
      checkArgInfo(info, 'dpotrs');
      return mat(B.rows, B.cols, b);
    },
  };
}

/** The AVX-512 subsets that OpenBLAS's SkylakeX kernels need. */
const AVX512_FLAGS = ['avx512f', 'avx512dq', 'avx512cd', 'avx512bw', 'avx512vl'];

/**
 * The OpenBLAS kernel set to ask for before the library loads, or undefined to keep OpenBLAS's own
 * choice: `SkylakeX` (its AVX-512 kernels) on an AMD CPU with AVX-512 (Zen 4 and later), which
 * OpenBLAS releases before 0.3.22 (Debian 12 ships 0.3.21) do not recognise and run on their AVX2
 * `Haswell` kernels. Measured on an AMD EPYC (family 26, 2 cores), one thread: DGEMM 52 → 88
 * GFLOP/s, DSYRK 45 → 83 GFLOP/s at n = 1500. An `OPENBLAS_CORETYPE` already in the environment
 * always wins (`OPENBLAS_CORETYPE=Haswell` restores the old choice). `cpuinfo` is the text of
 * /proc/cpuinfo. Cost O(|cpuinfo|).
 *
 * @param cpuinfo - the text of /proc/cpuinfo (Linux).
 * @param env - the environment (`OPENBLAS_CORETYPE` is read from it).
 * @returns `'SkylakeX'` or undefined.
 */
export function preferredOpenblasCore(cpuinfo: string, env: Record<string, string | undefined>): 'SkylakeX' | undefined {
  if (env.OPENBLAS_CORETYPE !== undefined && env.OPENBLAS_CORETYPE !== '') return undefined;
  if (/^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo)?.[1] !== 'AuthenticAMD') return undefined;
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? '').trim().split(/\s+/));
  return AVX512_FLAGS.every((f) => flags.has(f)) ? 'SkylakeX' : undefined;
}

/** Sets `OPENBLAS_CORETYPE` for this process by `preferredOpenblasCore` (Linux; before the addon loads OpenBLAS); returns what it set. */
function chooseOpenblasCore(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const core = preferredOpenblasCore(cpuinfo, process.env);
  if (core) process.env.OPENBLAS_CORETYPE = core;
  return core;
}

function load(): { backend?: LinalgBackend; status: string; addon?: NativeAddon } {
  if (typeof process === 'undefined' || !process.versions?.node) return { status: 'native backend unavailable: not running in Node' };
  const core = chooseOpenblasCore();
  const tried: string[] = [];
  const req = createRequire(import.meta.url);
  for (const path of addonCandidates()) {
    if (!existsSync(path)) {
      tried.push(path);
      continue;
    }
    try {
      const addon = req(path) as NativeAddon;
      const chosen = core ? `; OPENBLAS_CORETYPE=${core} set for this AVX-512 AMD CPU` : '';
      return { backend: createNativeBackend(addon), status: `native backend loaded from ${path} (${addon.config()}${chosen})`, addon };
    } catch (e) {
      return { status: `native backend unavailable: loading ${path} failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})` };
    }
  }
  return {
    status: `native backend unavailable: addon not built (install libopenblas-dev and liblapacke-dev, then run 'node scripts/build-native.mjs'; looked in ${tried[0] ?? 'nowhere'} and above)`,
  };
}

/** The native backend if its addon loads, else undefined (never throws). Loads once; cost: one dlopen. */
export function loadNativeBackend(): LinalgBackend | undefined {
  state ??= load();
  return state.backend;
}

/**
 * Loads the addon and registers the native backend with the registry (it then becomes the
 * default unless `SNTK_BACKEND=js` or `setBackend('js')`). Returns whether it is available.
 * Never throws. Node only.
 *
 * @returns whether the native backend is now available (see {@link nativeBackendStatus} for why not).
 */
export function tryRegisterNativeBackend(): boolean {
  const b = loadNativeBackend();
  if (b) registerBackend(b);
  return b !== undefined;
}

/**
 * Sets the number of threads OpenBLAS uses (when the addon is loaded and links OpenBLAS) and
 * returns the count in force, or undefined without the addon. Small problems (hidden sizes of a
 * few dozen, as in `sntk demo`) run faster and time more steadily on one thread: no hand-off and no
 * worker threads spinning between calls. Cost O(1).
 *
 * @param n - the number of OpenBLAS threads.
 * @returns the thread count in force, or undefined without the addon.
 */
export function setNativeThreads(n: number): number | undefined {
  const addon = (state ??= load()).addon;
  if (!addon?.setThreads) return undefined;
  return addon.setThreads(n);
}

/** The raw addon when it loads, else undefined (benchmarks and tests of kernels the backend does not expose). Cost: one dlopen, once. */
export function nativeAddon(): NativeAddon | undefined {
  return (state ??= load()).addon;
}

/** One line saying whether the native backend loaded, from where and with which BLAS build, or why not. */
export function nativeBackendStatus(): string {
  return state?.status ?? 'native backend not loaded yet (call tryRegisterNativeBackend())';
}

/**
 * Symmetric eigen-decomposition on flat `Float64Array`s.
 *
 * Fast path (`symmetricEigenValuesInPlace`, `symmetricEigenVectorsInPlace`): blocked Householder
 * tridiagonalisation after LAPACK's dsytrd/dlatrd (lower triangle, panels of `NB` columns whose
 * rank-2·NB trailing update runs through our blocked GEMM), then the implicit QL algorithm (tql1/tql2
 * of EISPACK, with an iteration cap) on the tridiagonal: without vectors that is O(n²), so the
 * values-only cost is ≈ 4/3·n³ flops; with vectors the orthogonal factor is formed by blocked
 * compact-WY products (dorgtr, GEMM, ≈ 4/3·n³) and the QL rotations are applied to it (≈ 3n³).
 *
 * Reference path (`tridiagQlInPlace`): the unblocked tred2/tql2 after EISPACK/JAMA (as in
 * ml-matrix, whose transposed-storage port this follows); kept as the reference of the tests.
 *
 * The vector work array `v` holds the eigenvector matrix transposed (`v[k*n + i]` is component `i`
 * of vector `k`), which makes the rotation loops contiguous and each eigenvector a contiguous row.
 */
import { ConvergenceError } from '../errors.js';
import { gemmStrided, type GemmStridedFn } from './gemm-kernel.js';

/**
 * The two products that carry the flops of the tridiagonal reduction: the rank-2·NB trailing
 * update (`gemm`, gemm-kernel.ts's strided signature) and the symmetric product of each column
 * (`symv`, `symvLower`'s signature: `y[s0:N] += A(s0:N, s0:N) x[s0:N]` on the trailing block at
 * `i0`). The worker pool (parallel/) supplies versions split over threads.
 */
export interface ReductionKernels {
  gemm: GemmStridedFn;
  symv: (a: Float64Array, n: number, i0: number, s0: number, N: number, x: Float64Array, y: Float64Array) => void;
}

/** The single-threaded kernels. */
export const serialReductionKernels: ReductionKernels = { gemm: gemmStrided, symv: symvLower };

/** Panel width of the blocked tridiagonalisation and of the blocked formation of Q. */
const NB = 32;
/** Trailing size below which the remaining columns are reduced as one (unblocked) panel. */
const NX = 96;

function hypot(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y !== 0) {
    const r = x / y;
    return y * Math.sqrt(1 + r * r);
  }
  return 0;
}

/**
 * Eigenvalues (ascending) and eigenvectors of the symmetric `n × n` matrix given in `v`
 * (row-major, full and symmetric; overwritten). On return `d` holds the eigenvalues and row `k`
 * of `v` the unit eigenvector of `d[k]`. Throws ConvergenceError if QL needs more than 30·n
 * sweeps for one eigenvalue. Cost ≈ 9n³ flops with vectors.
 */
export function tridiagQlInPlace(n: number, v: Float64Array, d: Float64Array): void {
  const e = new Float64Array(n);
  if (n === 0) return;
  tred2(n, e, d, v);
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  tql(n, e, d, v);
}

/**
 * Eigenvalues (ascending, into `d`) of the symmetric `n × n` matrix in `a` (row-major; only the
 * lower triangle is read; overwritten by the Householder vectors). Throws ConvergenceError if QL
 * needs more than 30·n sweeps for one eigenvalue. `kernels` run the reduction's products (default
 * single-threaded; the worker pool passes its split versions, which need `a` in a
 * SharedArrayBuffer). Cost ≈ 4/3·n³ flops (half of them in GEMM) + O(n²).
 */
export function symmetricEigenValuesInPlace(n: number, a: Float64Array, d: Float64Array, kernels: ReductionKernels = serialReductionKernels): void {
  if (n === 0) return;
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  tridiagonalize(n, a, d, e, tau, kernels);
  tql(n, e, d, null);
}

/**
 * Eigenvalues (ascending, into `d`) and eigenvectors of the symmetric `n × n` matrix in `a`
 * (row-major; only the lower triangle is read; overwritten). Returns the eigenvector matrix
 * transposed: row `k` (`v[k*n .. k*n+n)`) is the unit eigenvector of `d[k]`. Throws
 * ConvergenceError like `symmetricEigenValuesInPlace`. Cost ≈ 4/3·n³ (reduction) + 4/3·n³
 * (forming Q, GEMM) + ≈ 3n³ (QL rotations) flops.
 */
export function symmetricEigenVectorsInPlace(n: number, a: Float64Array, d: Float64Array): Float64Array {
  if (n === 0) return new Float64Array(0);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  tridiagonalize(n, a, d, e, tau);
  const v = formQTransposed(n, a, tau);
  tql(n, e, d, v);
  return v;
}

/**
 * Householder reduction `Qᵀ A Q = T` (LAPACK dsytrd, lower) of the symmetric matrix in `a`
 * (row-major `n × n`, lower triangle read and overwritten). On return `d` is T's diagonal,
 * `e[j] = T(j+1, j)` (`e[n-1] = 0`), and `Q = H(0)···H(n-2)` with `H(j) = I − tau[j]·v vᵀ`,
 * `v[j+1] = 1`, `v[r] = a[r·n + j]` for `r ≥ j+2`, zero above. `kernels` run the rank-2·NB
 * trailing updates and the per-column symmetric products (each half the flops). Cost ≈ 4/3·n³
 * flops.
 */
export function tridiagonalize(n: number, a: Float64Array, d: Float64Array, e: Float64Array, tau: Float64Array, kernels: ReductionKernels = serialReductionKernels): void {
  if (n === 0) return;
  // panels of NB columns only above NX (a small matrix is one panel of n: its buffers are n × n)
  const blocked = n > NX;
  const cap = blocked ? Math.max(n * NB, NX * NX) : n * n;
  const V = new Float64Array(cap);
  const W = new Float64Array(cap);
  const scratch = new Float64Array(4 * n + 2 * NX);
  const X = new Float64Array(blocked ? n * 2 * NB : 0);
  const Y = new Float64Array(blocked ? n * 2 * NB : 0);
  let i0 = 0;
  while (n - i0 > NX) {
    latrd(n, a, i0, NB, d, e, tau, V, W, scratch, kernels.symv);
    // Trailing update A22 ← A22 − V Wᵀ − W Vᵀ = A22 − [V W] [W V]ᵀ, lower triangle (rank 2·NB).
    const m = n - i0 - NB;
    const k2 = 2 * NB;
    for (let r = 0; r < m; r++) {
      const src = (NB + r) * NB;
      const dst = r * k2;
      for (let p = 0; p < NB; p++) {
        const vp = V[src + p]!, wp = W[src + p]!;
        X[dst + p] = vp;
        X[dst + NB + p] = wp;
        Y[dst + p] = wp;
        Y[dst + NB + p] = vp;
      }
    }
    const off = (i0 + NB) * n + i0 + NB;
    kernels.gemm(false, true, m, m, k2, -1, X, 0, k2, Y, 0, k2, 1, a, off, n, true);
    i0 += NB;
  }
  latrd(n, a, i0, n - i0, d, e, tau, V, W, scratch, kernels.symv);
}

/**
 * One panel of the reduction (LAPACK dlatrd, lower): reduces columns `i0 .. i0+nb-1` of the
 * trailing block `A(i0:n, i0:n)` and returns in `V`, `W` (`N × nb`, N = n − i0, row-major) the
 * vectors with which that block must be updated as `A ← A − V Wᵀ − W Vᵀ` (not applied beyond the
 * panel). When `nb = N` the whole remaining block is reduced.
 */
function latrd(
  n: number,
  a: Float64Array,
  i0: number,
  nb: number,
  d: Float64Array,
  e: Float64Array,
  tau: Float64Array,
  V: Float64Array,
  W: Float64Array,
  scratch: Float64Array,
  symv: ReductionKernels['symv'],
): void {
  const N = n - i0;
  V.fill(0, 0, N * nb);
  W.fill(0, 0, N * nb);
  const vv = scratch.subarray(0, N);
  const y = scratch.subarray(n, n + N);
  const t1 = scratch.subarray(2 * n, 2 * n + nb);
  const t2 = scratch.subarray(2 * n + NX, 2 * n + NX + nb);
  for (let j = 0; j < nb; j++) {
    const gj = i0 + j;
    // 1. Bring column j (rows j..N-1) up to date: A(:, j) −= V W(j, :)ᵀ + W V(j, :)ᵀ.
    if (j > 0) {
      const jo = j * nb;
      for (let r = j; r < N; r++) {
        const ro = r * nb;
        let s = 0;
        for (let p = 0; p < j; p++) s += V[ro + p]! * W[jo + p]! + W[ro + p]! * V[jo + p]!;
        a[(i0 + r) * n + gj]! -= s;
      }
    }
    d[gj] = a[gj * n + gj]!;
    if (j === N - 1) {
      e[gj] = 0;
      break;
    }
    // 2. Householder reflector annihilating A(j+2:N, j) (dlarfg).
    const alpha = a[(gj + 1) * n + gj]!;
    let xx = 0;
    for (let r = j + 2; r < N; r++) {
      const x = a[(i0 + r) * n + gj]!;
      xx += x * x;
    }
    let t = 0;
    let beta = alpha;
    if (xx > 0) {
      beta = -Math.sign(alpha || 1) * Math.sqrt(alpha * alpha + xx);
      t = (beta - alpha) / beta;
      const sc = 1 / (alpha - beta);
      for (let r = j + 2; r < N; r++) a[(i0 + r) * n + gj]! *= sc;
    }
    e[gj] = beta;
    tau[gj] = t;
    a[(gj + 1) * n + gj] = beta;
    vv.fill(0);
    vv[j + 1] = 1;
    V[(j + 1) * nb + j] = 1;
    for (let r = j + 2; r < N; r++) {
      const x = a[(i0 + r) * n + gj]!;
      vv[r] = x;
      V[r * nb + j] = x;
    }
    if (t === 0) continue; // H(j) = I: W(:, j) stays zero.
    // 3. w = τ (A v − V (Wᵀ v) − W (Vᵀ v)) on rows j+1..N-1 (A: not yet updated, lower triangle).
    const s0 = j + 1;
    y.fill(0);
    symv(a, n, i0, s0, N, vv, y);
    if (j > 0) {
      t1.fill(0);
      t2.fill(0);
      for (let r = s0; r < N; r++) {
        const vr = vv[r]!;
        const ro = r * nb;
        for (let p = 0; p < j; p++) {
          t1[p]! += W[ro + p]! * vr;
          t2[p]! += V[ro + p]! * vr;
        }
      }
      for (let r = s0; r < N; r++) {
        const ro = r * nb;
        let s = 0;
        for (let p = 0; p < j; p++) s += V[ro + p]! * t1[p]! + W[ro + p]! * t2[p]!;
        y[r]! -= s;
      }
    }
    let wv = 0;
    for (let r = s0; r < N; r++) {
      y[r]! *= t;
      wv += y[r]! * vv[r]!;
    }
    const al = -0.5 * t * wv;
    for (let r = s0; r < N; r++) W[r * nb + j] = y[r]! + al * vv[r]!;
  }
}

/**
 * `y[s0:N] += A(s0:N, s0:N) x[s0:N]` for the symmetric trailing block whose lower triangle is
 * stored at `a[(i0 + r)·n + i0 + c]`, `c ≤ r` (local indices). One pass over the triangle (see
 * `symvLowerRows`). Cost 2·(N − s0)² flops.
 */
function symvLower(a: Float64Array, n: number, i0: number, s0: number, N: number, x: Float64Array, y: Float64Array): void {
  symvLowerRows(a, n, i0, s0, s0, N, x, y);
}

/**
 * The rows `r0 ≤ r < r1` of the symmetric product `y += A x` over the trailing block `A(s0:, s0:)`
 * (lower triangle stored at `a[(i0 + r)·n + i0 + c]`, `s0 ≤ c ≤ r`, local indices): each row adds
 * its dot product with `x[s0:r+1]` to `y[r]` and, through the mirrored upper part, `x[r]·A(r, c)`
 * to `y[c]` for `s0 ≤ c < r`. So `y[s0:r1)` is written, and rows split between threads need their
 * own `y` (summed afterwards). Four rows at a time (each `y[c]` loaded and stored once per four
 * rows: this loop is half the flops of the values-only solver and bound by memory traffic).
 * Self-contained: its source runs in the worker threads (parallel/worker-source.ts).
 * Cost 2·(r1 − r0)·(r0 + r1 − 2·s0)/2 flops.
 */
export function symvLowerRows(a: Float64Array, n: number, i0: number, s0: number, r0: number, r1: number, x: Float64Array, y: Float64Array): void {
  let r = r0;
  for (; r + 3 < r1; r += 4) {
    const q0 = (i0 + r) * n + i0;
    const q1 = q0 + n, q2 = q1 + n, q3 = q2 + n;
    const x0 = x[r]!, x1 = x[r + 1]!, x2 = x[r + 2]!, x3 = x[r + 3]!;
    let s0a = 0, s1a = 0, s2a = 0, s3a = 0;
    for (let c = s0; c < r; c++) {
      const a0 = a[q0 + c]!, a1 = a[q1 + c]!, a2 = a[q2 + c]!, a3 = a[q3 + c]!;
      const xc = x[c]!;
      s0a += a0 * xc;
      s1a += a1 * xc;
      s2a += a2 * xc;
      s3a += a3 * xc;
      y[c]! += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
    }
    // the 4×4 diagonal block (lower triangle stored)
    const a00 = a[q0 + r]!;
    const a10 = a[q1 + r]!, a11 = a[q1 + r + 1]!;
    const a20 = a[q2 + r]!, a21 = a[q2 + r + 1]!, a22 = a[q2 + r + 2]!;
    const a30 = a[q3 + r]!, a31 = a[q3 + r + 1]!, a32 = a[q3 + r + 2]!, a33 = a[q3 + r + 3]!;
    y[r]! += s0a + a00 * x0 + a10 * x1 + a20 * x2 + a30 * x3;
    y[r + 1]! += s1a + a10 * x0 + a11 * x1 + a21 * x2 + a31 * x3;
    y[r + 2]! += s2a + a20 * x0 + a21 * x1 + a22 * x2 + a32 * x3;
    y[r + 3]! += s3a + a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
  }
  for (; r < r1; r++) {
    const ro = (i0 + r) * n + i0;
    const x0 = x[r]!;
    let s = 0;
    for (let c = s0; c < r; c++) {
      const a0 = a[ro + c]!;
      s += a0 * x[c]!;
      y[c]! += a0 * x0;
    }
    y[r]! += s + a[ro + r]! * x0;
  }
}

/**
 * `Qᵀ` (row-major `n × n`) for the reflectors left by `tridiagonalize`, by blocked backward
 * accumulation `Q = H(0)(H(1)(··· H(n-2)))` with compact-WY blocks `I − V T Vᵀ` (LAPACK
 * dorgtr/dlarft), all products in GEMM. Cost ≈ 4/3·n³ flops.
 */
function formQTransposed(n: number, a: Float64Array, tau: Float64Array): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const nRefl = n - 1;
  if (nRefl > 0) {
    // blocks of at most NB reflectors (buffers sized by the widest block, not NB, for small n)
    const nb = Math.min(NB, nRefl);
    const V = new Float64Array(n * nb);
    const T = new Float64Array(nb * nb);
    const G = new Float64Array(nb * nb);
    const W1 = new Float64Array(nb * n);
    const tmp = new Float64Array(nb);
    const lastStart = Math.floor((nRefl - 1) / NB) * NB;
    for (let j0 = lastStart; j0 >= 0; j0 -= NB) {
      const nbk = Math.min(NB, nRefl - j0);
      const m = n - 1 - j0;
      // V (m × nbk): column p is reflector j0+p on rows j0+1.., local row p holds its unit entry.
      V.fill(0, 0, m * nbk);
      for (let p = 0; p < nbk; p++) {
        V[p * nbk + p] = 1;
        const col = j0 + p;
        for (let r = p + 1; r < m; r++) V[r * nbk + p] = a[(j0 + 1 + r) * n + col]!;
      }
      // T (upper triangular, dlarft forward/columnwise) from G = Vᵀ V.
      gemmStrided(true, false, nbk, nbk, m, 1, V, 0, nbk, V, 0, nbk, 0, G, 0, nbk);
      T.fill(0);
      for (let i = 0; i < nbk; i++) {
        const ti = tau[j0 + i]!;
        for (let p = 0; p < i; p++) tmp[p] = -ti * G[p * nbk + i]!;
        for (let p = 0; p < i; p++) {
          let s = 0;
          for (let q2 = p; q2 < i; q2++) s += T[p * nbk + q2]! * tmp[q2]!;
          T[p * nbk + i] = s;
        }
        T[i * nbk + i] = ti;
      }
      // Q(j0+1:, j0+1:) ← (I − V T Vᵀ) Q(j0+1:, j0+1:).
      const off = (j0 + 1) * n + j0 + 1;
      gemmStrided(true, false, nbk, m, m, 1, V, 0, nbk, q, off, n, 0, W1, 0, m);
      for (let i = 0; i < nbk; i++) {
        const io = i * m;
        for (let c = 0; c < m; c++) {
          let s = 0;
          for (let p = i; p < nbk; p++) s += T[i * nbk + p]! * W1[p * m + c]!;
          W1[io + c] = s;
        }
      }
      gemmStrided(false, false, m, m, nbk, -1, V, 0, nbk, W1, 0, m, 1, q, off, n);
    }
  }
  // Transpose in place: row k of the result is column k of Q.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const t = q[i * n + j]!;
      q[i * n + j] = q[j * n + i]!;
      q[j * n + i] = t;
    }
  }
  return q;
}

function tred2(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
  let f: number, g: number, h: number, hh: number, scale: number;
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    scale = 0;
    h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1]!;
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      f = d[i - 1]!;
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[i * n + j] = f;
        const rj = j * n;
        g = e[j]! + V[rj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vjk = V[rj + k]!;
          g += vjk * d[k]!;
          e[k]! += vjk * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const rj = j * n;
        for (let k = j; k <= i - 1; k++) V[rj + k]! -= f * e[k]! + g * d[k]!;
        d[j] = V[rj + i - 1]!;
        V[rj + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[i * n + n - 1] = V[i * n + i]!;
    V[i * n + i] = 1;
    h = d[i + 1]!;
    const ri1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[ri1 + k]! / h;
      for (let j = 0; j <= i; j++) {
        const rj = j * n;
        g = 0;
        for (let k = 0; k <= i; k++) g += V[ri1 + k]! * V[rj + k]!;
        for (let k = 0; k <= i; k++) V[rj + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[ri1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + n - 1]!;
    V[j * n + n - 1] = 0;
  }
  V[n * n - 1] = 1;
  e[0] = 0;
}

/** Rotations recorded by `tql`, applied to the vectors in chunks. */
interface Rotations {
  i: Int32Array;
  c: Float64Array;
  s: Float64Array;
  count: number;
}

/** Most rotations buffered before they are applied to the vectors (20 bytes each). */
const ROT_CHUNK = 1 << 18;
/** Columns of the transposed vector storage processed together (an `n × ROT_COLS` block stays in cache). */
const ROT_COLS = 16;

/**
 * Applies the recorded rotations, in order, to the rows of `V` (`n × n`, transposed storage):
 * rotation `t` mixes rows `i_t` and `i_t + 1`. Each column is transformed independently, so the
 * whole sequence is applied to one `n × ROT_COLS` column block at a time, copied into a
 * contiguous buffer that stays in cache. Cost 6·n flops per rotation.
 */
function flushRotations(n: number, V: Float64Array, rec: Rotations): void {
  const cnt = rec.count;
  rec.count = 0;
  if (cnt === 0) return;
  const ri = rec.i, rc = rec.c, rs = rec.s;
  const kb = ROT_COLS;
  const B = new Float64Array(n * kb);
  for (let k0 = 0; k0 < n; k0 += kb) {
    const w = Math.min(kb, n - k0);
    if (w === kb) {
      for (let r = 0; r < n; r++) {
        const src = r * n + k0;
        B.set(V.subarray(src, src + kb), r * kb);
      }
      for (let t = 0; t < cnt; t++) {
        const c = rc[t]!, s = rs[t]!;
        const o0 = ri[t]! * kb;
        const o1 = o0 + kb;
        for (let j = 0; j < kb; j++) {
          const x = B[o0 + j]!, y = B[o1 + j]!;
          B[o1 + j] = s * x + c * y;
          B[o0 + j] = c * x - s * y;
        }
      }
      for (let r = 0; r < n; r++) V.set(B.subarray(r * kb, r * kb + kb), r * n + k0);
    } else {
      for (let t = 0; t < cnt; t++) {
        const c = rc[t]!, s = rs[t]!;
        const o0 = ri[t]! * n + k0;
        const o1 = o0 + n;
        for (let j = 0; j < w; j++) {
          const x = V[o0 + j]!, y = V[o1 + j]!;
          V[o1 + j] = s * x + c * y;
          V[o0 + j] = c * x - s * y;
        }
      }
    }
  }
}

/**
 * Implicit QL on the symmetric tridiagonal (`d` diagonal, `e[i] = T(i+1, i)`, `e[n-1] = 0`; both
 * overwritten; EISPACK tql1/tql2), then an ascending sort. With `V` (transposed storage, see the
 * header) the rotations are accumulated into its rows and the rows are permuted with the values.
 * Cost O(n²) without vectors, ≈ 3n³ flops with.
 */
function tql(n: number, e: Float64Array, d: Float64Array, V: Float64Array | null): void {
  // QL takes about 2n² rotations in all; a small matrix gets a buffer of its size, not the full chunk
  const chunk = Math.min(ROT_CHUNK, Math.max(16, 4 * n * n));
  const rec: Rotations | null = V === null ? null : { i: new Int32Array(chunk), c: new Float64Array(chunk), s: new Float64Array(chunk), count: 0 };
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  const maxIter = 30 * Math.max(n, 1);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > maxIter) throw new ConvergenceError(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1]!;
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (rec === null) continue;
          rec.i[rec.count] = i;
          rec.c[rec.count] = c;
          rec.s[rec.count] = s;
          if (++rec.count === rec.c.length) flushRotations(n, V!, rec);
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  if (rec !== null) flushRotations(n, V!, rec);
  // Selection sort, ascending, swapping eigenvector rows.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      if (V === null) continue;
      const ri = i * n, rk = k * n;
      for (let j = 0; j < n; j++) {
        const t = V[ri + j]!;
        V[ri + j] = V[rk + j]!;
        V[rk + j] = t;
      }
    }
  }
}

/**
 * Register-blocked, cache-blocked GEMM in plain TypeScript (the hot loop of the `js` backend).
 *
 * `C ← α op(A) op(B) + β C` on row-major float64 matrices, op = identity or transpose.
 *
 * Structure (Goto/BLIS): the k dimension is cut in blocks of `KC`, the rows of C in blocks of
 * `MC`. For each k-block the relevant part of `op(B)` is packed into column micro-panels of width
 * `NR` (k-contiguous, zero padded), and for each row block the part of `op(A)` is packed (scaled by
 * α) into row micro-panels of height `MR`. A `4 × 4` micro-kernel keeps the 16 entries of its C
 * tile in local variables (registers) and streams the two packed panels. Because all four
 * transpose combinations are resolved by the packing routines, the kernel itself sees only one
 * layout. Small products (below ~`SMALL_FLOPS`) take a plain loop to avoid the packing overhead.
 *
 * `lowerOnly` (used by SYRK) skips the micro-tiles that lie strictly above the diagonal, halving
 * the work for symmetric results; the strictly-upper entries of C are then left untouched.
 */
import type { Matrix } from './matrix.js';

/** The signature of `gemmStrided` (see there). */
export type GemmStridedFn = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  lowerOnly?: boolean,
) => void;

/**
 * Creates an instance of the kernel with its own packing buffers. The function is
 * **self-contained** (it references nothing outside its body but globals), so its source text
 * (`createGemmKernel.toString()`) can be evaluated in a worker thread (see `parallel/`).
 */
export function createGemmKernel(): { gemmStrided: GemmStridedFn } {
  const MR = 4;
  const NR = 4;
  const KC = 256;
  const MC = 96;
  const SMALL_FLOPS = 32 * 32 * 32;

  // Packing buffers, grown on demand and reused (GEMM is not re-entrant within a thread; each
  // worker thread has its own kernel instance).
  let packA = new Float64Array(MC * KC);
  let packB = new Float64Array(KC * 64);

  /**
   * The same product on strided sub-matrices: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is
   * `m × n`; entry `(i, j)` of a stored operand X lives at `x[xOff + i·ldx + j]` (row-major with
   * leading dimension `ldx`). Used for in-place updates of trailing blocks (blocked
   * tridiagonalisation) and for row slices of C (parallel GEMM). With `lowerOnly` the 4×4 tiles
   * strictly above C's diagonal are skipped (tiles crossing it are computed whole, so some
   * strictly-upper entries of C may change when β ≠ 0 or are left stale). Cost: 2·m·n·k flops.
   */
  function gemmStrided(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float64Array,
    aOff: number,
    lda: number,
    b: Float64Array,
    bOff: number,
    ldb: number,
    beta: number,
    c: Float64Array,
    cOff: number,
    ldc: number,
    lowerOnly = false,
  ): void {
    if (m === 0 || n === 0) return;
    if (beta === 0) {
      for (let i = 0; i < m; i++) {
        const o = cOff + i * ldc;
        c.fill(0, o, o + (lowerOnly ? Math.min(n, i + 1) : n));
      }
    } else if (beta !== 1) {
      for (let i = 0; i < m; i++) {
        const o = cOff + i * ldc;
        const end = o + (lowerOnly ? Math.min(n, i + 1) : n);
        for (let idx = o; idx < end; idx++) c[idx] = beta * c[idx]!;
      }
    }
    if (k === 0 || alpha === 0) return;
    if (m * n * k <= SMALL_FLOPS) {
      gemmSmall(transA, transB, alpha, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, lowerOnly);
      return;
    }
    const nPanels = Math.ceil(n / NR);
    const needB = nPanels * NR * KC;
    if (packB.length < needB) packB = new Float64Array(needB);
    const needA = Math.ceil(MC / MR) * MR * KC;
    if (packA.length < needA) packA = new Float64Array(needA);
    const ap = packA;
    const bp = packB;
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelsB(transB, b, bOff, ldb, pc, kc, n, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packPanelsA(transA, alpha, a, aOff, lda, ic, mc, pc, kc, ap);
        // Columns needed for this row block when lower-only: j ≤ ic + mc - 1.
        const nEnd = lowerOnly ? Math.min(n, ic + mc) : n;
        for (let jr = 0; jr < nEnd; jr += NR) {
          const bOffP = (jr / NR) * NR * kc;
          const nr = Math.min(NR, n - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const i0 = ic + ir;
            if (lowerOnly && jr > i0 + MR - 1) continue;
            const mr = Math.min(MR, mc - ir);
            kernel4x4(ap, (ir / MR) * MR * kc, bp, bOffP, kc, c, cOff + i0 * ldc + jr, ldc, mr, nr);
          }
        }
      }
    }
  }

  /** Packs `op(B)[pc:pc+kc, 0:n]` into NR-wide, k-contiguous micro-panels (zero padded). */
  function packPanelsB(transB: boolean, b: Float64Array, bOff: number, ldb: number, pc: number, kc: number, n: number, bp: Float64Array): void {
    for (let jr = 0; jr < n; jr += NR) {
      const off = (jr / NR) * NR * kc;
      const nr = Math.min(NR, n - jr);
      if (!transB) {
        // op(B)[p, j] = b[p * ldb + j]
        if (nr === NR) {
          for (let p = 0; p < kc; p++) {
            const src = bOff + (pc + p) * ldb + jr;
            const dst = off + p * NR;
            bp[dst] = b[src]!;
            bp[dst + 1] = b[src + 1]!;
            bp[dst + 2] = b[src + 2]!;
            bp[dst + 3] = b[src + 3]!;
          }
        } else {
          for (let p = 0; p < kc; p++) {
            const src = bOff + (pc + p) * ldb + jr;
            const dst = off + p * NR;
            for (let j = 0; j < NR; j++) bp[dst + j] = j < nr ? b[src + j]! : 0;
          }
        }
      } else {
        // op(B)[p, j] = b[j * ldb + p]
        for (let j = 0; j < NR; j++) {
          if (j < nr) {
            const src = bOff + (jr + j) * ldb + pc;
            for (let p = 0; p < kc; p++) bp[off + p * NR + j] = b[src + p]!;
          } else {
            for (let p = 0; p < kc; p++) bp[off + p * NR + j] = 0;
          }
        }
      }
    }
  }

  /** Packs `α op(A)[ic:ic+mc, pc:pc+kc]` into MR-high, k-contiguous micro-panels (zero padded). */
  function packPanelsA(
    transA: boolean,
    alpha: number,
    a: Float64Array,
    aOff: number,
    lda: number,
    ic: number,
    mc: number,
    pc: number,
    kc: number,
    ap: Float64Array,
  ): void {
    for (let ir = 0; ir < mc; ir += MR) {
      const off = (ir / MR) * MR * kc;
      const mr = Math.min(MR, mc - ir);
      if (!transA) {
        // op(A)[i, p] = a[i * lda + p]
        for (let i = 0; i < MR; i++) {
          if (i < mr) {
            const src = aOff + (ic + ir + i) * lda + pc;
            for (let p = 0; p < kc; p++) ap[off + p * MR + i] = alpha * a[src + p]!;
          } else {
            for (let p = 0; p < kc; p++) ap[off + p * MR + i] = 0;
          }
        }
      } else {
        // op(A)[i, p] = a[p * lda + i]
        for (let p = 0; p < kc; p++) {
          const src = aOff + (pc + p) * lda + ic + ir;
          const dst = off + p * MR;
          for (let i = 0; i < MR; i++) ap[dst + i] = i < mr ? alpha * a[src + i]! : 0;
        }
      }
    }
  }

  /** The 4×4 micro-kernel: C tile (mr × nr valid) += packed A panel × packed B panel. */
  function kernel4x4(
    ap: Float64Array,
    aOff: number,
    bp: Float64Array,
    bOff: number,
    kc: number,
    c: Float64Array,
    cOff: number,
    ldc: number,
    mr: number,
    nr: number,
  ): void {
    let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
    let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
    let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
    let ai = aOff;
    let bi = bOff;
    for (let p = 0; p < kc; p++) {
      const b0 = bp[bi]!, b1 = bp[bi + 1]!, b2 = bp[bi + 2]!, b3 = bp[bi + 3]!;
      let a = ap[ai]!;
      c00 += a * b0; c01 += a * b1; c02 += a * b2; c03 += a * b3;
      a = ap[ai + 1]!;
      c10 += a * b0; c11 += a * b1; c12 += a * b2; c13 += a * b3;
      a = ap[ai + 2]!;
      c20 += a * b0; c21 += a * b1; c22 += a * b2; c23 += a * b3;
      a = ap[ai + 3]!;
      c30 += a * b0; c31 += a * b1; c32 += a * b2; c33 += a * b3;
      ai += 4;
      bi += 4;
    }
    if (mr === 4 && nr === 4) {
      let o = cOff;
      c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03;
      o += ldc;
      c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13;
      o += ldc;
      c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23;
      o += ldc;
      c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
      return;
    }
    const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
    for (let i = 0; i < mr; i++) {
      for (let j = 0; j < nr; j++) c[cOff + i * ldc + j] += t[i * 4 + j]!;
    }
  }

  /** Plain loops for small products (i-p-j order, contiguous inner loop when B is not transposed). */
  function gemmSmall(
    transA: boolean,
    transB: boolean,
    alpha: number,
    m: number,
    n: number,
    k: number,
    a: Float64Array,
    aOff: number,
    lda: number,
    b: Float64Array,
    bOff: number,
    ldb: number,
    c: Float64Array,
    cOff: number,
    ldc: number,
    lowerOnly: boolean,
  ): void {
    for (let i = 0; i < m; i++) {
      const jEnd = lowerOnly ? Math.min(n, i + 1) : n;
      const ci = cOff + i * ldc;
      if (!transB) {
        for (let p = 0; p < k; p++) {
          const aip = alpha * (transA ? a[aOff + p * lda + i]! : a[aOff + i * lda + p]!);
          const bo = bOff + p * ldb;
          for (let j = 0; j < jEnd; j++) c[ci + j] += aip * b[bo + j]!;
        }
      } else {
        for (let j = 0; j < jEnd; j++) {
          const bo = bOff + j * ldb;
          let s = 0;
          if (transA) for (let p = 0; p < k; p++) s += a[aOff + p * lda + i]! * b[bo + p]!;
          else {
            const ao = aOff + i * lda;
            for (let p = 0; p < k; p++) s += a[ao + p]! * b[bo + p]!;
          }
          c[ci + j] += alpha * s;
        }
      }
    }
  }

  return { gemmStrided };
}

const kernel = createGemmKernel();

/**
 * The same product on strided sub-matrices: `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is
 * `m × n`; entry `(i, j)` of a stored operand X lives at `x[xOff + i·ldx + j]` (row-major with
 * leading dimension `ldx`). Used for in-place updates of trailing blocks (blocked
 * tridiagonalisation) and for row slices of C (parallel GEMM). With `lowerOnly` the 4×4 tiles
 * strictly above C's diagonal are skipped (tiles crossing it are computed whole, so some
 * strictly-upper entries of C may change when β ≠ 0 or are left stale). Cost: 2·m·n·k flops.
 */
export const gemmStrided: GemmStridedFn = kernel.gemmStrided;

/**
 * `C ← α op(A) op(B) + β C`. Shapes are the caller's responsibility (checked in `index.ts`).
 * β = 0 overwrites C (NaNs in C are not propagated). Cost: 2·m·n·k flops.
 */
export function gemmBlocked(
  transA: boolean,
  transB: boolean,
  alpha: number,
  A: Matrix,
  B: Matrix,
  beta: number,
  C: Matrix,
  lowerOnly = false,
): void {
  const k = transA ? A.rows : A.cols;
  gemmStrided(transA, transB, C.rows, C.cols, k, alpha, A.data, 0, A.cols, B.data, 0, B.cols, beta, C.data, 0, C.cols, lowerOnly);
}


/**
 * How a product is cut over threads by rows of C (pool.ts, reduction-session.ts). Browser-safe.
 */

/** One `gemmStrided` call (gemm-kernel.ts), offsets relative to the shared operand buffers. */
export interface Task {
  tA: boolean;
  tB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  aOff: number;
  lda: number;
  bOff: number;
  ldb: number;
  beta: number;
  cOff: number;
  ldc: number;
  lower: boolean;
}

/**
 * Where `threads` contiguous slices of the rows `start .. end` begin and end (`threads + 1`
 * bounds, the cuts at multiples of 4 rows from `start`): equal counts of rows, or with `byArea`
 * equal parts of a lower triangle whose row r holds `r − start` entries. Cost O(threads).
 */
export function rowBounds(threads: number, start: number, end: number, byArea: boolean): number[] {
  const len = end - start;
  const bounds = [start];
  for (let t = 1; t < threads; t++) {
    const f = byArea ? Math.sqrt(t / threads) : t / threads;
    bounds.push(Math.min(end, Math.max(bounds[t - 1]!, start + Math.round((len * f) / 4) * 4)));
  }
  bounds.push(end);
  return bounds;
}

/**
 * The tasks of each of `threads` threads for `C ← α op(A) op(B) + β C` (`m × n`, row-major
 * strided), the rows of C cut into contiguous slices (multiples of 4 rows, the kernel's tile).
 * With `lowerOnly` only C's lower triangle is produced and the slices are balanced by area: a
 * slice is the full block left of its diagonal block, then the diagonal block (lower). A thread
 * with no rows gets no task. Cost O(threads).
 */
export function rowSlices(
  threads: number, transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  aOff: number, lda: number, bOff: number, ldb: number, beta: number, cOff: number, ldc: number, lowerOnly: boolean,
): Task[][] {
  const bounds = rowBounds(threads, 0, m, lowerOnly);
  const slice = (r0: number, r1: number): Task[] => {
    if (r1 <= r0) return [];
    const aRow = transA ? aOff + r0 : aOff + r0 * lda;
    const base = { tA: transA, tB: transB, k, alpha, lda, bOff, ldb, beta, ldc };
    if (!lowerOnly) return [{ ...base, m: r1 - r0, n, aOff: aRow, cOff: cOff + r0 * ldc, lower: false }];
    const bDiag = transB ? bOff + r0 * ldb : bOff + r0;
    const out: Task[] = [];
    if (r0 > 0) out.push({ ...base, m: r1 - r0, n: r0, aOff: aRow, cOff: cOff + r0 * ldc, lower: false });
    out.push({ ...base, m: r1 - r0, n: r1 - r0, aOff: aRow, bOff: bDiag, cOff: cOff + r0 * ldc + r0, lower: true });
    return out;
  };
  const out: Task[][] = [];
  for (let t = 0; t < threads; t++) out.push(slice(bounds[t]!, bounds[t + 1]!));
  return out;
}

/**
 * Block kernels for the matrix-free estimators: tall-skinny products on row-major `n × k` blocks
 * (one vector per column; through the backend GEMM when wide enough, unrolled loops for single
 * vectors), and a robust block orthonormalisation (block classical Gram–Schmidt
 * twice against a basis, then modified Gram–Schmidt twice inside the block, with deflation).
 * Internal to `linalg/iterative`.
 */
import type { Matrix } from '../matrix.js';
import { zeros } from '../matrix.js';
import { gemm } from '../index.js';
import type { Rng } from '../random.js';
import { ShapeError } from '../../errors.js';

/** Whether two typed arrays share memory. */
function overlaps(a: Float64Array, b: Float64Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Below this many flops (2·n·ka·kb) the plain loops are used instead of the backend GEMM. */
const GEMM_MIN_FLOPS = 2 * 32 * 32 * 32;

/**
 * `Aᵀ B` (`ka × kb`, row-major) for `A` `n × ka`, `B` `n × kb`. Width-1 `B`: a 4-row unrolled
 * pass (dot product when `ka = 1`); otherwise the backend GEMM (`transA`). Cost 2·n·ka·kb flops,
 * one pass over the rows.
 */
export function atb(A: Matrix, B: Matrix): Matrix {
  if (A.rows !== B.rows) throw new ShapeError(`atb: ${A.rows}×${A.cols} and ${B.rows}×${B.cols} have different row counts`);
  const n = A.rows, ka = A.cols, kb = B.cols;
  if (kb === 1) return { rows: ka, cols: 1, data: atVec(n, ka, A.data, B.data) };
  if (2 * n * ka * kb >= GEMM_MIN_FLOPS && ka > 1) return gemm(A, B, { transA: true });
  const a = A.data, b = B.data;
  const h = new Float64Array(ka * kb);
  for (let r = 0; r < n; r++) {
    const ao = r * ka, bo = r * kb;
    for (let i = 0; i < ka; i++) {
      const ai = a[ao + i]!;
      const ho = i * kb;
      for (let j = 0; j < kb; j++) h[ho + j]! += ai * b[bo + j]!;
    }
  }
  return { rows: ka, cols: kb, data: h };
}

/** `Aᵀ x` for row-major `A` `n × ka` (dot product with four accumulators when ka = 1). Cost 2·n·ka. */
function atVec(n: number, ka: number, a: Float64Array, x: Float64Array): Float64Array {
  const h = new Float64Array(ka);
  if (ka === 1) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let r = 0;
    for (; r + 3 < n; r += 4) {
      s0 += a[r]! * x[r]!;
      s1 += a[r + 1]! * x[r + 1]!;
      s2 += a[r + 2]! * x[r + 2]!;
      s3 += a[r + 3]! * x[r + 3]!;
    }
    for (; r < n; r++) s0 += a[r]! * x[r]!;
    h[0] = s0 + s1 + (s2 + s3);
    return h;
  }
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const x0 = x[r]!, x1 = x[r + 1]!, x2 = x[r + 2]!, x3 = x[r + 3]!;
    const o0 = r * ka, o1 = o0 + ka, o2 = o1 + ka, o3 = o2 + ka;
    for (let i = 0; i < ka; i++) h[i]! += x0 * a[o0 + i]! + x1 * a[o1 + i]! + x2 * a[o2 + i]! + x3 * a[o3 + i]!;
  }
  for (; r < n; r++) {
    const xr = x[r]!, o = r * ka;
    for (let i = 0; i < ka; i++) h[i]! += xr * a[o + i]!;
  }
  return h;
}

/**
 * `W ← W − Q H` in place (`W` `n × kb`, `Q` `n × ka`, `H` `ka × kb`). Width-1 `W`: row dot
 * products (an axpy when `ka = 1`); otherwise the backend GEMM (plain loops when `W` overlaps an
 * input or the product is small). Cost 2·n·ka·kb flops.
 */
export function subMul(W: Matrix, Q: Matrix, H: Matrix): void {
  const n = W.rows, ka = Q.cols, kb = W.cols;
  const w = W.data, q = Q.data, h = H.data;
  if (kb === 1) {
    if (ka === 1) {
      const h0 = h[0]!;
      for (let r = 0; r < n; r++) w[r]! -= h0 * q[r]!;
      return;
    }
    for (let r = 0; r < n; r++) {
      const o = r * ka;
      let s0 = 0, s1 = 0;
      let i = 0;
      for (; i + 1 < ka; i += 2) {
        s0 += q[o + i]! * h[i]!;
        s1 += q[o + i + 1]! * h[i + 1]!;
      }
      if (i < ka) s0 += q[o + i]! * h[i]!;
      w[r]! -= s0 + s1;
    }
    return;
  }
  if (2 * n * ka * kb >= GEMM_MIN_FLOPS && !overlaps(w, q) && !overlaps(w, h)) {
    gemm(Q, H, { out: W, alpha: -1, beta: 1 });
    return;
  }
  for (let r = 0; r < n; r++) {
    const qo = r * ka, wo = r * kb;
    for (let i = 0; i < ka; i++) {
      const qi = q[qo + i]!;
      const ho = i * kb;
      for (let j = 0; j < kb; j++) w[wo + j]! -= qi * h[ho + j]!;
    }
  }
}

/** `Q H` as a new `n × kb` matrix (`Q` `n × ka`, `H` `ka × kb`), by the backend GEMM. Cost 2·n·ka·kb flops. */
export function mulSmall(Q: Matrix, H: Matrix): Matrix {
  if (Q.cols !== H.rows) throw new ShapeError(`mulSmall: ${Q.rows}×${Q.cols} times ${H.rows}×${H.cols}`);
  return gemm(Q, H);
}

/** Squared 2-norms of the columns of `Y`. Cost O(n·k). */
export function colNormsSq(Y: Matrix): Float64Array {
  const k = Y.cols, y = Y.data;
  const s = new Float64Array(k);
  for (let r = 0; r < Y.rows; r++) {
    const o = r * k;
    for (let j = 0; j < k; j++) {
      const v = y[o + j]!;
      s[j]! += v * v;
    }
  }
  return s;
}

/** The columns of `W` as separate contiguous vectors. Cost O(n·k). */
export function toCols(W: Matrix): Float64Array[] {
  const { rows: n, cols: k, data: w } = W;
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) cols.push(new Float64Array(n));
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) cols[j]![r] = w[r * k + j]!;
  return cols;
}

/** The row-major `n × k` block whose columns are the given vectors. Cost O(n·k). */
export function fromCols(cols: Float64Array[], n: number): Matrix {
  const k = cols.length;
  const out = zeros(n, k);
  const o = out.data;
  for (let j = 0; j < k; j++) {
    const c = cols[j]!;
    for (let r = 0; r < n; r++) o[r * k + j] = c[r]!;
  }
  return out;
}

/** Columns `from..to-1` of `W` as a new block. */
export function sliceCols(W: Matrix, from: number, to: number): Matrix {
  const k = to - from;
  const out = zeros(W.rows, k);
  for (let r = 0; r < W.rows; r++) out.data.set(W.data.subarray(r * W.cols + from, r * W.cols + to), r * k);
  return out;
}

/** `[A, B]` side by side. */
export function hcat(A: Matrix, B: Matrix): Matrix {
  if (A.rows !== B.rows) throw new ShapeError(`hcat: ${A.rows} and ${B.rows} rows`);
  const k = A.cols + B.cols;
  const out = zeros(A.rows, k);
  for (let r = 0; r < A.rows; r++) {
    out.data.set(A.data.subarray(r * A.cols, (r + 1) * A.cols), r * k);
    out.data.set(B.data.subarray(r * B.cols, (r + 1) * B.cols), r * k + A.cols);
  }
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  const n = a.length;
  let i = 0;
  let s1 = 0, s2 = 0, s3 = 0;
  for (; i + 3 < n; i += 4) {
    s += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s += a[i]! * b[i]!;
  return s + s1 + s2 + s3;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += alpha * x[i]!;
}

function nrm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** Result of `orthonormalize`. */
export interface OrthoResult {
  /** Orthonormal block `n × k'` (orthogonal to the basis). */
  Q: Matrix;
  /** `k' × k` coefficients with `W − Σ B_i C_i = Q R` (up to the deflated parts). */
  R: Matrix;
  /** Projection coefficients `C_i = B_iᵀ W` against each basis block (summed over passes). */
  coeffs: Matrix[];
  /** Indices of input columns that were numerically dependent (replaced by random or dropped). */
  deflated: number[];
}

/**
 * Orthonormalises the columns of `W` (`n × k`, not modified) against the orthonormal blocks in
 * `basis` and among themselves. A column whose norm after projection falls below
 * `dropTol` × its original norm is *deflated*: replaced by a random unit vector orthogonal to
 * everything when `rng` is given and room remains, otherwise dropped. Cost O(n·k·(m + k)) for a
 * basis of `m` columns.
 */
export function orthonormalize(W: Matrix, basis: Matrix[], opts: { rng?: Rng; dropTol?: number } = {}): OrthoResult {
  const n = W.rows, k = W.cols;
  const dropTol = opts.dropTol ?? 1e-12;
  const X: Matrix = { rows: n, cols: k, data: W.data.slice() };
  const orig = colNormsSq(X).map(Math.sqrt);
  const coeffs: Matrix[] = basis.map((B) => zeros(B.cols, k));
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < basis.length; i++) {
      const H = atb(basis[i]!, X);
      subMul(X, basis[i]!, H);
      const c = coeffs[i]!.data;
      for (let t = 0; t < c.length; t++) c[t]! += H.data[t]!;
    }
  }
  let basisDim = 0;
  for (const B of basis) basisDim += B.cols;
  const projectBasis = (v: Float64Array): void => {
    const V: Matrix = { rows: n, cols: 1, data: v };
    for (const B of basis) subMul(V, B, atb(B, V));
  };
  const { qs, Rfull, deflated } = orthonormalizeColumns(toCols(X), orig, { ...opts, dropTol, project: projectBasis, basisDim });
  const kk = qs.length;
  const R = zeros(kk, k);
  R.data.set(Rfull.subarray(0, kk * k));
  return { Q: fromCols(qs, n), R, coeffs, deflated };
}

/**
 * The inner step of `orthonormalize` on separate column vectors (`cols`, each of length n, used as
 * the workspace: the kept ones are normalised in place and returned in `qs`): modified
 * Gram–Schmidt twice against the vectors accepted so far, with one more pass (after `project`,
 * the projection against an outer basis of `basisDim` vectors) under heavy cancellation, and
 * deflation of a column whose norm falls below `dropTol` × `orig[c]` (replaced by a random
 * vector when `rng` is given and room remains, else dropped). `Rfull` is `k × k` (row = output
 * column). Cost O(n·k²).
 */
export function orthonormalizeColumns(
  cols: Float64Array[],
  orig: ArrayLike<number>,
  opts: { rng?: Rng; dropTol: number; project?: (v: Float64Array) => void; basisDim?: number },
): { qs: Float64Array[]; Rfull: Float64Array; deflated: number[] } {
  const k = cols.length;
  const n = k > 0 ? cols[0]!.length : 0;
  const { dropTol } = opts;
  const basisDim = opts.basisDim ?? 0;
  const projectBasis = opts.project ?? ((): void => undefined);
  const qs: Float64Array[] = [];
  const Rfull = new Float64Array(k * k); // row = output column index (≤ k), col = input column
  const deflated: number[] = [];
  for (let c = 0; c < k; c++) {
    const w = cols[c]!;
    const before = nrm(w);
    for (let pass = 0; pass < 2; pass++) {
      for (let d = 0; d < qs.length; d++) {
        const r = dot(qs[d]!, w);
        axpy(-r, qs[d]!, w);
        Rfull[d * k + c]! += r;
      }
    }
    let nw = nrm(w);
    if (nw > 0 && nw < 1e-6 * Math.max(before, orig[c]!)) {
      // Heavy cancellation: one more full pass for safety (coefficients here are roundoff-sized).
      projectBasis(w);
      for (let d = 0; d < qs.length; d++) axpy(-dot(qs[d]!, w), qs[d]!, w);
      nw = nrm(w);
    }
    if (!(nw > dropTol * orig[c]!) || nw === 0) {
      deflated.push(c);
      if (opts.rng && basisDim + qs.length < n) {
        const v = new Float64Array(n);
        let ok = false;
        for (let attempt = 0; attempt < 5 && !ok; attempt++) {
          opts.rng.fillNormal(v);
          const v0 = nrm(v);
          for (let pass = 0; pass < 2; pass++) {
            projectBasis(v);
            for (let d = 0; d < qs.length; d++) axpy(-dot(qs[d]!, v), qs[d]!, v);
          }
          const nv = nrm(v);
          if (nv > 1e-8 * v0) {
            for (let i = 0; i < n; i++) v[i]! /= nv;
            ok = true;
          }
        }
        if (ok) qs.push(v); // its R row is zero: the input column contributed only roundoff
      }
      continue;
    }
    for (let i = 0; i < n; i++) w[i]! /= nw;
    Rfull[qs.length * k + c] = nw;
    qs.push(w);
  }
  return { qs, Rfull, deflated };
}

/**
 * An orthonormal basis stored by rows: vector `i` is row `i` of a row-major `m × n` buffer, so
 * that the projections `Qᵀ X` and `X − Q H` against the whole basis are ONE GEMM each (on
 * contiguous memory) instead of one thin GEMM per stored block. At most `capacity` vectors; the
 * buffer is allocated at that size when it is at most `eager` vectors (default 512), else it
 * starts there and doubles as needed.
 */
export class RowBasis {
  readonly n: number;
  readonly capacity: number;
  /** Vectors in use. */
  m = 0;
  private buf: Float64Array;
  private spare = new Float64Array(0);
  constructor(n: number, capacity: number, eager = 512) {
    this.n = n;
    this.capacity = capacity;
    this.buf = new Float64Array(n * Math.min(capacity, eager));
  }
  private reserve(rows: number): void {
    if (rows * this.n <= this.buf.length) return;
    const grown = new Float64Array(this.n * Math.min(this.capacity, Math.max(rows, 2 * (this.buf.length / this.n))));
    grown.set(this.buf.subarray(0, this.m * this.n));
    this.buf = grown;
  }
  /**
   * A scratch buffer of `len` doubles kept with the basis and reused by every call (a fresh
   * block per Gram–Schmidt pass would be paid for again in page faults). Contents unspecified.
   */
  scratch(len: number): Float64Array {
    if (this.spare.length < len) this.spare = new Float64Array(len);
    return this.spare.length === len ? this.spare : this.spare.subarray(0, len);
  }
  /** The basis as an `m × n` matrix (a view: its rows are the vectors). */
  rowsView(): Matrix {
    return { rows: this.m, cols: this.n, data: this.buf.subarray(0, this.m * this.n) };
  }
  /** Appends the columns of `Q` (`n × k`, orthonormal to the basis) as new rows. Cost O(n·k). */
  append(Q: Matrix): void {
    const { n } = this;
    const k = Q.cols;
    if (Q.rows !== n) throw new ShapeError(`RowBasis.append: block has ${Q.rows} rows, basis vectors have ${n}`);
    if (this.m + k > this.capacity) throw new ShapeError(`RowBasis.append: ${this.m} + ${k} vectors exceed the capacity ${this.capacity}`);
    this.reserve(this.m + k);
    const b = this.buf, q = Q.data;
    const o = this.m * n;
    // Q read once in order, k sequential write streams
    for (let r = 0, s = 0; r < n; r++, s += k) for (let j = 0, d = o + r; j < k; j++, d += n) b[d] = q[s + j]!;
    this.m += k;
  }
  /** `Q S` for `S` `m × c` (the first `m` rows used): an `n × c` block. One GEMM, cost 2·n·m·c. */
  times(S: Matrix): Matrix {
    return gemm(this.rowsView(), S, { transA: true });
  }
  /**
   * Replaces the basis by its first `c` rotated vectors `Q S[:, :c]` (`S` `m × m`, e.g. Ritz
   * vectors of a thick restart), in place: column stripes of the basis are copied out and
   * multiplied back, so no second `n × c` block is held. Cost 2·n·m·c flops, O(m·stripe) scratch.
   */
  rotateInPlace(S: Matrix, c: number): void {
    const { n, m } = this;
    if (S.rows !== m || c > m) throw new ShapeError(`RowBasis.rotateInPlace: rotation is ${S.rows}×${S.cols}, basis has ${m} vectors, kept ${c}`);
    const St = zeros(c, m); // S[:, :c]ᵀ
    for (let r = 0; r < m; r++) for (let q = 0; q < c; q++) St.data[q * m + r] = S.data[r * S.cols + q]!;
    const stripe = Math.max(1, Math.min(n, 2048));
    const chunk = zeros(m, stripe);
    const out = zeros(c, stripe);
    const b = this.buf;
    for (let c0 = 0; c0 < n; c0 += stripe) {
      const w = Math.min(stripe, n - c0);
      const C: Matrix = w === stripe ? chunk : { rows: m, cols: w, data: chunk.data.subarray(0, m * w) };
      const O: Matrix = w === stripe ? out : { rows: c, cols: w, data: out.data.subarray(0, c * w) };
      for (let r = 0; r < m; r++) C.data.set(b.subarray(r * n + c0, r * n + c0 + w), r * w);
      gemm(St, C, { out: O });
      for (let r = 0; r < c; r++) b.set(O.data.subarray(r * w, (r + 1) * w), r * n + c0);
    }
    this.m = c;
  }
  /** The basis as an `n × m` column block (for the general fallback). Cost O(n·m). */
  asColumns(): Matrix {
    const { n, m } = this;
    const out = zeros(n, m);
    const b = this.buf, o = out.data;
    for (let j = 0; j < m; j++) for (let r = 0; r < n; r++) o[r * m + j] = b[j * n + r]!;
    return out;
  }
}

/**
 * Below this size relative to its column's norm a full-basis projection coefficient is roundoff
 * (a Krylov block after its local pass measures ~5e-15 here), and the pass that would subtract it
 * is skipped. Far below the semi-orthogonality level √ε ≈ 1.5e-8 at which Ritz values keep full
 * accuracy (docs/theory.md §5); a basis that drifts further is corrected by the next pass.
 */
const ORTHO_SKIP = 1e-12;

/** Whether every `|H[i, j]| ≤ ORTHO_SKIP·‖x_j‖` (`H` row-major with `k` columns, `normsSq[j] = ‖x_j‖²`). Cost O(|H|). */
function roundoffSized(h: Float64Array, normsSq: Float64Array, k: number): boolean {
  for (let t = 0; t < h.length; t++) {
    const j = t % k;
    if (!(Math.abs(h[t]!) <= ORTHO_SKIP * Math.sqrt(normsSq[j]!))) return false;
  }
  return true;
}

/** Result of `orthonormalizeRows`. */
export interface RowOrthoResult {
  /** Orthonormal block `n × k'`, orthogonal to the basis. */
  Q: Matrix;
  /** `k' × k` with `W − Q_basis H = Q R` (up to deflated parts). */
  R: Matrix;
  /** `H = Q_basisᵀ W` (`m × k`), summed over both projection passes. */
  H: Matrix;
  /** Input columns that were numerically dependent (see `orthonormalize`). */
  deflated: number[];
}

/**
 * `R` (upper triangular, `k × k`, row-major) with `G = RᵀR` by Cholesky, or null when `G` is not
 * numerically positive definite or a pivot falls below `rel²·scale[i]²`. Cost O(k³).
 */
function cholUpper(G: Float64Array, k: number, scale: Float64Array, rel: number): Float64Array | null {
  const R = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    let d = G[i * k + i]!;
    for (let p = 0; p < i; p++) d -= R[p * k + i]! * R[p * k + i]!;
    if (!(d > rel * rel * scale[i]! * scale[i]!) || !(d > 0)) return null;
    const rii = Math.sqrt(d);
    R[i * k + i] = rii;
    for (let j = i + 1; j < k; j++) {
      let s = G[i * k + j]!;
      for (let p = 0; p < i; p++) s -= R[p * k + i]! * R[p * k + j]!;
      R[i * k + j] = s / rii;
    }
  }
  return R;
}

/** Inverse of an upper-triangular `k × k` matrix (row-major). Cost O(k³). */
function invUpper(R: Float64Array, k: number): Float64Array {
  const X = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    X[j * k + j] = 1 / R[j * k + j]!;
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let p = i + 1; p <= j; p++) s += R[i * k + p]! * X[p * k + j]!;
      X[i * k + j] = -s / R[i * k + i]!;
    }
  }
  return X;
}

/** `A B` for upper-triangular `k × k` row-major matrices. */
function mulUpper(A: Float64Array, B: Float64Array, k: number): Float64Array {
  const C = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) {
    let s = 0;
    for (let p = i; p <= j; p++) s += A[i * k + p]! * B[p * k + j]!;
    C[i * k + j] = s;
  }
  return C;
}

/**
 * Orthonormalises the columns of `W` (`n × k`, not modified) against a row-stored basis and among
 * themselves, on GEMMs: classical Gram–Schmidt against the trailing `local` basis vectors (default
 * all), then against the whole basis until no column loses more than half its norm in a pass
 * (Daniel–Gragg–Kaufman–Stewart; at least two passes in all, two GEMMs each; a full pass whose
 * coefficients are all roundoff-sized, below `ORTHO_SKIP` of their column's norm, ends the
 * loop after one GEMM instead of two), then Cholesky QR
 * twice inside the block (`XᵀX`, its Cholesky factor, `X R⁻¹`). When a column
 * lost nearly all its norm to the projection or the block is too ill-conditioned for Cholesky QR
 * (a pivot below 1e-6 of its column's norm), it falls back to `orthonormalize` (modified
 * Gram–Schmidt with deflation and random replacement) against the same basis. Cost
 * `O(n·k·(m + k))` flops in GEMMs for a basis of `m` vectors.
 */
export function orthonormalizeRows(W: Matrix, basis: RowBasis, opts: { rng?: Rng; dropTol?: number; local?: number; inPlace?: boolean } = {}): RowOrthoResult {
  const n = W.rows, k = W.cols;
  if (basis.n !== n) throw new ShapeError(`orthonormalizeRows: block has ${n} rows, basis vectors have ${basis.n}`);
  const m = basis.m;
  // inPlace: W's memory is the workspace and holds Q on return (unless the general fallback runs)
  const X: Matrix = { rows: n, cols: k, data: opts.inPlace ? W.data : W.data.slice() };
  const orig = colNormsSq(X).map(Math.sqrt);
  const H = zeros(m, k);
  if (m > 0) {
    const Bv = basis.rowsView();
    // first pass against the trailing `local` vectors only (where a Krylov block's large
    // components lie), then full passes until no column loses more than half its norm (DGKS)
    const local = Math.min(m, opts.local ?? m);
    // one pass: H_p = Vᵀ X (from vector `from` on), then X −= V H_p, unless every |H_p[i, j]| is
    // at most `skipBelow`·‖x_j‖: X is then orthogonal to the basis to that level already and the
    // subtraction (a second read of the whole basis) would change nothing that matters
    const project = (from: number, norms?: Float64Array): boolean => {
      const V: Matrix = { rows: m - from, cols: n, data: Bv.data.subarray(from * n) };
      const Hp = gemm(V, X); // (m − from) × k
      const hp = Hp.data;
      if (norms && roundoffSized(hp, norms, k)) return false;
      gemm(V, Hp, { transA: true, out: X, alpha: -1, beta: 1 });
      const h = H.data, o = from * k;
      for (let t = 0; t < hp.length; t++) h[o + t]! += hp[t]!;
      return true;
    };
    project(m - local);
    for (let pass = 0; pass < 3; pass++) {
      const before = colNormsSq(X);
      if (!project(0, before)) break;
      const after = colNormsSq(X);
      let ok = true;
      for (let j = 0; j < k; j++) if (!(after[j]! > 0.25 * before[j]!)) ok = false;
      if (ok && (local < m || pass > 0)) break;
    }
  }
  // Cholesky QR twice, from X into the basis's scratch block and back (the result in X's memory;
  // X itself is only overwritten by a pass that succeeds)
  const S: Matrix = { rows: n, cols: k, data: basis.scratch(n * k) };
  let Q = X;
  let R: Float64Array | null = null;
  for (let pass = 0; pass < 2; pass++) {
    const G = gemm(Q, Q, { transA: true }).data;
    const scale = pass === 0 ? orig : new Float64Array(k).fill(1);
    const Rp = cholUpper(G, k, scale, 1e-6);
    if (!Rp) {
      R = null;
      break;
    }
    Q = gemm(Q, { rows: k, cols: k, data: invUpper(Rp, k) }, { out: pass === 0 ? S : X });
    R = R ? mulUpper(Rp, R, k) : Rp;
  }
  if (R) return { Q, R: { rows: k, cols: k, data: R }, H, deflated: [] };
  // rank-deficient or ill-conditioned block: the general path (MGS with deflation) on the input;
  // when it was overwritten, X still holds its projection and W = X + Q_basis H
  if (opts.inPlace && m > 0) gemm(basis.rowsView(), H, { transA: true, out: X, beta: 1 });
  const o = orthonormalize(opts.inPlace ? X : W, m > 0 ? [basis.asColumns()] : [], { ...(opts.rng ? { rng: opts.rng } : {}), ...(opts.dropTol !== undefined ? { dropTol: opts.dropTol } : {}) });
  return { Q: o.Q, R: o.R, H: m > 0 ? o.coeffs[0]! : H, deflated: o.deflated };
}

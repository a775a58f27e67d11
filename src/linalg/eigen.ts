/**
 * Eigen-decompositions converted to sntk's conventions: symmetric by our blocked flat-array
 * tridiagonalisation + QL (symmetric-eigen.ts), general by `ml-matrix` (orthes/hqr2).
 *
 * Symmetric: values ascending, orthonormal vector columns, each column's sign fixed so its entry
 * of largest modulus is positive.
 *
 * General, values only (`vectors = false`): our balancing + Hessenberg + double-shift QR without
 * eigenvectors (hessenberg-qr.ts); the eigenvalues are a multiset (conjugate pairs adjacent, +Im
 * first), in deflation order, which need not match ml-matrix's order.
 *
 * General with vectors: `ml-matrix` returns real-packed right vectors (a conjugate pair `a ± ib` at columns
 * k, k+1 is stored as real part, imaginary part). We unpack them into complex columns, pick the
 * conjugate that actually satisfies `Av = λv` for the +Im member (checked by residual, so a change
 * of convention upstream cannot silently flip them), and order each pair +Im first.
 *
 * Left eigenvectors (`wᴴA = λwᴴ`) are computed as **right eigenvectors of Aᵀ**: `Aᵀu = λu` gives
 * `w = ū`. The eigenvalues of `Aᵀ` (a second, independent hqr2 run) are matched to those of `A`
 * by distance, ties within a cluster broken by the largest biorthogonality `|wᴴv|`. This is
 * backward stable (residual ≈ ε‖A‖ whatever the conditioning of the eigenvector matrix), unlike
 * taking rows of `V⁻¹`, which degrades with `κ(V)` and fails for defective matrices. Cost: two
 * general eigen-decompositions.
 *
 * All complex vectors have unit 2-norm and their entry of largest modulus real and positive.
 */
import { Matrix as MlMatrix, EigenvalueDecomposition } from 'ml-matrix';
import type { ComplexMatrix, GeneralEigen, SymmetricEigen } from './backend.js';
import type { Matrix } from './matrix.js';
import { zeros } from './matrix.js';
import { symmetricEigenValuesInPlace, symmetricEigenVectorsInPlace, tridiagQlInPlace, type ReductionKernels } from './symmetric-eigen.js';
import { generalEigenValuesHqr } from './hessenberg-qr.js';

function toMl(A: Matrix, transpose = false): MlMatrix {
  const n = A.rows, c = A.cols;
  const m = new MlMatrix(transpose ? c : n, transpose ? n : c);
  const a = A.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const v = a[i * c + j]!;
      if (transpose) m.set(j, i, v);
      else m.set(i, j, v);
    }
  }
  return m;
}

/**
 * A power of two `2^e` with `max|a| / 2^e` in [0.5, 1) (1 for a zero or empty matrix). Dividing by
 * it is exact (barring subnormals) and keeps the iterations away from overflow and underflow.
 */
export function powerOfTwoScale(a: Float64Array): number {
  let big = 0;
  for (let i = 0; i < a.length; i++) big = Math.max(big, Math.abs(a[i]!));
  if (!(big > 0) || !Number.isFinite(big)) return 1;
  let e = Math.floor(Math.log2(big)) + 1;
  e = Math.max(-1000, Math.min(1000, e));
  return 2 ** e;
}

function scaled(A: Matrix, f: number): Matrix {
  if (f === 1) return A;
  return { rows: A.rows, cols: A.cols, data: A.data.map((x) => x / f) };
}

/** Copies the lower triangle of the row-major `n × n` `a`, divided by `f`, into `out` (upper part left as is). O(n²). */
function lowerTriangleScaled(n: number, a: Float64Array, f: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const ro = i * n;
    if (f === 1) out.set(a.subarray(ro, ro + i + 1), ro);
    else for (let j = 0; j <= i; j++) out[ro + j] = a[ro + j]! / f;
  }
}

/**
 * Symmetric eigen-decomposition (lower triangle trusted), values ascending, using the blocked
 * tridiagonalisation + QL of symmetric-eigen.ts on a power-of-two scaled copy. Values only: ≈
 * 4/3·n³ flops (half in GEMM) + O(n²); with vectors ≈ 4/3·n³ + 4/3·n³ (GEMM) + ≈ 3n³ (QL
 * rotations).
 */
export function symmetricEigenFlat(A: Matrix, vectors: boolean): SymmetricEigen {
  const n = A.rows;
  const f = powerOfTwoScale(A.data);
  const a = A.data;
  const w = new Float64Array(n * n);
  lowerTriangleScaled(n, a, f, w);
  const values = new Float64Array(n);
  if (!vectors) {
    symmetricEigenValuesInPlace(n, w, values);
    if (f !== 1) for (let k = 0; k < n; k++) values[k]! *= f;
    return { values };
  }
  const v = symmetricEigenVectorsInPlace(n, w, values);
  if (f !== 1) for (let k = 0; k < n; k++) values[k]! *= f;
  return { values, vectors: vectorColumns(n, v) };
}

/**
 * Eigenvalues only (ascending) of a symmetric matrix (lower triangle trusted), by the blocked
 * tridiagonalisation + QL of symmetric-eigen.ts: all of them, or the `largest` largest (the
 * reduction dominates, ≈ 4/3·n³ flops, so this backend computes all and returns the top ones).
 * `overwrite`: works in `A`'s own memory (scaled by a power of two, then destroyed), no n² copy.
 * `work` (optional): supplies the `n²` buffer the copy goes into when not overwriting, and
 * `kernels` the reduction's products (the worker pool passes a shared buffer and its split ones).
 */
export function symmetricEigenvaluesFlat(
  A: Matrix,
  overwrite: boolean,
  largest?: number,
  work?: (length: number) => Float64Array,
  kernels?: ReductionKernels,
): Float64Array {
  const n = A.rows;
  const f = powerOfTwoScale(A.data);
  let a = A.data;
  if (overwrite) {
    if (f !== 1) for (let i = 0; i < a.length; i++) a[i] = a[i]! / f;
  } else {
    a = work ? work(n * n) : new Float64Array(n * n);
    lowerTriangleScaled(n, A.data, f, a);
  }
  const values = new Float64Array(n);
  symmetricEigenValuesInPlace(n, a, values, kernels);
  if (f !== 1) for (let k = 0; k < n; k++) values[k]! *= f;
  return largest === undefined || largest >= n ? values : values.slice(n - Math.max(1, largest));
}

/**
 * The reference solver (unblocked tred2/tql2, symmetric-eigen.ts) with the same conventions as
 * `symmetricEigenFlat`; for tests and benchmarks. Cost ≈ 9n³ flops.
 */
export function symmetricEigenReference(A: Matrix, vectors: boolean): SymmetricEigen {
  const n = A.rows;
  const f = powerOfTwoScale(A.data);
  const a = A.data;
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = a[i * n + j]! / f;
      v[i * n + j] = x;
      v[j * n + i] = x;
    }
  }
  const values = new Float64Array(n);
  tridiagQlInPlace(n, v, values);
  if (f !== 1) for (let k = 0; k < n; k++) values[k]! *= f;
  return vectors ? { values, vectors: vectorColumns(n, v) } : { values };
}

/** Eigenvectors as columns from the transposed storage (row k = vector k), sign: largest entry positive. */
function vectorColumns(n: number, v: Float64Array): Matrix {
  const out = zeros(n, n);
  const o = out.data;
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    let big = 0;
    let sign = 1;
    for (let i = 0; i < n; i++) {
      const x = v[rk + i]!;
      if (Math.abs(x) > big) {
        big = Math.abs(x);
        sign = x < 0 ? -1 : 1;
      }
    }
    for (let i = 0; i < n; i++) o[i * n + k] = sign * v[rk + i]!;
  }
  return out;
}

interface RawEigen {
  re: Float64Array;
  im: Float64Array;
  /** Column k as separate arrays (complex, unit norm). */
  vre: Float64Array[];
  vim: Float64Array[];
}

/** Runs hqr2 on `A` (or `Aᵀ`) and unpacks complex right vectors, pairs ordered +Im first. */
function rawGeneral(A: Matrix, transpose: boolean, vectors: boolean): RawEigen {
  const n = A.rows;
  const e = new EigenvalueDecomposition(toMl(A, transpose), { assumeSymmetric: false });
  const d = e.realEigenvalues;
  const f = e.imaginaryEigenvalues;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const vre: Float64Array[] = [];
  const vim: Float64Array[] = [];
  const V = vectors ? e.eigenvectorMatrix : undefined;
  // Operator for residual checks: y = op(A) x.
  const a = A.data;
  const apply = (x: Float64Array, y: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      if (!transpose) for (let j = 0; j < n; j++) s += a[i * n + j]! * x[j]!;
      else for (let j = 0; j < n; j++) s += a[j * n + i]! * x[j]!;
      y[i] = s;
    }
  };
  for (let k = 0; k < n; k++) {
    if (f[k] === 0 || k === n - 1) {
      re[k] = d[k]!;
      im[k] = 0;
      if (V) {
        const x = new Float64Array(n);
        for (let i = 0; i < n; i++) x[i] = V.get(i, k);
        vre.push(x);
        vim.push(new Float64Array(n));
      }
      continue;
    }
    const b = Math.abs(f[k]!);
    re[k] = d[k]!;
    im[k] = b;
    re[k + 1] = d[k + 1]!;
    im[k + 1] = -b;
    if (V) {
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        x[i] = V.get(i, k);
        y[i] = V.get(i, k + 1);
      }
      // Residuals of x + iy and x − iy for λ = a + ib.
      const ax = new Float64Array(n);
      const ay = new Float64Array(n);
      apply(x, ax);
      apply(y, ay);
      const lr = d[k]!;
      let rPlus = 0;
      let rMinus = 0;
      for (let i = 0; i < n; i++) {
        // (a+ib)(x+iy) = ax − by + i(bx + ay)
        const pr = ax[i]! - (lr * x[i]! - b * y[i]!);
        const pi = ay[i]! - (b * x[i]! + lr * y[i]!);
        rPlus += pr * pr + pi * pi;
        // (a+ib)(x−iy) = ax + by + i(bx − ay)
        const mr = ax[i]! - (lr * x[i]! + b * y[i]!);
        const mi = -ay[i]! - (b * x[i]! - lr * y[i]!);
        rMinus += mr * mr + mi * mi;
      }
      const s = rPlus <= rMinus ? 1 : -1;
      const yi = Float64Array.from(y, (v) => s * v);
      vre.push(x, x.slice());
      vim.push(yi, Float64Array.from(yi, (v) => -v));
    }
    k++;
  }
  for (let k = 0; k < vre.length; k++) normalizePhase(vre[k]!, vim[k]!);
  return { re, im, vre, vim };
}

/** Scales a complex vector to unit 2-norm with its largest-modulus entry real and positive. */
function normalizePhase(xr: Float64Array, xi: Float64Array): void {
  const n = xr.length;
  let big = -1;
  let at = 0;
  let nrm = 0;
  for (let i = 0; i < n; i++) {
    const m2 = xr[i]! * xr[i]! + xi[i]! * xi[i]!;
    nrm += m2;
    if (m2 > big * (1 + 1e-12)) {
      big = m2;
      at = i;
    }
  }
  if (!(nrm > 0)) return;
  const mod = Math.hypot(xr[at]!, xi[at]!);
  // multiply by conj(x_at)/|x_at| / ‖x‖
  const cr = xr[at]! / mod / Math.sqrt(nrm);
  const ci = -xi[at]! / mod / Math.sqrt(nrm);
  for (let i = 0; i < n; i++) {
    const r = xr[i]!, m = xi[i]!;
    xr[i] = r * cr - m * ci;
    xi[i] = r * ci + m * cr;
  }
  xi[at] = 0;
}

function columnsToComplex(vre: Float64Array[], vim: Float64Array[], n: number, order?: number[]): ComplexMatrix {
  const re = zeros(n, n);
  const im = zeros(n, n);
  for (let c = 0; c < n; c++) {
    const k = order ? order[c]! : c;
    const xr = vre[k]!, xi = vim[k]!;
    for (let i = 0; i < n; i++) {
      re.data[i * n + c] = xr[i]!;
      im.data[i * n + c] = xi[i]!;
    }
  }
  return { re, im };
}

/**
 * General real eigen-decomposition with complex eigenvalues and (optionally) right and left
 * eigenvectors; see the module comment for the method. Cost O(n³) (two hqr2 runs with vectors;
 * values only ≈ 10/3·n³ + 4–6·n³ flops, hessenberg-qr.ts).
 */
export function generalEigenMl(A: Matrix, vectors: boolean): GeneralEigen {
  const n = A.rows;
  if (n === 0) {
    const e = new Float64Array(0);
    return vectors ? { re: e, im: e.slice(), right: { re: zeros(0, 0), im: zeros(0, 0) }, left: { re: zeros(0, 0), im: zeros(0, 0) } } : { re: e, im: e.slice() };
  }
  // Exact power-of-two scaling; eigenvectors are unchanged, eigenvalues scale back.
  const f = powerOfTwoScale(A.data);
  A = scaled(A, f);
  if (!vectors) {
    // Values only: balancing + Hessenberg + double-shift QR without vectors (hessenberg-qr.ts),
    // ≈ 3–4× fewer flops than hqr2. Same conventions (real: im = 0; pairs adjacent, +Im first);
    // the order otherwise is the deflation order, so treat the result as a multiset.
    const V = generalEigenValuesHqr(n, A.data);
    if (f !== 1) {
      for (let k = 0; k < n; k++) {
        V.re[k]! *= f;
        V.im[k]! *= f;
      }
    }
    return V;
  }
  const R = rawGeneral(A, false, vectors);
  if (f !== 1) {
    for (let k = 0; k < n; k++) {
      R.re[k]! *= f;
      R.im[k]! *= f;
    }
  }
  if (!vectors) return { re: R.re, im: R.im };
  const T = rawGeneral(A, true, true);
  if (f !== 1) {
    for (let k = 0; k < n; k++) {
      T.re[k]! *= f;
      T.im[k]! *= f;
    }
  }
  // Match λ_k (of A) to μ_j (of Aᵀ): w_k = conj(u_j).
  let scale = 0;
  for (let i = 0; i < A.data.length; i++) scale = Math.max(scale, Math.abs(A.data[i]!));
  const delta = 1e-8 * Math.max(scale, Number.MIN_VALUE) * n;
  const used = new Uint8Array(n);
  const match: number[] = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    let dmin = Infinity;
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      const dist = Math.hypot(R.re[k]! - T.re[j]!, R.im[k]! - T.im[j]!);
      if (dist < dmin) dmin = dist;
    }
    let best = -1;
    let bestDot = -1;
    const vr = R.vre[k]!, vi = R.vim[k]!;
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      const dist = Math.hypot(R.re[k]! - T.re[j]!, R.im[k]! - T.im[j]!);
      if (dist > dmin + delta) continue;
      // |wᴴv| with w = conj(u): wᴴv = uᵀv.
      const ur = T.vre[j]!, ui = T.vim[j]!;
      let sr = 0, si = 0;
      for (let i = 0; i < n; i++) {
        sr += ur[i]! * vr[i]! - ui[i]! * vi[i]!;
        si += ur[i]! * vi[i]! + ui[i]! * vr[i]!;
      }
      const dot = Math.hypot(sr, si);
      if (dot > bestDot) {
        bestDot = dot;
        best = j;
      }
    }
    used[best] = 1;
    match[k] = best;
  }
  const lre: Float64Array[] = [];
  const lim: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const j = match[k]!;
    lre.push(T.vre[j]!.slice());
    lim.push(Float64Array.from(T.vim[j]!, (v) => -v));
  }
  for (let k = 0; k < n; k++) normalizePhase(lre[k]!, lim[k]!);
  return {
    re: R.re,
    im: R.im,
    right: columnsToComplex(R.vre, R.vim, n),
    left: columnsToComplex(lre, lim, n),
  };
}

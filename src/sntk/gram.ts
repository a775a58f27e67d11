/**
 * The parameter-space Gram `G = JᵀJ` of the state Jacobian `J = dH/dθ` (restricted to a set of
 * cell-parameter columns) and its spectrum with the top eigenvector — the dense kernels behind
 * `analyzeSntk` and the training monitor (`JᵀJ` and the sNTK `JJᵀ` share their
 * nonzero spectrum).
 */
import type { Model, Trajectory } from '../models/types.js';
import { hasBlockSweep, trajectoryVjpBlock } from '../models/index.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { cholesky, choleskySolve, getBackend, largeZeros, syrk, symmetricEigen } from '../linalg/index.js';
import { SntkError } from '../errors.js';

/** The columns `idx` of `J` as a new `rows × idx.length` matrix (`J` itself when all columns are kept in order). Cost O(rows·|idx|). */
export function selectColumns(J: Matrix, idx: Int32Array): Matrix {
  if (idx.length === J.cols) {
    let identityOrder = true;
    for (let c = 0; c < idx.length; c++) if (idx[c] !== c) identityOrder = false;
    if (identityOrder) return J;
  }
  const out = zeros(J.rows, idx.length);
  const p = idx.length;
  for (let r = 0; r < J.rows; r++) {
    const src = r * J.cols;
    const dst = r * p;
    for (let c = 0; c < p; c++) out.data[dst + c] = J.data[src + idx[c]!]!;
  }
  return out;
}

/** How `parameterGram` forms `JᵀJ`: one BLAS SYRK, or one block VJP of J's columns. */
export type GramRoute = 'syrk' | 'block-vjp';

/**
 * The route `parameterGram` takes: the block VJP on the pure TypeScript backend for cells with
 * GEMM-shaped block sweeps (about N/2 times fewer flops than the SYRK, and the SYRK is not a BLAS
 * kernel there); one SYRK on the native backend, where the BLAS SYRK runs near peak while the
 * block VJP's θ-accumulation (inner dimension B·T) is memory bound (measured: 0.07 s vs 0.17 s at
 * N = 32, T = 100; 1.6 s vs 1.6 s at N = 64). Cost O(1).
 */
export function gramRoute(model: Model): GramRoute {
  return !hasBlockSweep(model.cell) || getBackend().name === 'native' ? 'syrk' : 'block-vjp';
}

/**
 * `G = JᵀJ` (`p × p`) for the state Jacobian `J` (`M × p`, the columns `idx` of the cell
 * parameters), by `gramRoute`: the block VJP with the p columns of `J` as cotangents
 * (`JᵀJ = VJP(J)`, rows `idx` of the result; adjoint recursion O(B·T·N²·p), θ-accumulation
 * O(B·T·P·p) thanks to the weight sites' outer-product structure, about N/2 times fewer flops than
 * the SYRK's O(M·p²/2)), symmetrised; or one SYRK. `lower`: the SYRK route may leave the strict
 * upper triangle zero (for the backend's `symmetricEigenvalues`, which reads the lower one). `J` is
 * not modified.
 */
export function parameterGram(model: Model, traj: Trajectory, J: Matrix, idx: Int32Array, route: GramRoute = gramRoute(model), lower = false): Matrix {
  const p = idx.length;
  if (route === 'syrk') return lower ? lowerGram(J, true) : syrk(J, true);
  const V = trajectoryVjpBlock(model, traj, J, { method: 'block' }); // cellSize × p
  const G = zeros(p, p);
  for (let a = 0; a < p; a++) {
    const row = idx[a]! * p;
    for (let b = 0; b < p; b++) G.data[a * p + b] = V.data[row + b]!;
  }
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < a; b++) {
      const m = 0.5 * (G.data[a * p + b]! + G.data[b * p + a]!);
      G.data[a * p + b] = m;
      G.data[b * p + a] = m;
    }
  }
  return G;
}

/**
 * `JᵀJ` (trans = true, `cols × cols`) or `J Jᵀ` (`rows × rows`) by one SYRK with only the lower
 * triangle guaranteed (see `LinalgBackend.syrk`): the input of the backend's `symmetricEigenvalues`
 * without the O(n²) mirror pass. Cost ≈ half a GEMM.
 */
export function lowerGram(J: Matrix, trans: boolean): Matrix {
  const n = trans ? J.cols : J.rows;
  const C = largeZeros(n, n);
  getBackend().syrk(trans, 1, J, C, true);
  return C;
}

/** `tr G` and `‖G‖_F²` of a square matrix, exact from its entries. Cost O(n²). */
export function gramTraceAndFrobenius(G: Matrix): { trace: number; frobeniusSquared: number } {
  const n = G.rows;
  let trace = 0, f2 = 0;
  for (let i = 0; i < n; i++) trace += G.data[i * n + i]!;
  for (let i = 0; i < G.data.length; i++) f2 += G.data[i]! * G.data[i]!;
  return { trace, frobeniusSquared: f2 };
}

/**
 * The spectrum of the symmetric PSD `G` (`p × p`, descending; eigenvalues only, ≈ 4/3·p³ flops)
 * and its top eigenvector by shifted inverse iteration (σ = λ₁(1 + 1e-9): one Cholesky factor of
 * `σI − G`, ≈ p³/3 flops, then two to four triangular solves, warm-started from `warm` (flat
 * parameters, restricted to `idx`) when given) — a few times cheaper than the full
 * eigendecomposition with vectors. The vector is a unit vector with its largest entry positive
 * (the sign convention of `symmetricEigen`). `G` is not modified.
 */
export function gramSpectrumAndTop(G: Matrix, warm: Float64Array | null, idx: Int32Array): { spectrum: Float64Array; topVector: Float64Array } {
  const p = G.rows;
  const asc = symmetricEigen(G, { vectors: false }).values;
  const spectrum = Float64Array.from(asc).reverse();
  const l1 = spectrum[0]!;
  let v = new Float64Array(p);
  if (warm) for (let q = 0; q < p; q++) v[q] = warm[idx[q]!] ?? 0;
  const norm = (x: Float64Array): number => Math.sqrt(x.reduce((s, y) => s + y * y, 0));
  if (!(norm(v) > 0)) for (let q = 0; q < p; q++) v[q] = 1 + 0.37 * Math.sin(q + 1); // deterministic, generic start
  if (!(l1 > 0) || p === 1) {
    if (p === 1) v[0] = 1;
    const n = norm(v);
    return { spectrum, topVector: v.map((x) => x / n) };
  }
  // σI − G is symmetric positive definite for σ > λ₁: one Cholesky factor, then cheap solves.
  const A = zeros(p, p);
  const shift = l1 * (1 + 1e-9);
  for (let i = 0; i < p * p; i++) A.data[i] = -G.data[i]!;
  for (let q = 0; q < p; q++) A.data[q * p + q]! += shift;
  let L: Matrix;
  try {
    L = cholesky(A);
  } catch (e) {
    if (!(e instanceof SntkError)) throw e;
    const full = symmetricEigen(G, { vectors: true }); // rounding made σI − G indefinite: fall back
    const V = full.vectors!;
    const top = new Float64Array(p);
    for (let q = 0; q < p; q++) top[q] = V.data[q * p + p - 1]!;
    return { spectrum, topVector: top };
  }
  let prev = v.map((x) => x / norm(v));
  for (let it = 0; it < 4; it++) {
    const x = choleskySolve(L, { rows: p, cols: 1, data: prev.slice() }).data;
    const n = norm(x);
    const next = x.map((y) => y / n);
    let c = 0;
    for (let q = 0; q < p; q++) c += next[q]! * prev[q]!;
    prev = next;
    if (it >= 1 && Math.abs(Math.abs(c) - 1) < 1e-14) break;
  }
  v = prev;
  let big = 0;
  for (let q = 1; q < p; q++) if (Math.abs(v[q]!) > Math.abs(v[big]!)) big = q;
  if (v[big]! < 0) for (let q = 0; q < p; q++) v[q] = -v[q]!;
  return { spectrum, topVector: v };
}

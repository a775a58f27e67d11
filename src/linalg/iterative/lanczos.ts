/**
 * Block Lanczos with full reorthogonalisation for the top-k eigenpairs of a symmetric operator.
 */
import type { Matrix } from '../matrix.js';
import { zeros } from '../matrix.js';
import { createRng } from '../random.js';
import type { EstimatorOptions, SymmetricApply } from './types.js';
import { RowBasis, colNormsSq, hcat, mulSmall, orthonormalize, orthonormalizeRows, sliceCols } from './block.js';
import type { EigenpairsResult } from './common.js';
import { allBelow, applyChecked, checkBudget, checkCommon, enforceConvergence, ritzErrorBounds, smallEigDesc, spectralScale } from './common.js';
import { InputError, ShapeError } from '../../errors.js';

/** Options of `lanczosTopK`. */
export interface LanczosOptions extends EstimatorOptions {
  /** Number of eigenpairs wanted (largest algebraic eigenvalues). */
  k: number;
  /** Block size `b` (default 1, or the number of columns of `init` if larger). */
  blockSize?: number;
  /** Warm start: `n × c` starting vectors (e.g. previous eigenvectors); padded with random columns to the block size. */
  init?: Matrix;
  /** Throw ConvergenceError when the budget runs out before `tol` is met (default true). */
  requireConvergence?: boolean;
  /** Compute the final residuals explicitly with one more block apply of `k` vectors (default true; counted in the budget). */
  explicitResiduals?: boolean;
  /**
   * Largest number of basis vectors kept in memory (default: no limit below the matvec budget).
   * When the basis would grow past it, the iteration restarts thickly: it keeps the leading Ritz
   * vectors (at least `k`, rotated in place) and continues from the current residual block, so
   * memory stays at `n·(maxBasis + blockSize)` doubles while the matvec budget may be larger. Restarts slow convergence for
   * clustered spectra; do not set it below about `3k` unless memory forces you to.
   */
  maxBasis?: number;
}

/**
 * The default matvec budget of `lanczosTopK` for an `n`-dimensional operator and `k` eigenpairs:
 * `min(n, max(200, 20k))` basis vectors, plus `k` for the explicit residuals. Cost O(1).
 */
export function lanczosDefaultBudget(n: number, k: number, explicitResiduals = true): number {
  return Math.min(n, Math.max(200, 20 * k)) + (explicitResiduals ? k : 0);
}

/**
 * Top-k eigenpairs (largest first) of a symmetric operator by block Lanczos with full
 * reorthogonalisation (block classical Gram–Schmidt twice against the whole basis). The projected
 * matrix `T = Qᵀ A Q` is assembled from the reorthogonalisation coefficients, so it is the exact
 * Rayleigh–Ritz matrix of the basis, not an assumed tridiagonal. Convergence is tested at
 * geometrically spaced steps with the recurrence residuals `‖R_j s_last‖`; at the end the residuals
 * are recomputed explicitly (unless disabled). Defaults: tol 1e-10 (relative to max|θ|),
 * budget `min(n, max(200, 20k))` basis vectors plus `k` for the residuals, seed 0.
 * Cost: `budget` operator applications in blocks of `b`, plus O(n·m²) for the orthogonalisation and
 * O(m³·log m) for the small eigenproblems, `m` the basis size; memory `n·m` doubles.
 */
export function lanczosTopK(A: SymmetricApply, opts: LanczosOptions): EigenpairsResult {
  const what = 'lanczosTopK';
  const n = A.n;
  const k = opts.k;
  checkCommon(A, k, what);
  const tol = opts.tol ?? 1e-10;
  const explicit = opts.explicitResiduals ?? true;
  const budget = opts.budget ?? lanczosDefaultBudget(n, k, explicit);
  checkBudget(budget, what);
  if (opts.init && opts.init.rows !== n) throw new ShapeError(`${what}: init has ${opts.init.rows} rows, operator is ${n}×${n}`);
  const b = Math.min(n, Math.max(opts.blockSize ?? 1, opts.init?.cols ?? 0));
  if (!Number.isInteger(b) || b < 1) throw new InputError(`${what}: blockSize must be a positive integer, got ${opts.blockSize}`);
  const reserve = explicit ? k : 0;
  if (budget - reserve < Math.max(b, k)) {
    throw new InputError(`${what}: budget ${budget} is too small for k = ${k}, block size ${b}${explicit ? ` and ${k} residual matvecs` : ''}`);
  }
  const maxBasis = opts.maxBasis ?? Infinity;
  if (maxBasis !== Infinity && (!Number.isInteger(maxBasis) || maxBasis < k + 2 * b)) {
    throw new InputError(`${what}: maxBasis must be an integer ≥ k + 2·blockSize = ${k + 2 * b}, got ${opts.maxBasis}`);
  }
  const rng = createRng(opts.seed ?? 0);

  // Starting block.
  let X0 = zeros(n, b);
  rng.fillNormal(X0.data);
  if (opts.init && opts.init.cols > 0) {
    const c = opts.init.cols;
    X0 = c === b ? { rows: n, cols: b, data: opts.init.data.slice() } : hcat(opts.init, sliceCols(X0, 0, b - c));
  }
  let cur = orthonormalize(X0, [], { rng }).Q;

  // the basis by rows (RowBasis): the reorthogonalisation against it is one GEMM per pass
  const capacity = Math.min(n, Math.min(maxBasis, budget - reserve) + b);
  const basis = new RowBasis(n, capacity);
  const coeffCols: Matrix[] = []; // coeffCols[j] = [Q_0 … Q_j]ᵀ A Q_j (m_j × b_j), m_j the basis size after block j
  const blockCols: number[] = [];
  let lastR: Matrix | undefined; // Q_{J+1}ᵀ A Q_J
  let m = 0;
  let matvecs = 0;
  let iterations = 0;
  let restarts = 0;
  let nextCheck = Math.max(k + 1, 2 * b);
  let ritz: { values: Float64Array; vectors: Matrix } | undefined;
  let recRes: Float64Array | undefined;
  let converged = false;
  let exhausted = false;

  const buildT = (): Matrix => {
    const T = zeros(m, m);
    let oj = 0;
    for (let j = 0; j < coeffCols.length; j++) {
      const C = coeffCols[j]!;
      const bj = blockCols[j]!;
      for (let r = 0; r < C.rows; r++) {
        for (let c = 0; c < bj; c++) {
          const v = C.data[r * bj + c]!;
          T.data[r * m + (oj + c)] = v;
          if (r < oj) T.data[(oj + c) * m + r] = v;
        }
      }
      oj += bj;
    }
    return T;
  };
  const recurrenceResiduals = (S: Matrix): Float64Array => {
    const res = new Float64Array(k);
    if (!lastR || lastR.rows === 0) return res;
    const bl = blockCols[blockCols.length - 1]!;
    const off = m - bl;
    for (let c = 0; c < k; c++) {
      let s2 = 0;
      for (let r = 0; r < lastR.rows; r++) {
        let acc = 0;
        for (let t = 0; t < bl; t++) acc += lastR.data[r * bl + t]! * S.data[(off + t) * m + c]!;
        s2 += acc * acc;
      }
      res[c] = Math.sqrt(s2);
    }
    return res;
  };

  // the block appended in the previous iteration: dead once appended, handed to the operator as
  // the output buffer of the next product (two n × b blocks alternate instead of a fresh one each time)
  let spare: Float64Array | undefined;
  while (true) {
    if (matvecs + cur.cols > budget - reserve) break;
    const need = n * cur.cols;
    const out = spare && spare.length >= need ? { rows: n, cols: cur.cols, data: spare.length === need ? spare : spare.subarray(0, need) } : undefined;
    const Y = applyChecked(A, cur, what, out);
    matvecs += cur.cols;
    iterations++;
    basis.append(cur);
    blockCols.push(cur.cols);
    m += cur.cols;
    // A Q_j lies in span(Q_{j−1}, Q_j, Q_{j+1}) up to roundoff: local pass on the last two blocks, then full passes
    // Y is ours (SymmetricApply returns a fresh block; not used again): orthonormalised in its own memory
    const o = orthonormalizeRows(Y, basis, { local: 2 * b, inPlace: Y.data !== cur.data, ...(m < n ? { rng } : {}) });
    spare = cur.data !== Y.data && cur.data !== o.Q.data ? cur.data : undefined;
    coeffCols.push(o.H);
    lastR = o.R;
    if (m >= n || o.Q.cols === 0) exhausted = true;
    const full = m + o.Q.cols > maxBasis;
    if (m >= k && (exhausted || full || m >= nextCheck || matvecs + o.Q.cols > budget - reserve)) {
      ritz = smallEigDesc(buildT());
      recRes = exhausted ? new Float64Array(k) : recurrenceResiduals(ritz.vectors);
      const bounds = ritzErrorBounds(ritz.values, recRes, k);
      if (exhausted || allBelow(bounds, tol, spectralScale(ritz.values))) {
        converged = true;
        break;
      }
      nextCheck = Math.max(m + b, Math.ceil(m * 1.05));
      if (full && matvecs + o.Q.cols <= budget - reserve) {
        // thick restart: the basis becomes the leading Ritz vectors (Qᵀ A Q = diag θ for them);
        // the next block o.Q is orthogonal to the old basis, hence to them, and the coupling
        // Q_keptᵀ A Q_next is recomputed by the full reorthogonalisation of its product.
        const keep = Math.min(m, maxBasis - o.Q.cols, k + Math.max(b, Math.floor((maxBasis - k - o.Q.cols) / 2)));
        const theta = zeros(keep, keep);
        for (let i = 0; i < keep; i++) theta.data[i * keep + i] = ritz.values[i]!;
        // the kept block's coupling to the next block, as recurrenceResiduals expects of the last block
        lastR = mulSmall({ rows: lastR.rows, cols: lastR.cols, data: lastR.data }, lastBlockRows(ritz.vectors, m, lastR.cols, keep));
        basis.rotateInPlace(ritz.vectors, keep); // no second n × keep block
        coeffCols.length = 0;
        blockCols.length = 0;
        coeffCols.push(theta);
        blockCols.push(keep);
        m = keep;
        nextCheck = m + b;
        restarts++;
      }
    }
    if (exhausted) break;
    cur = o.Q;
  }
  if (!ritz || !recRes) {
    throw new InputError(`${what}: budget ${budget} allowed only ${m} basis vectors, fewer than k = ${k}`);
  }

  // Ritz vectors V = Q S_k.
  const V = ritzBlock(basis, ritz.vectors, m, k);
  const values = ritz.values.slice(0, k);
  let residualNorms = recRes;
  let AV: Matrix | undefined;
  let source: 'explicit' | 'recurrence' = 'recurrence';
  if (explicit && matvecs + k <= budget) {
    AV = applyInBlocks(A, V, b, what);
    matvecs += k;
    const Rm: Matrix = { rows: n, cols: k, data: AV.data.slice() };
    for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) Rm.data[r * k + c]! -= values[c]! * V.data[r * k + c]!;
    residualNorms = colNormsSq(Rm).map(Math.sqrt);
    source = 'explicit';
  }
  const errorBounds = ritzErrorBounds(ritz.values, residualNorms, k);
  if (source === 'explicit') converged = converged && (exhausted || allBelow(errorBounds, Math.max(tol, 1e-14), spectralScale(ritz.values)));
  const result: EigenpairsResult = {
    values,
    vectors: V,
    residualNorms,
    errorBounds,
    converged,
    matvecs,
    iterations,
    residualSource: source,
    restarts,
  };
  if (AV) result.AV = AV;
  return enforceConvergence(result, opts.requireConvergence ?? true, tol, budget, what);
}

/**
 * `A V` applied in column blocks of at most `b` (the iteration's block width), so that an operator
 * that keeps workspace for the widths it has seen is not handed a wider block at the end. Cost:
 * the same matvecs as one call, plus O(n·k) copies when `V` is split.
 */
function applyInBlocks(A: SymmetricApply, V: Matrix, b: number, what: string): Matrix {
  if (V.cols <= b) return applyChecked(A, V, what);
  const out = zeros(V.rows, V.cols);
  for (let c0 = 0; c0 < V.cols; c0 += b) {
    const c1 = Math.min(V.cols, c0 + b);
    const Y = applyChecked(A, sliceCols(V, c0, c1), what);
    const w = c1 - c0;
    for (let r = 0; r < V.rows; r++) out.data.set(Y.data.subarray(r * w, (r + 1) * w), r * V.cols + c0);
  }
  return out;
}

/** `Q S[:, :c]`: the first `c` Ritz vectors of an `m`-vector row-stored basis. One GEMM, cost O(n·m·c). */
function ritzBlock(basis: RowBasis, S: Matrix, m: number, c: number): Matrix {
  const Sc = zeros(m, c);
  for (let r = 0; r < m; r++) for (let q = 0; q < c; q++) Sc.data[r * c + q] = S.data[r * m + q]!;
  return basis.times(Sc);
}

/** Rows `m − bl … m − 1` (the last block's) of the first `c` columns of `S` (`m × m`), as a `bl × c` matrix. */
function lastBlockRows(S: Matrix, m: number, bl: number, c: number): Matrix {
  const out = zeros(bl, c);
  for (let r = 0; r < bl; r++) for (let q = 0; q < c; q++) out.data[r * c + q] = S.data[(m - bl + r) * m + q]!;
  return out;
}

/**
 * Diagnostics of dense symmetric (PSD) kernels such as the sNTK, from the matrix and/or its
 * eigenvalues: trace, Frobenius norm, participation ratio, entropy effective rank, rank for a
 * fraction of the variance, top eigenpairs, space and time reductions (partial traces), target
 * alignment and kernel alignment. Matrix-free counterparts live in `linalg/iterative`.
 *
 * Roundoff clamp (entropy rank, rank-for-variance): eigenvalues in `[−τ, 0)` are set to 0, with
 * `τ = 64 · n · ε · max|λ|` (ε = 2⁻⁵²) unless `negativeTolerance` is given; an eigenvalue below
 * `−τ` means the kernel is not PSD and gives InputError. Trace, Frobenius norm and participation
 * ratio use the raw numbers (they are exact functions of the matrix, no clamp needed).
 */
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { symmetricEigen } from '../linalg/index.js';
import { InputError, NonFiniteError, ShapeError } from '../errors.js';

/** Eigenvalues in any order, or an eigen-decomposition (`vectors` columns match `values`). */
export type SpectrumInput = Float64Array | number[] | { values: ArrayLike<number>; vectors?: Matrix };

const EPS = 2 ** -52;

/**
 * Checks that `K` is square, finite and symmetric to `1e-10 · max|K|` (InputError otherwise).
 * Cost O(n²).
 */
export function checkSymmetricKernel(K: Matrix, what = 'kernel'): void {
  if (K.rows !== K.cols) throw new ShapeError(`${what}: must be square, got ${K.rows}×${K.cols}`);
  const n = K.rows, d = K.data;
  let maxAbs = 0, maxAsym = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const a = d[i * n + j]!, b = d[j * n + i]!;
      if (!Number.isFinite(a)) throw new NonFiniteError(`${what}: entry (${i}, ${j}) is ${a}`);
      if (!Number.isFinite(b)) throw new NonFiniteError(`${what}: entry (${j}, ${i}) is ${b}`);
      maxAbs = Math.max(maxAbs, Math.abs(a));
      maxAsym = Math.max(maxAsym, Math.abs(a - b));
    }
  }
  if (maxAsym > 1e-10 * maxAbs) {
    throw new InputError(`${what}: not symmetric (max |K − Kᵀ| = ${maxAsym.toExponential(3)}, max |K| = ${maxAbs.toExponential(3)})`);
  }
}

function spectrumValues(s: SpectrumInput, what: string): Float64Array {
  const raw = s instanceof Float64Array || Array.isArray(s) ? s : s.values;
  const v = Float64Array.from(raw as ArrayLike<number>);
  if (v.length === 0) throw new ShapeError(`${what}: empty spectrum`);
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) throw new NonFiniteError(`${what}: eigenvalue ${i} is ${v[i]}`);
  return v;
}

/**
 * `tr K = Σ K_ii`. Cost O(n).
 *
 * @param K - a square matrix.
 * @returns `tr K`.
 * @throws {@link sntk!ShapeError} when `K` is not square.
 */
export function kernelTrace(K: Matrix): number {
  if (K.rows !== K.cols) throw new ShapeError(`kernelTrace: must be square, got ${K.rows}×${K.cols}`);
  let t = 0;
  for (let i = 0; i < K.rows; i++) t += K.data[i * K.cols + i]!;
  return t;
}

/** `‖K‖_F² = Σ K_ij²` (any shape). Cost O(n²). */
export function frobeniusSquared(K: Matrix): number {
  let s = 0;
  for (const v of K.data) s += v * v;
  return s;
}

/** `‖K‖_F` (the linear-algebra layer's overflow-safe norm). */
export { frobeniusNorm } from '../linalg/index.js';

/**
 * Participation ratio `(tr K)² / ‖K‖_F²` = `(Σλ)²/Σλ²`, from a symmetric matrix (exact, O(n²)) or
 * its eigenvalues (O(n)). In `[1, rank]` for PSD kernels. InputError for the zero kernel.
 *
 * @param K - an `n × n` symmetric kernel, or its eigenvalues.
 * @returns `PR`, dimensionless, in `[1, rank]` for a PSD kernel (docs/theory.md §5).
 * @throws {@link sntk!InputError} for the zero kernel or a non-square matrix.
 */
export function participationRatio(K: Matrix | SpectrumInput): number {
  let t = 0, f = 0;
  if (isMatrix(K)) {
    checkSymmetricKernel(K, 'participationRatio');
    t = kernelTrace(K);
    f = frobeniusSquared(K);
  } else {
    for (const v of spectrumValues(K, 'participationRatio')) {
      t += v;
      f += v * v;
    }
  }
  if (!(f > 0)) throw new InputError('participationRatio: the kernel is zero; the participation ratio is undefined');
  return (t * t) / f;
}

/**
 * The spectrum sorted descending with roundoff negatives (≥ −τ, see module doc) set to 0.
 * Returns also how many were clamped. InputError below −τ. Cost O(n log n).
 */
export function clampSpectrum(values: SpectrumInput, opts: { negativeTolerance?: number } = {}): { values: Float64Array; clamped: number; tolerance: number } {
  const v = spectrumValues(values, 'clampSpectrum');
  let maxAbs = 0;
  for (const x of v) maxAbs = Math.max(maxAbs, Math.abs(x));
  const tau = opts.negativeTolerance ?? 64 * v.length * EPS * maxAbs;
  let clamped = 0;
  for (let i = 0; i < v.length; i++) {
    if (v[i]! < 0) {
      if (v[i]! < -tau) {
        throw new InputError(
          `kernel is not positive semi-definite: eigenvalue ${v[i]!.toExponential(4)} is below the roundoff threshold −${tau.toExponential(3)} (max |λ| = ${maxAbs.toExponential(3)})`,
        );
      }
      v[i] = 0;
      clamped++;
    }
  }
  v.sort((a, b) => b - a);
  return { values: v, clamped, tolerance: tau };
}

/**
 * Entropy effective rank `exp(H(p))`, `p = λ/Σλ`, `H = −Σ p log p` (0 log 0 = 0), on the clamped
 * spectrum. Equals r for a rank-r projector; in `[1, rank]`. Cost O(n log n).
 *
 * @param values - the kernel's eigenvalues (or an eigen-decomposition).
 * @param opts - the roundoff tolerance below which negative eigenvalues are clamped to 0.
 * @returns `exp(H(p))`, dimensionless, in `[1, rank]` (docs/theory.md §5).
 * @throws {@link sntk!InputError} for eigenvalues below the tolerance (not PSD) or an all-zero spectrum.
 */
export function entropyEffectiveRank(values: SpectrumInput, opts: { negativeTolerance?: number } = {}): number {
  const { values: v } = clampSpectrum(values, opts);
  let s = 0;
  for (const x of v) s += x;
  if (!(s > 0)) throw new InputError('entropyEffectiveRank: the kernel is zero; the entropy rank is undefined');
  let h = 0;
  for (const x of v) {
    if (x > 0) {
      const p = x / s;
      h -= p * Math.log(p);
    }
  }
  return Math.exp(h);
}

/**
 * The smallest `k` such that the top-k (clamped) eigenvalues hold at least `fraction` (default 0.95)
 * of `Σλ` (compared with a relative slack of 1e-12 so that roundoff cannot push it one higher).
 * Cost O(n log n).
 *
 * @param values - the kernel's eigenvalues (or an eigen-decomposition).
 * @param fraction - the share of the trace to reach, in `(0, 1]`.
 * @param opts - the roundoff tolerance for negative eigenvalues.
 * @returns the smallest `k` (docs/theory.md §5).
 * @throws {@link sntk!InputError} for a fraction outside `(0, 1]`, a zero kernel or a spectrum that is not PSD.
 */
export function rankForVariance(values: SpectrumInput, fraction = 0.95, opts: { negativeTolerance?: number } = {}): number {
  if (!(fraction > 0 && fraction <= 1)) throw new InputError(`rankForVariance: fraction must be in (0, 1], got ${fraction}`);
  const { values: v } = clampSpectrum(values, opts);
  let total = 0;
  for (const x of v) total += x;
  if (!(total > 0)) throw new InputError('rankForVariance: the kernel is zero');
  const target = fraction * total * (1 - 1e-12);
  let c = 0;
  for (let i = 0; i < v.length; i++) {
    c += v[i]!;
    if (c >= target) return i + 1;
  }
  return v.length;
}

/** Top-k eigenpairs of a dense symmetric kernel, values descending, vectors `n × k` (columns). Cost O(n³). */
export function topEigenpairsDense(K: Matrix, k: number): { values: Float64Array; vectors: Matrix } {
  checkSymmetricKernel(K, 'topEigenpairsDense');
  const n = K.rows;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new InputError(`topEigenpairsDense: k must be an integer in [1, ${n}], got ${k}`);
  const e = symmetricEigen(K, { vectors: true });
  return pickTop(e.values, e.vectors!, k);
}

function pickTop(asc: ArrayLike<number>, V: Matrix, k: number): { values: Float64Array; vectors: Matrix } {
  const n = V.rows, m = asc.length;
  const order = [...Array(m).keys()].sort((a, b) => asc[b]! - asc[a]!);
  const values = new Float64Array(k);
  const vectors = zeros(n, k);
  for (let c = 0; c < k; c++) {
    const src = order[c]!;
    values[c] = asc[src]!;
    for (let r = 0; r < n; r++) vectors.data[r * k + c] = V.data[r * V.cols + src]!;
  }
  return { values, vectors };
}

function reductionShape(K: Matrix, N: number, what: string): number {
  if (K.rows !== K.cols) throw new ShapeError(`${what}: kernel must be square, got ${K.rows}×${K.cols}`);
  if (!Number.isInteger(N) || N < 1 || K.rows % N !== 0) {
    throw new ShapeError(`${what}: kernel size ${K.rows} is not a multiple of the state dimension N = ${N} (rows are ordered (b, t, i))`);
  }
  return K.rows / N;
}

/**
 * Space reduction: the `N × N` partial trace over samples and time,
 * `S[i, j] = Σ_{(b,t)} K[(b,t,i), (b,t,j)]` — the textbook partial trace
 * `Σ_{bt} (e_{bt}ᵀ ⊗ I_N) K (e_{bt} ⊗ I_N)` for rows ordered `(b, t, i)` (i fastest). It is a sum,
 * not an average: divide by `B·T` for the mean per sample-time. `tr S = tr K`. Cost O(B·T·N²).
 *
 * @param K - an `M × M` kernel with rows `(b, t, i)`, `M` a multiple of `N`.
 * @param N - the state size.
 * @returns the `N × N` partial trace (docs/theory.md §5).
 * @throws {@link sntk!ShapeError} when `K` is not square or `M` is not a multiple of `N`.
 */
export function spaceReduction(K: Matrix, N: number): Matrix {
  const bt = reductionShape(K, N, 'spaceReduction');
  const M = K.rows, d = K.data;
  const S = zeros(N, N);
  for (let p = 0; p < bt; p++) {
    const o = p * N;
    for (let i = 0; i < N; i++) {
      const row = (o + i) * M + o;
      for (let j = 0; j < N; j++) S.data[i * N + j]! += d[row + j]!;
    }
  }
  return S;
}

/**
 * Time reduction: the `BT × BT` partial trace over the state index,
 * `R[(b,t), (b',t')] = Σ_i K[(b,t,i), (b',t',i)]` — `Σ_i (I_{BT} ⊗ e_iᵀ) K (I_{BT} ⊗ e_i)` for rows
 * ordered `(b, t, i)`; rows/columns of `R` ordered `(b, t)`. A sum over `i`, not an average.
 * `tr R = tr K`. Cost O((B·T)²·N).
 *
 * @param K - an `M × M` kernel with rows `(b, t, i)`, `M` a multiple of `N`.
 * @param N - the state size.
 * @returns the `BT × BT` partial trace, rows `(b, t)` (docs/theory.md §5).
 * @throws {@link sntk!ShapeError} when `K` is not square or `M` is not a multiple of `N`.
 */
export function timeReduction(K: Matrix, N: number): Matrix {
  const bt = reductionShape(K, N, 'timeReduction');
  const M = K.rows, d = K.data;
  const R = zeros(bt, bt);
  for (let p = 0; p < bt; p++) {
    for (let q = 0; q < bt; q++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += d[(p * N + i) * M + q * N + i]!;
      R.data[p * bt + q] = s;
    }
  }
  return R;
}

/**
 * Target alignment `⟨y, K y⟩ / (‖y‖² tr K)` for a target vector `y` (length n), or
 * `tr(Yᵀ K Y) / (‖Y‖_F² tr K)` for an `n × c` target matrix. In `[0, λ_max/tr K]` for PSD `K`.
 * Cost O(n²·c).
 *
 * @param K - an `n × n` PSD kernel.
 * @param y - a target vector of length `n`, or an `n × c` target matrix.
 * @returns the alignment, dimensionless, in `[0, λ_max / tr K]` (docs/theory.md §5).
 * @throws {@link sntk!ShapeError} when `y` does not have `n` rows.
 * @throws {@link sntk!NonFiniteError} for NaN or Inf entries.
 * @throws {@link sntk!InputError} for a zero target or a kernel with zero trace.
 */
export function targetAlignment(K: Matrix, y: Float64Array | Matrix): number {
  checkSymmetricKernel(K, 'targetAlignment');
  const n = K.rows;
  const Y: Matrix = y instanceof Float64Array ? { rows: y.length, cols: 1, data: y } : y;
  if (Y.rows !== n) throw new ShapeError(`targetAlignment: target has ${Y.rows} rows, kernel is ${n}×${n}`);
  for (let i = 0; i < Y.data.length; i++) if (!Number.isFinite(Y.data[i]!)) throw new NonFiniteError(`targetAlignment: target entry ${i} is ${Y.data[i]}`);
  const c = Y.cols;
  let num = 0, yy = 0;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < c; a++) {
      const yi = Y.data[i * c + a]!;
      yy += yi * yi;
      if (yi === 0) continue;
      let s = 0;
      for (let j = 0; j < n; j++) s += K.data[i * n + j]! * Y.data[j * c + a]!;
      num += yi * s;
    }
  }
  const t = kernelTrace(K);
  if (!(yy > 0)) throw new InputError('targetAlignment: the target is zero');
  if (t === 0) throw new InputError('targetAlignment: the kernel has zero trace');
  return num / (yy * t);
}

/**
 * Kernel alignment `tr(AᵀB) / (‖A‖_F ‖B‖_F)` of two same-shape kernels, in `[−1, 1]`. Cost O(n²).
 *
 * @param A - an `n × n` kernel.
 * @param B - an `n × n` kernel.
 * @returns `cos(A, B)` in the Frobenius inner product, in `[−1, 1]` (docs/theory.md §5).
 * @throws {@link sntk!ShapeError} when the shapes differ.
 * @throws {@link sntk!NonFiniteError} for NaN or Inf entries.
 * @throws {@link sntk!InputError} when either kernel is zero.
 */
export function kernelAlignment(A: Matrix, B: Matrix): number {
  if (A.rows !== B.rows || A.cols !== B.cols) throw new ShapeError(`kernelAlignment: ${A.rows}×${A.cols} and ${B.rows}×${B.cols} differ`);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < A.data.length; i++) {
    const a = A.data[i]!, b = B.data[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new NonFiniteError(`kernelAlignment: non-finite entry at flat index ${i}`);
    ab += a * b;
    aa += a * a;
    bb += b * b;
  }
  if (!(aa > 0 && bb > 0)) throw new InputError('kernelAlignment: a kernel is zero; alignment undefined');
  return ab / Math.sqrt(aa * bb);
}

/** Options of `kernelDiagnostics`. */
export interface KernelDiagnosticsOptions {
  /** How many top eigenvalues to report (default 10, capped at n). */
  top?: number;
  /** Also return the top eigenvectors (needs a Matrix input or a spectrum with vectors). */
  vectors?: boolean;
  /** Variance fraction for `rank95` (default 0.95). */
  varianceFraction?: number;
  /** Clamp threshold τ for roundoff negatives (default `64·n·ε·max|λ|`). */
  negativeTolerance?: number;
}

/** Result of `kernelDiagnostics`. */
export interface KernelDiagnostics {
  n: number;
  trace: number;
  frobenius: number;
  frobeniusSquared: number;
  participationRatio: number;
  entropyRank: number;
  /** Smallest k holding `varianceFraction` of the trace. */
  rank95: number;
  varianceFraction: number;
  /** Top eigenvalues, descending. */
  top: number[];
  /** Top eigenvectors as columns (`n × top`), when requested. */
  topVectors?: Matrix;
  /** The whole spectrum, descending (raw, not clamped). */
  eigenvalues: number[];
  /** Smallest raw eigenvalue. */
  minEigenvalue: number;
  /** How many roundoff negatives were clamped to 0 for entropyRank/rank95, and the threshold used. */
  clampedNegatives: number;
  clampTolerance: number;
}

function isMatrix(x: unknown): x is Matrix {
  return typeof x === 'object' && x !== null && 'rows' in x && 'cols' in x && 'data' in x;
}

/**
 * All dense diagnostics of a symmetric PSD kernel in one call, from the matrix (full eigen-
 * decomposition, O(n³); trace and Frobenius from the entries) or from its eigenvalues (O(n log n)).
 *
 * @param K - an `n × n` symmetric PSD kernel, or its eigenvalues (with eigenvectors for the top pairs).
 * @param opts - number of top eigenpairs, the variance fraction for `rank`, the roundoff tolerance.
 * @returns trace, Frobenius norm, participation ratio, entropy rank, rank for the fraction and the
 *   top eigenpairs (docs/theory.md §5); eigenvalues in the kernel's units.
 * @throws {@link sntk!InputError} for a non-square, non-symmetric, non-PSD or zero kernel.
 */
export function kernelDiagnostics(K: Matrix | SpectrumInput, opts: KernelDiagnosticsOptions = {}): KernelDiagnostics {
  let values: Float64Array;
  let vecs: Matrix | undefined;
  let trace: number, fro2: number;
  if (isMatrix(K)) {
    checkSymmetricKernel(K, 'kernelDiagnostics');
    const e = symmetricEigen(K, { vectors: opts.vectors ?? false });
    values = e.values;
    vecs = e.vectors;
    trace = kernelTrace(K);
    fro2 = frobeniusSquared(K);
  } else {
    values = spectrumValues(K, 'kernelDiagnostics');
    vecs = K instanceof Float64Array || Array.isArray(K) ? undefined : K.vectors;
    trace = 0;
    fro2 = 0;
    for (const v of values) {
      trace += v;
      fro2 += v * v;
    }
  }
  const n = values.length;
  const top = Math.min(opts.top ?? 10, n);
  if (!Number.isInteger(top) || top < 1) throw new InputError(`kernelDiagnostics: top must be a positive integer, got ${opts.top}`);
  if (!(fro2 > 0)) throw new InputError('kernelDiagnostics: the kernel is zero; ranks are undefined');
  const frac = opts.varianceFraction ?? 0.95;
  const clampOpts = opts.negativeTolerance === undefined ? {} : { negativeTolerance: opts.negativeTolerance };
  const clamped = clampSpectrum(values, clampOpts);
  const desc = Array.from(values).sort((a, b) => b - a);
  const out: KernelDiagnostics = {
    n,
    trace,
    frobenius: Math.sqrt(fro2),
    frobeniusSquared: fro2,
    participationRatio: (trace * trace) / fro2,
    entropyRank: entropyEffectiveRank(clamped.values, { negativeTolerance: 0 }),
    rank95: rankForVariance(clamped.values, frac, { negativeTolerance: 0 }),
    varianceFraction: frac,
    top: desc.slice(0, top),
    eigenvalues: desc,
    minEigenvalue: desc[n - 1]!,
    clampedNegatives: clamped.clamped,
    clampTolerance: clamped.tolerance,
  };
  if (opts.vectors) {
    if (!vecs) throw new InputError('kernelDiagnostics: vectors requested but only eigenvalues were given');
    out.topVectors = pickTop(values, vecs, top).vectors;
  }
  return out;
}

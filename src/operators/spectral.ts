/**
 * LinearOperator front-ends to the matrix-free estimators of `linalg/iterative`.
 */
import type { LinearOperator } from './types.js';
import { describe } from './make.js';
import type {
  EigenpairsResult,
  HutchPlusPlusOptions,
  LanczosOptions,
  SpectralMomentsEstimate,
  SpectralMomentsOptions,
  SubspaceOptions,
  SymmetricApply,
  TraceEstimate,
} from '../linalg/iterative/index.js';
import { estimateSpectralMoments, hutchPlusPlus, lanczosTopK, subspaceIterationTopK } from '../linalg/iterative/index.js';
import { InputError, ShapeError } from '../errors.js';

/**
 * The `{ n, apply }` view of a square symmetric operator used by the estimators. Throws ShapeError
 * for non-square operators and InputError for ones not marked symmetric unless `assumeSymmetric`.
 */
export function symmetricApply(op: LinearOperator, opts: { assumeSymmetric?: boolean } = {}): SymmetricApply {
  if (op.rows !== op.cols) throw new ShapeError(`${describe(op)} is not square; eigen/trace estimators need a symmetric operator`);
  if (!op.symmetric && !opts.assumeSymmetric) {
    throw new InputError(`${describe(op)} is not marked symmetric (use gram/outerGram, or pass assumeSymmetric: true)`);
  }
  return { n: op.rows, apply: (X, out) => op.matmat(X, out) };
}

/** Top-k eigenpairs of a symmetric operator by Lanczos (default) or randomized subspace iteration. Cost: see those. */
export function topEigenpairs(
  op: LinearOperator,
  opts: (LanczosOptions & { method?: 'lanczos' }) | (SubspaceOptions & { method: 'subspace' }),
): EigenpairsResult {
  const A = symmetricApply(op);
  return opts.method === 'subspace' ? subspaceIterationTopK(A, opts) : lanczosTopK(A, opts);
}

/** Hutch++ trace estimate of a symmetric operator. */
export function estimateTrace(op: LinearOperator, opts: HutchPlusPlusOptions = {}): TraceEstimate {
  return hutchPlusPlus(symmetricApply(op), opts);
}

/** Trace, `‖A‖_F²` and participation ratio of a symmetric operator with standard errors. */
export function estimateMoments(op: LinearOperator, opts: SpectralMomentsOptions = {}): SpectralMomentsEstimate {
  return estimateSpectralMoments(symmetricApply(op), opts);
}

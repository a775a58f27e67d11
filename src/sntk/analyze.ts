/**
 * `analyzeSntk`: the sNTK's diagnostics for a model and inputs, dense (exact, small problems) or
 * matrix-free (large problems), behind one call — what `sntk kernel` prints.
 *
 * Dense: `J` by forward sensitivities, the eigenvalues of the smaller of `JᵀJ`/`JJᵀ`, then trace,
 * Frobenius norm, PR, entropy rank, rank-for-95% and the top eigenvalues from the spectrum.
 * Operator: the smaller of `JᵀJ` (`P × P`) and `JJᵀ` (`M × M`) as a block operator; top-k by block
 * Lanczos; `‖K‖_F²` (hence PR) by exact deflation of the top-k plus Hutchinson probes on the
 * rest, with standard errors; the trace exactly (`‖J‖_F²` by streaming sensitivities) when that
 * costs at most `exactTraceFlops`, else estimated from the same probes.
 */
import type { Model, Trajectory } from '../models/types.js';
import { kernelDiagnostics } from './diagnostics.js';
import { sntkSpectrum, sntkShape } from './dense.js';
import { fisherOperator, sntkOperator } from './operators.js';
import { jacobianFrobeniusSquared, exactTraceCost } from './sensitivity.js';
import { checkBudgetWith, memoryBudget } from './budget.js';
import { lanczosTopK, lanczosDefaultBudget } from '../linalg/iterative/lanczos.js';
import { estimateSpectralMoments } from '../linalg/iterative/moments.js';
import { InputError } from '../errors.js';

/** Options of `analyzeSntk`. */
export interface AnalyzeOptions {
  /** `dense`, `operator`, or `auto` (dense when `min(M,P) ≤ denseLimit` and it fits the memory budget). */
  method?: 'auto' | 'dense' | 'operator';
  /** Top eigenvalues to report (default 10). Must not exceed `min(M, P)`. */
  top?: number;
  /** Seed of the random probes and starting vectors (operator path). Default 0. */
  seed?: number;
  /** Operator path: matvec budget of the Lanczos solve (default: the solver's). */
  eigenBudget?: number;
  /** Operator path: Hutchinson probes for `‖K‖_F²` (default 120). */
  probes?: number;
  /** Operator path: compute the trace exactly when it costs at most this many flops (default 4e10). */
  exactTraceFlops?: number;
  /** Largest `min(M, P)` for which `auto` picks the dense path (default 4000). */
  denseLimit?: number;
  /** Memory budget in bytes (default: see budget.ts). */
  memoryBudget?: number;
  /** Progress callback (phase name). */
  onPhase?: (phase: string) => void;
}

/** Standard errors of the operator path's estimates. */
export interface KernelStandardErrors {
  trace: number;
  frobenius: number;
  participationRatio: number;
  /** Believed absolute error of each reported top eigenvalue (Ritz error bounds). */
  top: number[];
}

/** What `analyzeSntk` returns (and `sntk kernel --json` prints). */
export interface KernelAnalysis {
  rows: number;
  params: number;
  method: 'dense' | 'operator';
  /** Which Gram was used: dense `JtJ`/`JJt` (smaller side), operator `JtJ`/`JJt`. */
  via: 'JtJ' | 'JJt';
  trace: number;
  traceExact: boolean;
  frobenius: number;
  participationRatio: number;
  /** Entropy effective rank (dense only; null on the operator path). */
  entropyRank: number | null;
  /** Rank holding 95% of the trace (dense only). */
  rank95: number | null;
  /** Top eigenvalues, descending. */
  top: number[];
  standardErrors?: KernelStandardErrors;
  /** Operator applications used (operator path). */
  matvecs?: number;
  /**
   * Present when the full Lanczos basis did not fit the memory budget: the bounded basis size used
   * and the number of thick restarts (more matvecs, same accuracy target; check `standardErrors.top`).
   */
  lanczosBasis?: { maxBasis: number; restarts: number };
  /** Wall time of the computation in seconds. */
  seconds: number;
}

/** Computes the sNTK diagnostics (see the module comment). Throws InputError when `top > min(M,P)`. */
export function analyzeSntk(model: Model, traj: Trajectory, opts: AnalyzeOptions = {}): KernelAnalysis {
  const t0 = performance.now();
  const shape = sntkShape(model, traj);
  const { rows: M, params: P } = shape;
  const rank = Math.min(M, P);
  const top = opts.top ?? 10;
  if (!Number.isInteger(top) || top < 1) throw new InputError(`top must be a positive integer, got ${top}`);
  if (top > rank) {
    throw new InputError(`top = ${top} exceeds the largest possible rank of the sNTK, min(rows, params) = min(${M}, ${P}) = ${rank}`);
  }
  const method = opts.method ?? 'auto';
  const n = rank;
  const denseBytes = 8 * (M * P + 2 * n * n);
  const useDense = method === 'dense' || (method === 'auto' && n <= (opts.denseLimit ?? 4000) && denseBytes <= memoryBudget(opts.memoryBudget));
  if (useDense) {
    opts.onPhase?.('dense spectrum');
    const spec = sntkSpectrum(model, traj, { memoryBudget: opts.memoryBudget });
    const d = kernelDiagnostics(spec.values, { top });
    return {
      rows: M,
      params: P,
      method: 'dense',
      via: spec.via,
      trace: d.trace,
      traceExact: true,
      frobenius: d.frobenius,
      participationRatio: d.participationRatio,
      entropyRank: d.entropyRank,
      rank95: d.rank95,
      top: d.top,
      seconds: (performance.now() - t0) / 1000,
    };
  }
  // memory of the operator path, before any allocation: the Lanczos basis, the Ritz/residual
  // blocks and probe batches (n-vectors), and the block products through the trajectory (M rows).
  // When the full basis does not fit, Lanczos runs with a bounded basis (thick restarts) and a
  // larger matvec budget; only when even a small basis does not fit is the request refused.
  const blockSize = Math.min(top, 8);
  const basisVectors = opts.eigenBudget ?? lanczosDefaultBudget(n, top);
  const probeBatch = 16;
  // block products: the input block, the forward tangents and the adjoints over the M rows (measured peak RSS)
  const otherDoubles = n * (3 * top + 3 * probeBatch) + 3 * M * Math.max(blockSize, probeBatch);
  const budgetDoubles = memoryBudget(opts.memoryBudget) / 8;
  let maxBasis: number | undefined;
  if (n * basisVectors + otherDoubles > budgetDoubles) {
    const smallest = Math.max(top + 2 * blockSize, 2 * top + blockSize);
    // at a restart the old basis (maxBasis vectors) and the kept Ritz block (≤ maxBasis/2 + top) coexist
    const fits = Math.floor((budgetDoubles - otherDoubles - n * top) / (1.5 * n));
    checkBudgetWith(
      n * (1.5 * Math.max(smallest, Math.min(fits, basisVectors)) + top) + otherDoubles,
      `the matrix-free spectrum (a Lanczos basis of at least ${smallest} vectors of length ${n} for the top ${top}, block products over ${M} trajectory rows)`,
      opts.memoryBudget,
      'lower --top or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)',
    );
    maxBasis = Math.min(fits, basisVectors);
  }
  const via = P <= M ? 'JtJ' : 'JJt';
  const op = via === 'JtJ' ? fisherOperator(model, traj) : sntkOperator(model, traj);
  const A = { n, apply: (X: import('../linalg/matrix.js').Matrix) => op.matmat(X) };
  opts.onPhase?.('top eigenpairs (block Lanczos)');
  const eig = lanczosTopK(A, {
    k: top,
    seed: opts.seed ?? 0,
    blockSize,
    tol: 1e-10,
    requireConvergence: false,
    ...(maxBasis !== undefined ? { maxBasis, budget: 5 * basisVectors } : opts.eigenBudget !== undefined ? { budget: opts.eigenBudget } : {}),
  });
  let trace: number | undefined;
  const B = shape.B, T = shape.T, N = shape.N;
  if (exactTraceCost(B, T, N, P) <= (opts.exactTraceFlops ?? 4e10)) {
    opts.onPhase?.('exact trace');
    trace = jacobianFrobeniusSquared(model, traj);
  }
  opts.onPhase?.('Frobenius norm (deflated Hutchinson)');
  const probes = opts.probes ?? 120;
  const mom = estimateSpectralMoments(A, {
    seed: (opts.seed ?? 0) + 1,
    deflation: { vectors: eig.vectors, ...(eig.AV ? { AV: eig.AV } : {}) },
    budget: probes,
    batch: 16,
    ...(trace !== undefined ? { trace } : {}),
  });
  return {
    rows: M,
    params: P,
    method: 'operator',
    via,
    trace: mom.trace.estimate,
    traceExact: trace !== undefined,
    frobenius: mom.frobenius.estimate,
    participationRatio: mom.participationRatio.estimate,
    entropyRank: null,
    rank95: null,
    top: Array.from(eig.values),
    standardErrors: {
      trace: mom.trace.standardError,
      frobenius: mom.frobenius.standardError,
      participationRatio: mom.participationRatio.standardError,
      top: Array.from(eig.errorBounds),
    },
    matvecs: eig.matvecs + mom.matvecs,
    ...(maxBasis !== undefined ? { lanczosBasis: { maxBasis, restarts: eig.restarts ?? 0 } } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

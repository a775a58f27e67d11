/**
 * `analyzeSntk`: the sNTK's diagnostics for a model and inputs, dense (exact, small problems) or
 * matrix-free (large problems), behind one call — what `sntk kernel` prints.
 *
 * Dense: `J` by forward sensitivities, the eigenvalues of the smaller of `JᵀJ`/`JJᵀ`, then trace,
 * Frobenius norm, PR, entropy rank, rank-for-95% and the top eigenvalues from the spectrum.
 * Operator: the smaller of `JᵀJ` (`P × P`) and `JJᵀ` (`M × M`) as a block operator; top-k by block
 * Lanczos; `‖K‖_F²` (hence PR) by exact deflation of the top-k plus Hutchinson probes on the
 * rest, with standard errors, the probes stopping once the PR's relative standard error reaches
 * `prRelativeError` (docs/theory.md §5); the trace exactly (`‖J‖_F²` by streaming sensitivities) when that
 * costs at most `exactTraceFlops`, else estimated from the same probes.
 */
import type { Model, Trajectory } from '../models/types.js';
import { kernelDiagnostics } from './diagnostics.js';
import { sntkSpectrum, sntkShape } from './dense.js';
import { fisherOperator, sntkOperator } from './operators.js';
import { kernelRowIndex, restrictedSntkOperator } from './state-rows.js';
import { jacobianFrobeniusSquared, exactTraceCost } from './sensitivity.js';
import { checkBudgetWith, memoryBudget } from './budget.js';
import { lanczosTopK, lanczosDefaultBudget } from '../linalg/iterative/lanczos.js';
import { estimateSpectralMoments } from '../linalg/iterative/moments.js';
import { InputError } from '../errors.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { PhaseProfile, type PhaseTiming } from './profile.js';

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
  /**
   * Operator path: the most Hutchinson probes for `‖K‖_F²` (default 120); fewer are used once the
   * PR's relative standard error is at most `prRelativeError`.
   */
  probes?: number;
  /**
   * Operator path: target relative standard error of the participation ratio (default 0.005): the
   * probes stop, in batches of 8 and after at least 32, once the estimated standard error is
   * below it (0: use all `probes`).
   */
  prRelativeError?: number;
  /** Operator path: compute the trace exactly when it costs at most this many flops (default 4e10). */
  exactTraceFlops?: number;
  /** Largest `min(M, P)` for which `auto` picks the dense path (default 4000). */
  denseLimit?: number;
  /** Memory budget in bytes (default: see budget.ts). */
  memoryBudget?: number;
  /** Progress callback (phase name). */
  onPhase?: (phase: string) => void;
  /**
   * `'full'` (default): the whole spectrum (entropy rank and rank-95 need it). `'top'`: only the
   * `top` eigenvalues by a partial solver; trace, Frobenius norm and PR exact from the Gram's
   * entries; entropy rank and rank-95 null. Dense path only.
   */
  spectrum?: 'full' | 'top';
  /** Cell-parameter columns of `J` (ascending; default all): the kernel of that parameter subset. */
  params?: Int32Array;
  /**
   * State entries per step (ascending indices into the N state entries; state-rows.ts
   * `stateRows`): the kernel `S K Sᵀ` over the rows `(b, t, i)` with `i` in this set — an LSTM's
   * `h` rows, one layer of a stacked cell (docs/theory.md §3). Default: every state entry. On the
   * operator path it cannot be combined with `params` or `topVector`.
   */
  stateRows?: readonly number[];
  /**
   * Also the top parameter direction (top eigenvector of `JᵀJ` over `params`, as a unit vector over
   * the model's flat parameters, zero elsewhere); `warm` (flat parameters) warm-starts it.
   * Forces `JᵀJ` (dense) / the Fisher operator (matrix-free).
   */
  topVector?: { warm: Float64Array | null };
  /** Dense path: also return the (column-restricted) Jacobian as `jacobian`. */
  keepJacobian?: boolean;
  /**
   * Dense path: skip the entropy rank and rank-95 (null), and report PR = 0 for the zero kernel
   * instead of throwing (callers that record statistics every training step).
   */
  ranks?: boolean;
  /** Operator path: which Gram to apply (default `auto`: the smaller; `JtJ` whenever `topVector` or `params` is set). */
  operatorGram?: 'auto' | 'JtJ';
  /** Operator path: tolerance of the Lanczos Ritz values' error bounds, relative to the largest (default 1e-8). */
  lanczosTol?: number;
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
  /** Hutchinson probes used (operator path; `standardErrors.participationRatio` is what they reached). */
  probes?: number;
  /**
   * Present when the full Lanczos basis did not fit the memory budget: the bounded basis size used
   * and the number of thick restarts (more matvecs, same accuracy target; check `standardErrors.top`).
   */
  lanczosBasis?: { maxBasis: number; restarts: number };
  /** Wall time of the computation in seconds. */
  seconds: number;
  /** Wall seconds per phase (jacobian, gram, eigenvalues, diagnostics; operator: its phases). */
  profile: PhaseTiming[];
  /** The whole spectrum, descending (dense path with `spectrum: 'full'`). */
  spectrum?: Float64Array;
  /** Top parameter direction over the flat parameters (when `topVector` was asked). */
  topVector?: Float64Array;
  /** The column-restricted Jacobian (dense path, when `keepJacobian` was asked). */
  jacobian?: Matrix;
}

/**
 * Computes the sNTK diagnostics (see the module comment), over the cell-parameter columns `params`
 * (all by default). Throws InputError when `top > min(M, p)` (`p` when `topVector` forces `JᵀJ`).
 * Cost: dense O(B·T·N²·p) + the Gram + ≈ 4/3·min(M,p)³; operator O((top + probes)·sweeps).
 *
 * @param model - the network whose cell parameters (`P` of them) the kernel is taken over.
 * @param traj - a trajectory of `model` from {@link rollout} (`M = B·T·N` kernel rows).
 * @param opts - `method` (`'dense'` exact, `'operator'` matrix-free, `'auto'` by size), `top`
 *   (number of top eigenvalues), `seed` and probe counts of the estimators, memory budget in bytes.
 * @returns trace, Frobenius norm, participation ratio (dimensionless, in `[1, min(M, P)]`),
 *   entropy rank and rank-for-95% (dense only), top eigenvalues (descending, in units of state²),
 *   and on the operator path the standard errors of the estimates and the matvec count.
 * @throws {@link sntk!InputError} when `top` exceeds `min(M, P)` or an option is invalid.
 * @throws {@link sntk!MemoryBudgetError} when the dense kernel (or the smallest Lanczos basis) does not fit.
 * @throws {@link sntk!ConvergenceError} when the eigensolver does not converge.
 * @example
 * ```ts
 * import { analyzeSntk, defineSpec, randomModel, rollout } from 'sntk';
 *
 * const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 8, inputSize: 1 }), 2, { gain: 0.9 });
 * const X = new Float64Array(30).map((_, t) => Math.sin(t / 3)); // B = 1, T = 30, D = 1
 * const traj = rollout(model, X, { B: 1, T: 30 });
 * const exact = analyzeSntk(model, traj, { method: 'dense', top: 3 });
 * const approx = analyzeSntk(model, traj, { method: 'operator', top: 3, seed: 1 });
 * console.log(exact.rows, exact.params); // prints: 240 80
 * console.log(exact.participationRatio.toFixed(2)); // prints: 10.57
 * // the matrix-free estimate lies within a few standard errors of the exact value
 * console.log(Math.abs(approx.participationRatio - exact.participationRatio) < 4 * approx.standardErrors!.participationRatio); // prints: true
 * ```
 */
export function analyzeSntk(model: Model, traj: Trajectory, opts: AnalyzeOptions = {}): KernelAnalysis {
  const t0 = performance.now();
  const profile = new PhaseProfile();
  const shape = sntkShape(model, traj);
  // checked; every one of the N entries (0..N−1) is no restriction
  const checkedRows = opts.stateRows ? kernelRowIndex(traj, opts.stateRows) : undefined;
  const rowIndex = checkedRows && opts.stateRows!.length < shape.N ? checkedRows : undefined;
  const M = rowIndex ? rowIndex.length : shape.rows;
  const Pall = shape.params;
  const idx = opts.params;
  if (idx) {
    if (idx.length === 0) throw new InputError('analyzeSntk: no cell parameter selected (the sNTK is empty)');
    for (let q = 0; q < idx.length; q++) {
      const v = idx[q]!;
      if (!Number.isInteger(v) || v < 0 || v >= Pall || (q > 0 && v <= idx[q - 1]!)) {
        throw new InputError(`analyzeSntk: params must be ascending cell-parameter indices in [0, ${Pall}), got ${v} at position ${q}`);
      }
    }
  }
  const P = idx ? idx.length : Pall;
  const forceJtJ = opts.topVector !== undefined;
  const rank = forceJtJ ? P : Math.min(M, P);
  const top = opts.top ?? 10;
  if (!Number.isInteger(top) || top < 1) throw new InputError(`top must be a positive integer, got ${top}`);
  if (top > rank) {
    throw new InputError(`top = ${top} exceeds the largest possible rank of the sNTK, min(rows, params) = min(${M}, ${P}) = ${rank}`);
  }
  const method = opts.method ?? 'auto';
  const n = rank;
  const denseBytes = 8 * (M * P + 2 * n * n);
  const useDense = method === 'dense' || (method === 'auto' && n <= (opts.denseLimit ?? 4000) && denseBytes <= memoryBudget(opts.memoryBudget));
  const size = model.layout.size;
  const scatter = (v: ArrayLike<number>, stride = 1): Float64Array => {
    const out = new Float64Array(size);
    for (let q = 0; q < P; q++) out[idx ? idx[q]! : q] = v[q * stride]!;
    return out;
  };
  if (useDense) {
    opts.onPhase?.('dense spectrum');
    const partial = opts.spectrum === 'top';
    const spec = sntkSpectrum(model, traj, {
      ...(opts.memoryBudget !== undefined ? { memoryBudget: opts.memoryBudget } : {}),
      ...(idx ? { params: idx } : {}),
      ...(partial ? { largest: top } : {}),
      ...(opts.topVector ? { topVector: opts.topVector } : {}),
      ...(opts.keepJacobian ? { keepJacobian: true } : {}),
      ...(rowIndex ? { rowIndex } : {}),
      profile,
    });
    const wantRanks = (opts.ranks ?? true) && !partial;
    const { trace, frobeniusSquared: f2 } = spec;
    let entropyRank: number | null = null, rank95: number | null = null, pr: number;
    if (wantRanks) {
      const d = kernelDiagnostics(spec.values, { top });
      entropyRank = d.entropyRank;
      rank95 = d.rank95;
      pr = (trace * trace) / f2;
    } else if (f2 > 0) {
      pr = (trace * trace) / f2;
    } else if (opts.ranks === false) {
      pr = 0;
    } else {
      throw new InputError('analyzeSntk: the kernel is zero; the participation ratio is undefined');
    }
    profile.lap('diagnostics');
    return {
      rows: M,
      params: P,
      method: 'dense',
      via: spec.via,
      trace,
      traceExact: true,
      frobenius: Math.sqrt(f2),
      participationRatio: pr,
      entropyRank,
      rank95,
      top: Array.from(spec.values.subarray(0, top)),
      seconds: (performance.now() - t0) / 1000,
      profile: profile.phases,
      ...(partial ? {} : { spectrum: spec.values }),
      ...(spec.topVector ? { topVector: scatter(spec.topVector) } : {}),
      ...(spec.jacobian ? { jacobian: spec.jacobian } : {}),
    };
  }
  // memory of the operator path, before any allocation. Lanczos phase: the row-stored basis
  // (maxBasis + one block, restarts rotate it in place), its blocks of width b and the block
  // products through the trajectory (M rows), the Ritz vectors, A·V and residuals (3·top vectors);
  // probe phase (the basis is gone): V, A·V, probe blocks and their products. When the full basis
  // does not fit, Lanczos runs with a bounded basis (thick restarts) and a larger matvec budget;
  // only when even a small basis does not fit is the request refused.
  if (rowIndex && (forceJtJ || idx !== undefined)) {
    throw new InputError('analyzeSntk: on the operator path a state-row subset cannot be combined with a parameter subset or the top parameter direction (use the dense path)');
  }
  // a state-row subset applies S K Sᵀ (state-rows.ts): the M_S × M_S side
  const via = rowIndex ? 'JJt' : forceJtJ || idx !== undefined || opts.operatorGram === 'JtJ' || P <= M ? 'JtJ' : 'JJt';
  const nOp = via === 'JtJ' ? P : M;
  const blockSize = Math.min(top, 8);
  const basisVectors = opts.eigenBudget ?? lanczosDefaultBudget(nOp, top);
  // the Lanczos block width for top ≥ 8: the operator reuses the workspace it sized for those blocks
  const probeBatch = 8;
  const lanczosOther = nOp * (3 * top + 6 * blockSize) + 4 * M * blockSize;
  const probeDoubles = nOp * (2 * top + 3 * probeBatch) + 4 * M * probeBatch;
  const need = (basis: number): number => Math.max(nOp * (basis + blockSize) + lanczosOther, probeDoubles);
  const budgetDoubles = memoryBudget(opts.memoryBudget) / 8;
  let maxBasis: number | undefined;
  if (need(basisVectors) > budgetDoubles) {
    const smallest = Math.max(top + 2 * blockSize, 2 * top + blockSize);
    const fits = Math.floor((budgetDoubles - lanczosOther) / nOp) - blockSize;
    checkBudgetWith(
      need(Math.max(smallest, Math.min(fits, basisVectors))),
      `the matrix-free spectrum (a Lanczos basis of at least ${smallest} vectors of length ${nOp} for the top ${top}, block products over ${M} trajectory rows)`,
      opts.memoryBudget,
      'lower --top or raise the budget (--memory-budget / SNTK_MEMORY_BUDGET)',
    );
    maxBasis = Math.min(fits, basisVectors);
  }
  const op = rowIndex ? restrictedSntkOperator(model, traj, opts.stateRows!) : via === 'JtJ' ? fisherOperator(model, traj) : sntkOperator(model, traj);
  const A = idx && idx.length < Pall ? maskedOperator(op.matmat.bind(op), idx, Pall) : { n: nOp, apply: (X: Matrix, out?: Matrix) => op.matmat(X, out) };
  let init: Matrix | undefined;
  const warm = opts.topVector?.warm;
  if (warm && warm.length === size) {
    init = zeros(P, 1);
    for (let q = 0; q < P; q++) init.data[q] = warm[idx ? idx[q]! : q]!;
    if (!init.data.some((v) => v !== 0)) init = undefined;
  }
  opts.onPhase?.('top eigenpairs (block Lanczos)');
  profile.reset();
  const eig = lanczosTopK(A, {
    k: top,
    seed: opts.seed ?? 0,
    blockSize,
    tol: opts.lanczosTol ?? 1e-8,
    requireConvergence: false,
    ...(init ? { init } : {}),
    ...(maxBasis !== undefined ? { maxBasis, budget: 5 * basisVectors } : opts.eigenBudget !== undefined ? { budget: opts.eigenBudget } : {}),
  });
  profile.lap('top eigenpairs (block Lanczos)');
  let trace: number | undefined;
  const B = shape.B, T = shape.T, N = shape.N;
  if (P === Pall && !rowIndex && exactTraceCost(B, T, N, Pall) <= (opts.exactTraceFlops ?? 4e10)) {
    opts.onPhase?.('exact trace');
    trace = jacobianFrobeniusSquared(model, traj);
    profile.lap('exact trace');
  }
  opts.onPhase?.('Frobenius norm (deflated Hutchinson)');
  const probes = opts.probes ?? 120;
  const prTol = opts.prRelativeError ?? 0.005;
  if (!(prTol >= 0)) throw new InputError(`analyzeSntk: prRelativeError must be a non-negative number, got ${prTol}`);
  const mom = estimateSpectralMoments(A, {
    seed: (opts.seed ?? 0) + 1,
    deflation: { vectors: eig.vectors, ...(eig.AV ? { AV: eig.AV } : {}) },
    budget: probes,
    batch: probeBatch,
    tol: prTol,
    minProbes: 32,
    ...(trace !== undefined ? { trace } : {}),
  });
  profile.lap('Frobenius norm (deflated Hutchinson)');
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
    probes: mom.probes,
    ...(maxBasis !== undefined ? { lanczosBasis: { maxBasis, restarts: eig.restarts ?? 0 } } : {}),
    seconds: (performance.now() - t0) / 1000,
    profile: profile.phases,
    ...(forceJtJ ? { topVector: scatter(eig.vectors.data, eig.vectors.cols) } : {}),
  };
}

/** The Fisher operator restricted to the parameter subset `idx` (`p × p`): scatter, apply, gather. Cost one application plus O(P·k). */
function maskedOperator(apply: (X: Matrix) => Matrix, idx: Int32Array, P: number): { n: number; apply: (X: Matrix) => Matrix } {
  const p = idx.length;
  return {
    n: p,
    apply(X: Matrix): Matrix {
      const k = X.cols;
      const Xf = zeros(P, k);
      for (let q = 0; q < p; q++) for (let j = 0; j < k; j++) Xf.data[idx[q]! * k + j] = X.data[q * k + j]!;
      const Y = apply(Xf);
      const out = zeros(p, k);
      for (let q = 0; q < p; q++) for (let j = 0; j < k; j++) out.data[q * k + j] = Y.data[idx[q]! * k + j]!;
      return out;
    },
  };
}

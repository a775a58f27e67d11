/**
 * Dense sNTK for small problems. Three routes to the same kernel (docs/theory.md §3):
 * - `jjt`: the Jacobian `J` (`M × P`) by forward sensitivities, then `J Jᵀ` (SYRK);
 * - `pkp`: the Kronecker core `K_θ` (`M × M`, from the weight sites) then `P K_θ Pᵀ` by block sweeps;
 * - the dual `Jᵀ J` (`P × P`), which has the same nonzero spectrum: used by `sntkSpectrum` when
 *   `P < M`, since the eigenproblem dominates the cost.
 * Every route checks the memory budget before allocating (see budget.ts).
 */
import type { Model, Trajectory } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { largeZeros, syrk, symmetricEigenvalues } from '../linalg/index.js';
import { denseJacobian } from './sensitivity.js';
import { gatherSiteFactors, type SiteFactors } from './site-gram.js';
import { applyPropagator } from './operators.js';
import { checkDenseBudget, memoryBudget } from './budget.js';
import { InputError } from '../errors.js';
import { gramRoute, gramSpectrumAndTop, gramTraceAndFrobenius, lowerGram, parameterGram, selectColumns } from './gram.js';
import type { PhaseProfile } from './profile.js';

/** How to build a dense sNTK. */
export type DenseMethod = 'auto' | 'jjt' | 'pkp';

/** Problem sizes of a trajectory's sNTK. */
export interface SntkShape {
  /** Rows `M = B·T·N`. */
  rows: number;
  /** Cell parameters `P`. */
  params: number;
  B: number;
  T: number;
  N: number;
  /** Total site length `Σ_j L_j` (Kronecker core); Infinity for cells without weight sites. */
  siteLength: number;
}

/**
 * The sizes that the cost model needs. Cost O(1) (reads one step's sites).
 *
 * @param model - the network.
 * @param traj - a trajectory of `model`.
 * @returns `rows` (`M`), `params` (`P`), `B`, `T`, `N` and the total site length, which decide the cheapest dense route.
 */
export function sntkShape(model: Model, traj: Trajectory): SntkShape {
  const theta = model.params.subarray(0, model.layout.cellSize);
  const sites = model.cell.sites(theta, traj.caches[0]!);
  return {
    rows: traj.B * traj.T * traj.N,
    params: model.layout.cellSize,
    B: traj.B,
    T: traj.T,
    N: traj.N,
    // no weight sites (PyTorch LSTM, stacked cells): the Kronecker route does not apply
    siteLength: sites === null ? Infinity : sites.reduce((s, x) => s + x.u.length, 0),
  };
}

/** Estimated flops of each dense route (used by `auto`; documented so users can see the choice). */
export function denseCosts(s: SntkShape): { jjt: number; pkp: number; dualEig: number; fullEig: number } {
  const { rows: M, params: P, B, T, N, siteLength: L } = s;
  const jac = 2 * B * T * N * N * P;
  return {
    jjt: jac + M * M * P,
    // core written directly: per site the BT×BT site Gram (BT²·L) and N·BT² entries; two propagator passes 2·(2·BT·N²·M)
    pkp: (B * T) ** 2 * (L + 2 * N) + 4 * B * T * N * N * M,
    dualEig: jac + P * P * M + 9 * P ** 3,
    fullEig: 9 * M ** 3,
  };
}

/** Chooses `jjt` or `pkp` for a dense `M × M` kernel by the cost model. */
export function chooseDenseMethod(s: SntkShape): 'jjt' | 'pkp' {
  const c = denseCosts(s);
  return c.pkp < c.jjt ? 'pkp' : 'jjt';
}

/**
 * The dense sNTK `J Jᵀ` (`M × M`, rows `(b,t,i)`), by the chosen route (`auto`: cheapest by
 * `denseCosts`). Throws MemoryBudgetError before allocating more than the budget.
 * Cost: see `denseCosts`; memory O(M²) (+ O(M·P) for `jjt`).
 *
 * @param model - the network; the kernel is over its `P` cell parameters.
 * @param traj - a trajectory of `model` (`M = B·T·N` rows).
 * @param opts - the route (`'jjt'`, `'kronecker'`, `'auto'`) and the memory budget in bytes.
 * @returns the `M × M` float64 kernel, symmetric PSD (docs/theory.md §3).
 * @throws {@link sntk!MemoryBudgetError} before allocating more than the budget.
 * @throws {@link sntk!ShapeError} when `traj` does not belong to `model`.
 */
export function denseSntk(
  model: Model,
  traj: Trajectory,
  opts: { method?: DenseMethod; memoryBudget?: number } = {},
): { K: Matrix; method: 'jjt' | 'pkp' } {
  const shape = sntkShape(model, traj);
  const M = shape.rows;
  // Peak float64 counts of the two routes: P K_θ Pᵀ works in one M×M buffer (pkpGram); J Jᵀ holds
  // the kernel, J and J's build buffers.
  const jjtDoubles = M * M + 2 * M * shape.params;
  const pkpDoubles = M * M;
  let method = !opts.method || opts.method === 'auto' ? chooseDenseMethod(shape) : opts.method;
  // auto: the cheaper route when it fits the budget, else the one that does
  if ((!opts.method || opts.method === 'auto') && method === 'pkp' && 8 * pkpDoubles > memoryBudget(opts.memoryBudget) && jjtDoubles < pkpDoubles) method = 'jjt';
  if (method === 'jjt') {
    checkDenseBudget(jjtDoubles, `the dense sNTK (${M}×${M}) with its Jacobian (${M}×${shape.params})`, opts.memoryBudget);
    const J = denseJacobian(model, traj, opts);
    return { K: syrk(J), method };
  }
  checkDenseBudget(pkpDoubles, `the dense sNTK (${M}×${M}) by P K_θ Pᵀ (one M×M buffer)`, opts.memoryBudget);
  return { K: pkpGram(model, traj, M), method };
}

/**
 * The dense Kronecker core `K_θ` (`M × M`) from the weight sites. Cost O(Σ_j BT·L_j·N·M).
 *
 * @param model - the network.
 * @param traj - a trajectory of `model` (`M = B·T·N` rows).
 * @param opts - the memory budget in bytes.
 * @returns `K_θ`, a dense symmetric `M × M` matrix (docs/theory.md §3).
 * @throws {@link sntk!MemoryBudgetError} when `M²` entries exceed the budget.
 */
export function denseCoreKernel(model: Model, traj: Trajectory, opts: { memoryBudget?: number } = {}): Matrix {
  const M = traj.B * traj.T * traj.N;
  checkDenseBudget(M * M, `the dense core kernel K_θ (${M}×${M})`, opts.memoryBudget);
  return coreKernelInto(gatherSiteFactors(model, traj), traj.N, largeZeros(M, M));
}

/** `A ← (A + Aᵀ)/2` in place, in 64×64 tiles. Cost O(n²). */
function symmetrize(A: Matrix): void {
  const n = A.rows, d = A.data;
  const bs = 64;
  for (let i0 = 0; i0 < n; i0 += bs) {
    const i1 = Math.min(n, i0 + bs);
    for (let j0 = 0; j0 <= i0; j0 += bs) {
      const j1 = Math.min(n, j0 + bs);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) {
          const v = 0.5 * (d[i * n + j]! + d[j * n + i]!);
          d[i * n + j] = v;
          d[j * n + i] = v;
        }
      }
    }
  }
}

/** Options of `sntkSpectrum`. */
export interface SntkSpectrumOptions {
  memoryBudget?: number;
  /** Cell-parameter columns of `J` (ascending; default all): the spectrum of `J_S J_Sᵀ` for that subset. */
  params?: Int32Array;
  /**
   * Only the `largest` top eigenvalues (a partial solver, `symmetricEigenvalues`); `trace` and
   * `frobeniusSquared` are then taken exactly from the Gram's entries. Default: the whole spectrum.
   */
  largest?: number;
  /** Also the top eigenvector of `JᵀJ` over `params` (forces the `p × p` Gram); warm start in flat parameters. */
  topVector?: { warm: Float64Array | null };
  /** Also return the (column-restricted) Jacobian `J` (forces a route that forms it). */
  keepJacobian?: boolean;
  /**
   * Rows of `J` to keep (ascending indices `(b·T + t)·N + i` into the `M` state rows; state-rows.ts
   * `kernelRowIndex`): the spectrum of `S J Jᵀ Sᵀ`, e.g. an LSTM's `h` rows or one layer of a
   * stacked cell. Forms `J` and takes the Gram by SYRK.
   */
  rowIndex?: Int32Array;
  /** Per-phase wall times are added here (jacobian, gram, eigenvalues). */
  profile?: PhaseProfile;
}

/** Result of `sntkSpectrum`. */
export interface SntkSpectrum {
  /**
   * Descending: the `min(M, p)` eigenvalues that can be nonzero (the rest of the sNTK's are 0) —
   * `p` of them when `topVector` forced the `p × p` Gram —, or the `largest` top ones.
   */
  values: Float64Array;
  /** Which Gram matrix was diagonalised: `'JtJ'` (`p × p`) or `'JJt'` (`M × M`). */
  via: 'JtJ' | 'JJt';
  /** How the Gram was formed: SYRK of `J`, block VJP of `J`'s columns, or `P K_θ Pᵀ` without `J`. */
  route: 'syrk' | 'block-vjp' | 'pkp';
  rows: number;
  /** Columns of `J` (the selected cell parameters). */
  params: number;
  /** `tr(JJᵀ) = Σλ` and `‖JJᵀ‖_F² = Σλ²` (from the spectrum, or from the Gram's entries when `largest` is set). */
  trace: number;
  frobeniusSquared: number;
  /** Top eigenvector of `J_SᵀJ_S` (length `params`, unit, largest entry positive), when asked. */
  topVector?: Float64Array;
  /** The Jacobian (`M × params`), when asked. */
  jacobian?: Matrix;
}

/** The rows `rows` (ascending, in range) of `J`, as a new matrix. Cost O(|rows|·cols). */
function selectRows(J: Matrix, rows: Int32Array): Matrix {
  const c = J.cols;
  const out = zeros(rows.length, c);
  for (let a = 0; a < rows.length; a++) {
    const r = rows[a]!;
    if (!(r >= 0 && r < J.rows)) throw new InputError(`rowIndex entry ${r} is not a row of the ${J.rows}-row Jacobian`);
    out.data.set(J.data.subarray(r * c, (r + 1) * c), a * c);
  }
  return out;
}

/** Whether `P K_θ Pᵀ` (no Jacobian) builds the `M × M` Gram with fewer flops than `J` then `J Jᵀ` by SYRK. Cost O(1). */
function pkpCheaper(s: SntkShape): boolean {
  const c = denseCosts(s);
  return c.pkp < c.jjt;
}

/**
 * The sNTK's spectrum through the smaller of `Jᵀ J` (`p × p`) and `J Jᵀ` (`M × M`) — same nonzero
 * eigenvalues. Each phase takes the cheapest kernel available:
 * - Gram: `JᵀJ` by `parameterGram` (SYRK on BLAS, block VJP in pure TS); `JJᵀ` by `P K_θ Pᵀ` from
 *   the weight sites when that beats forming `J` and its SYRK (`denseCosts`; e.g. N = 128, T = 100:
 *   about 16× fewer flops), else by SYRK;
 * - eigenvalues only, in the Gram's own memory (no n² copy), all of them or the `largest` top ones
 *   by a partial solver; the top eigenvector (when asked) by shifted inverse iteration.
 * Checks the memory budget before allocating. Cost O(B·T·N²·p) for `J`, O(min(M,p)²·max(M,p)) or
 * less for the Gram, ≈ 4/3·min(M,p)³ for the eigenvalues.
 */
export function sntkSpectrum(model: Model, traj: Trajectory, opts: SntkSpectrumOptions = {}): SntkSpectrum {
  const shape = sntkShape(model, traj);
  const rowIdx = opts.rowIndex;
  const M = rowIdx ? rowIdx.length : shape.rows;
  const P = shape.params;
  const idx = opts.params ?? Int32Array.from({ length: P }, (_, i) => i);
  const p = idx.length;
  const profile = opts.profile;
  const wantVector = opts.topVector !== undefined;
  const via: 'JtJ' | 'JJt' = wantVector || p < M ? 'JtJ' : 'JJt';
  const n = via === 'JtJ' ? p : M;
  const usePkp = !rowIdx && via === 'JJt' && p === P && !opts.keepJacobian && pkpCheaper(shape);
  if (usePkp) {
    checkDenseBudget(M * M, `the sNTK spectrum (P K_θ Pᵀ, one ${M}×${M} buffer)`, opts.memoryBudget);
  } else {
    const Mall = shape.rows;
    checkDenseBudget(Mall * P + (p === P && !rowIdx ? 0 : M * p) + (wantVector ? 3 : 1) * n * n, `the sNTK spectrum (Jacobian ${Mall}×${P}, Gram ${n}×${n})`, opts.memoryBudget);
  }
  profile?.reset();
  let G: Matrix;
  let route: SntkSpectrum['route'];
  let J: Matrix | undefined;
  // the full spectrum only: the eigensolvers read the lower triangle, so the Gram needs no mirror
  // (SYRK) or symmetrisation (P K_θ Pᵀ) pass over its n² entries
  const lower = !wantVector && !(opts.largest !== undefined && opts.largest < n);
  if (usePkp) {
    G = pkpGram(model, traj, M, !lower);
    route = 'pkp';
    profile?.lap('gram');
  } else {
    J = selectColumns(denseJacobian(model, traj, opts), idx);
    if (rowIdx) J = selectRows(J, rowIdx);
    profile?.lap('jacobian');
    if (via === 'JtJ') {
      // the block-VJP Gram runs over every trajectory row: a row subset takes SYRK
      route = rowIdx ? 'syrk' : gramRoute(model);
      G = parameterGram(model, traj, J, idx, route, lower);
    } else {
      route = 'syrk';
      G = lower ? lowerGram(J, false) : syrk(J, false);
    }
    profile?.lap('gram');
  }
  let values: Float64Array;
  let topVector: Float64Array | undefined;
  let trace = 0, frobeniusSquared = 0;
  if (wantVector) {
    const r = gramSpectrumAndTop(G, opts.topVector!.warm, idx);
    values = r.spectrum;
    topVector = r.topVector;
  } else if (opts.largest !== undefined && opts.largest < n) {
    ({ trace, frobeniusSquared } = gramTraceAndFrobenius(G));
    values = symmetricEigenvalues(G, { overwrite: true, largest: opts.largest }).reverse();
  } else {
    values = symmetricEigenvalues(G, { overwrite: true }).reverse();
  }
  if (!(opts.largest !== undefined && opts.largest < n && !wantVector)) {
    for (const v of values) {
      trace += v;
      frobeniusSquared += v * v;
    }
    if (opts.largest !== undefined) values = values.slice(0, opts.largest);
  }
  profile?.lap('eigenvalues');
  return {
    values,
    via,
    route,
    rows: M,
    params: p,
    trace,
    frobeniusSquared,
    ...(topVector ? { topVector } : {}),
    ...(opts.keepJacobian && J ? { jacobian: J } : {}),
  };
}

/**
 * `J Jᵀ = P K_θ Pᵀ` (`M × M`) in ONE `M × M` buffer: the core `K_θ` written directly from the
 * weight sites (`coreKernelInto`), one propagator sweep in place, an in-place transpose (`K_θ`
 * symmetric ⇒ `(P K_θ)ᵀ = K_θ Pᵀ`), a second sweep in place, then symmetrised unless `symmetric`
 * is false (both triangles then hold `P K_θ Pᵀ` to rounding; enough for the eigensolvers, which read
 * the lower one). Cost 4·B·T·N²·M (two sweeps) + O(Σ_j (B·T)²·(L_j + N)) for the core.
 */
function pkpGram(model: Model, traj: Trajectory, M: number, symmetric = true): Matrix {
  const X = coreKernelInto(gatherSiteFactors(model, traj), traj.N, largeZeros(M, M));
  applyPropagator(model, traj, X, false, true);
  transposeInPlace(X);
  applyPropagator(model, traj, X, false, true);
  if (symmetric) symmetrize(X);
  return X;
}

/**
 * Writes the dense Kronecker core `K_θ[(r,i),(r',i)] = Σ_j β_j[r,i] (u_{j,r}·u_{j,r'}) β_j[r',i]`
 * (rows `(r = b·T + t, i)`; zero when `i ≠ i'`) into the zeroed `M × M` matrix `K`: the site Grams
 * `U_j U_jᵀ` (`BT × BT`, one SYRK each), then `N·(BT)²` entries. Cost O(Σ_j (BT)²·(L_j + N)).
 */
function coreKernelInto(factors: readonly SiteFactors[], N: number, K: Matrix): Matrix {
  const M = K.rows;
  const d = K.data;
  for (const { U, beta } of factors) {
    const R = U.rows;
    const G = syrk(U, false).data; // R × R
    const b = beta.data;
    for (let r = 0; r < R; r++) {
      for (let i = 0; i < N; i++) {
        const bri = b[r * N + i]!;
        if (bri === 0) continue;
        const row = (r * N + i) * M + i;
        for (let q = 0; q < R; q++) d[row + q * N]! += bri * G[r * R + q]! * b[q * N + i]!;
      }
    }
  }
  return K;
}

/** In-place transpose of a square matrix in 64×64 tiles (cache-friendly for large n). Cost O(n²). */
function transposeInPlace(A: Matrix): void {
  const n = A.rows, d = A.data;
  const bs = 64;
  for (let i0 = 0; i0 < n; i0 += bs) {
    const i1 = Math.min(n, i0 + bs);
    for (let j0 = 0; j0 <= i0; j0 += bs) {
      const j1 = Math.min(n, j0 + bs);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) {
          const t = d[i * n + j]!;
          d[i * n + j] = d[j * n + i]!;
          d[j * n + i] = t;
        }
      }
    }
  }
}

/**
 * The shapes shared by every cell, the parameter layout and the rollout.
 *
 * Conventions (docs/theory.md §1–§2):
 * - A cell is a map `h_t = f(h_{t−1}, x_t; θ)`, `h ∈ R^N`, `x ∈ R^D`, θ the cell parameters.
 *   N is the state size (`stateSize(spec)`): `hiddenSize` for the sntk cells, `2·hiddenSize` per
 *   layer for `torch-lstm` (`[h; c]`), times `numLayers` for stacked PyTorch cells.
 * - Batched arrays are flat row-major `Float64Array`s: states `B × T × N` (row `(b, t, i)`,
 *   t = 1..T, i.e. the states *after* each step), inputs `B × T × D`, initial states `B × N`.
 * - The model's flat parameter vector holds the cell parameters first (`W` row-major, then `U`,
 *   then `b`; GRU: `Wr, Wz, Wn, Ur, Uz, Un, br, bz, bn`), then the readout `C` (`O × N`, row-major)
 *   and `d` (`O`). The sNTK is taken with respect to the cell parameters only (`P = layout.cellSize`),
 *   since hidden states do not depend on the readout.
 */
import type { Matrix } from '../linalg/matrix.js';

export type CellKind = 'vanilla' | 'leaky' | 'rate' | 'gru' | 'torch-rnn' | 'torch-gru' | 'torch-lstm';
export type ActivationName = 'tanh' | 'relu' | 'identity' | 'softplus';

/** A scalar nonlinearity with its first three derivatives. */
export interface Activation {
  readonly name: ActivationName;
  phi(x: number): number;
  d1(x: number): number;
  d2(x: number): number;
  d3(x: number): number;
}

/** What defines a model's shape. */
export interface ModelSpec {
  cell: CellKind;
  activation: ActivationName;
  hiddenSize: number;
  inputSize: number;
  /** Readout width `O`; 0 means no readout. */
  outputSize: number;
  /** Euler step `α = Δt/τ` of leaky and rate cells (ignored by vanilla and GRU; 1 there). */
  alpha: number;
  /**
   * Layers of a PyTorch cell (`torch-rnn`, `torch-gru`, `torch-lstm`; `num_layers`), default 1.
   * The state is all layers' states concatenated, bottom layer first (cell-stacked.ts).
   */
  numLayers?: number;
  /** Whether a PyTorch cell has `bias_ih`/`bias_hh` (PyTorch's `bias`), default true. */
  bias?: boolean;
}

/** One named block of the flat parameter vector: `rows × cols` row-major at `offset`. Vectors have `cols = 1`. */
export interface ParamBlock {
  readonly name: string;
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
}

/** The documented, stable order of the flat parameter vector. */
export interface ParamLayout {
  readonly blocks: readonly ParamBlock[];
  /** Number of cell parameters `P` (a prefix of the flat vector). */
  readonly cellSize: number;
  /** Total length, cell + readout. */
  readonly size: number;
}

/**
 * A weight site of the Kronecker core (docs/theory.md §3): the cell applies a weight matrix `W_j`
 * (`N × k`) to a site vector `u_j` (`a_j = W_j u_j`), and `∂f/∂a_j = diag(beta_j)`.
 * `W_j`'s columns are split over parameter blocks: `segments[s]` says that columns
 * `[colStart, colStart + cols)` of `W_j` are the `N × cols` row-major block at `offset` of θ.
 * Then `∂f/∂θ · dθ = Σ_j beta_j ⊙ (dW_j u_j)` and
 * `K_θ[(b,t),(b',s)] = Σ_j (u_j · u_j') diag(beta_j) diag(beta_j')`.
 */
export interface WeightSite {
  readonly u: Float64Array;
  readonly beta: Float64Array;
  readonly segments: readonly { offset: number; colStart: number; cols: number }[];
}

/** What a cell keeps from one forward step for its derivatives. Cell-specific fields beyond these. */
export interface StepCache {
  /** `h_{t−1}` (not copied: do not mutate). */
  readonly h: Float64Array;
  /** `x_t`. */
  readonly x: Float64Array;
  /** `h_t = f(h_{t−1}, x_t)`. */
  readonly out: Float64Array;
}

/**
 * A recurrent cell with exact analytic derivatives. `theta` is the cell-parameter vector
 * (length `P`). All `out` arguments are length-N (or length-P for θ-gradients) buffers the
 * caller owns; methods never allocate more than O(N) except the dense Jacobians.
 */
export interface Cell {
  readonly spec: ModelSpec;
  readonly N: number;
  readonly D: number;
  readonly P: number;
  /**
   * One step; returns the cache used by the derivative methods. Cost O(N² + ND).
   * `out` (optional, length N, must not alias `h`) receives `h_t` and becomes `cache.out`; a new
   * buffer otherwise.
   */
  forward(theta: Float64Array, h: Float64Array, x: Float64Array, out?: Float64Array): StepCache;
  /** `out = (∂f/∂h) dh`. */
  jvpH(theta: Float64Array, c: StepCache, dh: Float64Array, out: Float64Array): void;
  /** `out = (∂f/∂h)ᵀ e`. */
  vjpH(theta: Float64Array, c: StepCache, e: Float64Array, out: Float64Array): void;
  /** `out = (∂f/∂θ) dθ`. */
  jvpTheta(theta: Float64Array, c: StepCache, dtheta: Float64Array, out: Float64Array): void;
  /** `grad += (∂f/∂θ)ᵀ e` (accumulates). */
  vjpTheta(theta: Float64Array, c: StepCache, e: Float64Array, grad: Float64Array): void;
  /**
   * Optional fused `jvpH` + `jvpTheta` of one step: `out = (∂f/∂h) dh + (∂f/∂θ) dθ` (the θ part
   * only when `dh` is null) in one pass over the step's gate coefficients; equal to the two calls
   * summed up to rounding. `out` must not alias `dh`. Cost about one `jvpTheta`.
   */
  jvpStep?(theta: Float64Array, c: StepCache, dh: Float64Array | null, dtheta: Float64Array, out: Float64Array): void;
  /**
   * Optional fused `vjpH` + `vjpTheta` of one step: `hBar = (∂f/∂h)ᵀ e` and `grad += (∂f/∂θ)ᵀ e`
   * in one pass (the same numbers as the two calls). `hBar` must not alias `e`. Cost about one `vjpTheta`.
   */
  vjpStep?(theta: Float64Array, c: StepCache, e: Float64Array, hBar: Float64Array, grad: Float64Array): void;
  /** Dense `∂f/∂h` (`N × N`). */
  jacobianH(theta: Float64Array, c: StepCache): Matrix;
  /**
   * Optional: a bound `b` such that every fixed point and periodic orbit of the cell's map, at any
   * parameters and constant input, lies in the box `|h_i| < b` (a GRU's state moves towards a
   * candidate in (−1, 1)^N, so nothing outside can recur: docs/theory.md §6). Absent when there is
   * no such bound (an LSTM's cell state, unbounded activations). The fixed-point searches reject
   * points outside it: numerical artefacts of saturated gates, whose residual is tiny without
   * being a fixed point.
   */
  readonly fixedPointBox?: number;
  /** Dense `∂f/∂θ` (`N × P`); for tests and small problems. */
  jacobianTheta(theta: Float64Array, c: StepCache): Matrix;
  /**
   * The weight sites of this step (docs/theory.md §3), or null when `∂f/∂θ` has no site form
   * (PyTorch LSTM and stacked cells): the sNTK then takes the sensitivity and sweep routes.
   */
  sites(theta: Float64Array, c: StepCache): WeightSite[] | null;
  /**
   * Optional allocation-free form of `sites` for stacking them over a trajectory (block-sweep.ts
   * `stackSites`): writes site s's `u` into `U[s]` from `uOff[s]` and its `β` into `beta[s]` from
   * `bOff`; the same values and structure as `sites`. Cost O(Σ_s(L_s + N)).
   */
  writeSites?(theta: Float64Array, c: StepCache, U: readonly Float64Array[], uOff: readonly number[], beta: readonly Float64Array[], bOff: number): void;
  /** `out = f_hh[r, s] = Σ_jk ∂²f/∂h_j∂h_k r_j s_k`. */
  hessianH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, out: Float64Array): void;
  /** `out = f_hhh[r, s, t]`. */
  thirdH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, t: Float64Array, out: Float64Array): void;
  /** `out = f_hθ[r, dθ] = ∂/∂θ ((∂f/∂h) r) · dθ` (mixed second derivative, for normal-form unfoldings). */
  hessianHTheta(theta: Float64Array, c: StepCache, r: Float64Array, dtheta: Float64Array, out: Float64Array): void;
  /**
   * Optional block form of `jvpH` (block sweeps, block-sweep.ts): `out = (∂f/∂h) dH`
   * (`accumulate`: `out += …`) for `dH`, `out` both `N × k` row-major (column j = tangent j).
   * `out` must not overlap `dH`. Cost one `N × N × k` GEMM (GRU `3N × N × k`) plus O(N·k).
   */
  jvpHBlock?(theta: Float64Array, c: StepCache, dH: Matrix, out: Matrix, accumulate: boolean): void;
  /**
   * Optional block form of `vjpH`: `out = (∂f/∂h)ᵀ E` (`accumulate`: `out += …`), `E`, `out`
   * `N × k` row-major, not overlapping. Cost one transposed GEMM of the same size as `jvpHBlock`.
   */
  vjpHBlock?(theta: Float64Array, c: StepCache, E: Matrix, out: Matrix, accumulate: boolean): void;
  /**
   * Optional trial-batched form of `jvpHBlock`: `out (+)= (∂f/∂h) dH` for `dH`, `out` both
   * `N × (S·k)` row-major, where column group s (columns `s·k … s·k + k − 1`) is a tangent block
   * of the step whose cache is `cs[s]` (the same step of S trials). One `N × N × S·k` product
   * (GRU `3N × N × S·k`) plus O(N·S·k). `out` must not overlap `dH`.
   */
  jvpHTrials?(theta: Float64Array, cs: readonly StepCache[], dH: Matrix, out: Matrix, accumulate: boolean): void;
  /** Optional trial-batched form of `vjpHBlock` (layout as `jvpHTrials`). Cost one transposed product of the same size. */
  vjpHTrials?(theta: Float64Array, cs: readonly StepCache[], E: Matrix, out: Matrix, accumulate: boolean): void;
  /**
   * Optional whole-trial form of `jvpHBlock`: `Y_t += (∂f/∂h)_t Y_{t−1}` for t = 1 … T−1, in
   * place on `Y` (`T` consecutive row-major `N × k` blocks from entry `offset`), step t's cache
   * being `caches[first + t]`. One call for the trial instead of one per step, so the backend
   * can keep the weights in place across steps. Cost as T − 1 calls of `jvpHBlock`.
   */
  jvpHRun?(theta: Float64Array, caches: readonly StepCache[], first: number, T: number, Y: Float64Array, offset: number, k: number): void;
  /** Optional whole-trial form of `vjpHBlock`: `Y_t += (∂f/∂h)_{t+1}ᵀ Y_{t+1}` for t = T−2 … 0 (layout as `jvpHRun`). */
  vjpHRun?(theta: Float64Array, caches: readonly StepCache[], first: number, T: number, Y: Float64Array, offset: number, k: number): void;
}

/** A model: spec, layout, flat parameters (cell + readout) and its cell. */
export interface Model {
  readonly spec: ModelSpec;
  readonly layout: ParamLayout;
  /** Flat parameters; `params.subarray(0, layout.cellSize)` is θ of the cell. */
  readonly params: Float64Array;
  readonly cell: Cell;
}

/** A batched rollout with the caches the Jacobian sweeps need. */
export interface Trajectory {
  readonly B: number;
  readonly T: number;
  readonly N: number;
  readonly D: number;
  /** Initial states `B × N`. */
  readonly h0: Float64Array;
  /** Inputs `B × T × D`. */
  readonly X: Float64Array;
  /** States `B × T × N`, row `(b, t, i)` = `h_{t+1}` of trial b (t zero-based). */
  readonly H: Float64Array;
  /** Step caches, index `b * T + t`. */
  readonly caches: readonly StepCache[];
}

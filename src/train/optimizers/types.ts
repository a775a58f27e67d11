/**
 * The common optimizer interface. The training loop asks an optimizer for the directions it wants
 * Fisher products of (`directions()`, a `P × k` block), runs one fused sweep carrying them, then
 * calls `step(params, grad, ctx)` with `ctx.FvBlock` = `F_y V` (and its columns `ctx.Fv`); the
 * optimizer returns the update `Δθ` (the loop adds it to the parameters).
 */
import type { Matrix } from '../../linalg/matrix.js';

/** A JSON-serializable optimizer state (numbers, arrays, nested objects). */
export type OptimizerState = { [key: string]: unknown };

/** The dense Gauss–Newton data of the current step (small problems only). */
export interface GaussNewtonData {
  /** `J_y` restricted to the trainable parameters, `(B·T·O) × p`. */
  J: Matrix;
  /** Flat indices of the p trainable parameters. */
  index: Int32Array;
  /** `ε = (y − y*)/(B·T·O)`, length `B·T·O`, so that `g = J_yᵀ ε`. */
  eps: Float64Array;
  /** `B·T` (Fisher normalisation `F_y = J_yᵀJ_y/(BT)`). */
  BT: number;
}

/** What the loop passes to `step`. */
export interface StepContext {
  /** Zero-based step counter. */
  step: number;
  /** Loss at the current parameters. */
  loss: number;
  /** `F_y v_i` for the vectors of `directions()`, in the same order (masked). */
  Fv: Float64Array[];
  /** The same products as a `P × k` block (`F_y V`), when the loop has them in that form. */
  FvBlock?: Matrix;
  /** Trainable mask (length of params). */
  mask?: Uint8Array;
  /** Applies `F_y` to extra vectors with a separate sweep (warm-up of subspace iterations). */
  applyFisher?: (V: Float64Array[]) => Float64Array[];
  /** Block form of `applyFisher`: `F_y V` for a `P × k` block `V` (one sweep with k directions). */
  applyFisherBlock?: (V: Matrix) => Matrix;
  /** Dense Jacobian data for the Gauss–Newton reference. */
  gaussNewton?: () => GaussNewtonData;
}

/** An optimizer. */
export interface Optimizer {
  readonly name: string;
  /**
   * Directions whose Fisher products the next step needs, a `P × k` block or k vectors (none: k = 0
   * or absent). The returned block may be the optimizer's own buffer: it stays valid through the
   * following `step`, and a later `directions()` may overwrite it (copy it to keep it longer).
   */
  directions?(): Matrix | Float64Array[];
  /** The update `Δθ` (length of params) for gradient `grad` (masked). May update internal state. */
  step(params: Float64Array, grad: Float64Array, ctx: StepContext): Float64Array;
  /** Internal state, JSON-serializable and exact (float64 round-trips through JSON). */
  getState(): OptimizerState;
  /** Restores a state from `getState()`. */
  setState(s: OptimizerState): void;
}

/** Float64Array → plain array (exact through JSON). */
export function arr(a: Float64Array): number[] {
  return Array.from(a);
}

/** Plain array → Float64Array, checking it is one. */
export function f64(x: unknown, what: string): Float64Array {
  if (!Array.isArray(x)) throw new Error(`optimizer state: '${what}' is not an array`);
  return Float64Array.from(x as number[]);
}

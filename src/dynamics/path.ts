/**
 * One-parameter paths `s ↦ θ(s)` through the cell-parameter space of a model: the straight line
 * between two models, the piecewise-linear path through a list (e.g. training checkpoints; knot k
 * at s = k), a model plus a direction (`θ₀ + s d`), or a constant path (fixed-point search).
 */
import type { Model, ModelSpec } from '../models/types.js';
import { InputError, ShapeError, assertFinite } from '../errors.js';

/** A path through cell parameters with its derivative and arclength. */
export interface ParameterPath {
  /** Spec shared by every model on the path. */
  readonly spec: ModelSpec;
  /** Cell-parameter length P. */
  readonly P: number;
  /** The natural range of `s` (knots 0..K−1, or the direction's range). */
  readonly sMin: number;
  readonly sMax: number;
  /** `θ(s)` (length P, new array). Linear extrapolation outside the range. Cost O(P). */
  theta(s: number): Float64Array;
  /** `θ′(s)` (length P, new array; right derivative at knots, left at the last). Cost O(P). */
  dtheta(s: number): Float64Array;
  /** `∫ ‖θ′‖ ds` between `s0` and `s1` (≥ 0). Cost O(K). */
  distance(s0: number, s1: number): number;
}

function sameShape(a: ModelSpec, b: ModelSpec, ia: number, ib: number): void {
  // numLayers and bias (PyTorch cells) with their defaults, so that a 2-layer or bias-free model is named as such
  const shape = (m: ModelSpec) => ({ cell: m.cell, activation: m.activation, hiddenSize: m.hiddenSize, inputSize: m.inputSize, alpha: m.alpha, numLayers: m.numLayers ?? 1, bias: m.bias ?? true });
  const sa = shape(a), sb = shape(b);
  for (const k of Object.keys(sa) as (keyof typeof sa)[]) {
    if (sa[k] !== sb[k]) {
      throw new ShapeError(`models ${ia} and ${ib} on the path differ in ${k} (${String(sa[k])} vs ${String(sb[k])}); a parameter path needs models of one shape`);
    }
  }
}

function cellParams(m: Model): Float64Array {
  const p = m.params.subarray(0, m.layout.cellSize);
  assertFinite(p, 'model parameters');
  return p;
}

/**
 * The piecewise-linear path through `models` (≥ 2), knot k at s = k, so s ∈ [0, K−1].
 * Throws ShapeError when the models differ in cell, activation, N, D, α, layers or biases. Cost O(K·P).
 *
 * @param models - two or more models with the same cell and sizes, e.g. the checkpoints of a training run.
 * @returns the path through them, `s ∈ [0, K − 1]` (docs/theory.md §6).
 * @throws {@link sntk!InputError} for fewer than two models.
 * @throws {@link sntk!ShapeError} when the models differ in cell, activation, sizes, `α`, layers or biases.
 */
export function piecewisePath(models: readonly Model[]): ParameterPath {
  if (models.length < 2) throw new InputError(`a parameter path needs at least two models, got ${models.length}`);
  const spec = models[0]!.spec;
  models.forEach((m, i) => {
    sameShape(spec, m.spec, 0, i);
    if (m.layout.cellSize !== models[0]!.layout.cellSize) throw new ShapeError(`model ${i} has ${m.layout.cellSize} cell parameters, model 0 has ${models[0]!.layout.cellSize}`);
  });
  const knots = models.map(cellParams);
  const P = knots[0]!.length;
  const K = knots.length;
  const seg = knots.slice(1).map((k, i) => {
    let s = 0;
    for (let j = 0; j < P; j++) s += (k[j]! - knots[i]![j]!) ** 2;
    return Math.sqrt(s);
  });
  const cum = [0];
  for (const l of seg) cum.push(cum[cum.length - 1]! + l);
  const segIndex = (s: number): number => Math.min(K - 2, Math.max(0, Math.floor(s)));
  const arc = (s: number): number => {
    const i = segIndex(s);
    return cum[i]! + (s - i) * seg[i]!;
  };
  return {
    spec,
    P,
    sMin: 0,
    sMax: K - 1,
    theta(s) {
      const i = segIndex(s);
      const t = s - i;
      const a = knots[i]!, b = knots[i + 1]!;
      const out = new Float64Array(P);
      for (let j = 0; j < P; j++) out[j] = a[j]! + t * (b[j]! - a[j]!);
      return out;
    },
    dtheta(s) {
      const i = segIndex(s);
      const a = knots[i]!, b = knots[i + 1]!;
      const out = new Float64Array(P);
      for (let j = 0; j < P; j++) out[j] = b[j]! - a[j]!;
      return out;
    },
    distance(s0, s1) {
      return Math.abs(arc(s1) - arc(s0));
    },
  };
}

/**
 * The straight line from model `a` (s = 0) to model `b` (s = 1).
 *
 * @param a - the model at `s = 0`.
 * @param b - the model at `s = 1`, same cell, sizes and activation.
 * @returns the path `θ(s) = (1 − s) θ_a + s θ_b` over `s ∈ [0, 1]` (docs/theory.md §6).
 * @throws {@link sntk!ShapeError} when the models differ in cell or sizes.
 */
export function linePath(a: Model, b: Model): ParameterPath {
  return piecewisePath([a, b]);
}

/**
 * `θ(s) = θ₀ + s d` for a model and a direction `d` (length P, or the full parameter length of
 * which the cell prefix is used), over `range` (default [0, 1]). Throws ShapeError. Cost O(P).
 *
 * @param model - the model at `s = 0`.
 * @param direction - `d`, length `P` cell parameters (or the full parameter length).
 * @param range - the interval of `s`.
 * @returns the path `θ₀ + s d` (docs/theory.md §6).
 * @throws {@link sntk!ShapeError} when `d` has the wrong length.
 * @throws {@link sntk!InputError} for a bad range.
 * @throws {@link sntk!NonFiniteError} for NaN or Inf in `d`.
 */
export function directionPath(model: Model, direction: Float64Array, range: readonly [number, number] = [0, 1]): ParameterPath {
  const P = model.layout.cellSize;
  if (direction.length !== P && direction.length !== model.layout.size) {
    throw new ShapeError(`direction has length ${direction.length}; the model has ${P} cell parameters (${model.layout.size} in all)`);
  }
  assertFinite(direction, 'direction');
  const [s0, s1] = range;
  if (!Number.isFinite(s0) || !Number.isFinite(s1) || s0 === s1) throw new InputError(`direction range must be two different finite numbers, got ${s0}, ${s1}`);
  const th0 = cellParams(model).slice();
  const d = direction.slice(0, P);
  let dn = 0;
  for (let j = 0; j < P; j++) dn += d[j]! * d[j]!;
  dn = Math.sqrt(dn);
  return {
    spec: model.spec,
    P,
    sMin: Math.min(s0, s1),
    sMax: Math.max(s0, s1),
    theta(s) {
      const out = new Float64Array(P);
      for (let j = 0; j < P; j++) out[j] = th0[j]! + s * d[j]!;
      return out;
    },
    dtheta() {
      return d.slice();
    },
    distance(a, b) {
      return Math.abs(b - a) * dn;
    },
  };
}

/** The constant path at a model's parameters (θ′ = 0), for fixed-point searches. */
export function constantPath(model: Model): ParameterPath {
  return directionPath(model, new Float64Array(model.layout.cellSize), [0, 1]);
}

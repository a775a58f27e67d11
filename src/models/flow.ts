/**
 * Continuous-time vector fields of the leaky and rate cells, in units of τ:
 *   leaky  g(h, x; θ) = −h + φ(W h + U x + b)
 *   rate   g(h, x; θ) = −h + W φ(h) + U x + b
 * Both are `g = (f − h)/α` for the cell's Euler map f, so a generic wrapper gives every
 * derivative: `g_h = (J − I)/α`, `g_θ = f_θ/α`, `g_hh = f_hh/α`, … The wrapper is a `Cell` whose
 * `forward` evaluates g (its cache's `out` is g, not a next state).
 */
import type { Cell, Model, ModelSpec, StepCache, WeightSite } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { InputError } from '../errors.js';
import { createCell } from './cells.js';

/** A vector field with the Cell interface: `forward` returns `out = g(h, x; θ)`. */
export type FlowField = Cell;

interface FlowCache extends StepCache {
  readonly inner: StepCache;
}

/**
 * Whether cells of this spec have a continuous-time vector field (leaky and rate).
 *
 * @param spec - the model's spec.
 * @returns true for leaky and rate cells.
 */
export function hasFlow(spec: ModelSpec): boolean {
  return spec.cell === 'leaky' || spec.cell === 'rate';
}

class FlowCell implements Cell {
  readonly spec: ModelSpec;
  readonly N: number;
  readonly D: number;
  readonly P: number;
  private readonly inner: Cell;
  private readonly ia: number;
  private readonly s1: Float64Array;

  constructor(inner: Cell) {
    this.inner = inner;
    this.spec = inner.spec;
    this.N = inner.N;
    this.D = inner.D;
    this.P = inner.P;
    this.ia = 1 / inner.spec.alpha;
    this.s1 = new Float64Array(inner.N);
  }

  forward(theta: Float64Array, h: Float64Array, x: Float64Array, out?: Float64Array): FlowCache {
    const inner = this.inner.forward(theta, h, x);
    const g = out ?? new Float64Array(this.N);
    const f = inner.out;
    for (let i = 0; i < this.N; i++) g[i] = (f[i]! - h[i]!) * this.ia;
    return { h, x, out: g, inner };
  }

  jvpH(theta: Float64Array, c: StepCache, dh: Float64Array, out: Float64Array): void {
    const d = this.s1;
    d.set(dh);
    this.inner.jvpH(theta, (c as FlowCache).inner, dh, out);
    for (let i = 0; i < this.N; i++) out[i] = (out[i]! - d[i]!) * this.ia;
  }

  vjpH(theta: Float64Array, c: StepCache, e: Float64Array, out: Float64Array): void {
    const d = this.s1;
    d.set(e);
    this.inner.vjpH(theta, (c as FlowCache).inner, e, out);
    for (let i = 0; i < this.N; i++) out[i] = (out[i]! - d[i]!) * this.ia;
  }

  jvpTheta(theta: Float64Array, c: StepCache, dtheta: Float64Array, out: Float64Array): void {
    this.inner.jvpTheta(theta, (c as FlowCache).inner, dtheta, out);
    for (let i = 0; i < this.N; i++) out[i]! *= this.ia;
  }

  vjpTheta(theta: Float64Array, c: StepCache, e: Float64Array, grad: Float64Array): void {
    const s = this.s1;
    for (let i = 0; i < this.N; i++) s[i] = e[i]! * this.ia;
    this.inner.vjpTheta(theta, (c as FlowCache).inner, s, grad);
  }

  jacobianH(theta: Float64Array, c: StepCache): Matrix {
    const M = this.inner.jacobianH(theta, (c as FlowCache).inner);
    const N = this.N;
    for (let i = 0; i < N; i++) M.data[i * N + i]! -= 1;
    for (let k = 0; k < M.data.length; k++) M.data[k]! *= this.ia;
    return M;
  }

  jacobianTheta(theta: Float64Array, c: StepCache): Matrix {
    const M = this.inner.jacobianTheta(theta, (c as FlowCache).inner);
    for (let k = 0; k < M.data.length; k++) M.data[k]! *= this.ia;
    return M;
  }

  sites(theta: Float64Array, c: StepCache): WeightSite[] | null {
    const inner = this.inner.sites(theta, (c as FlowCache).inner);
    return inner === null ? null : inner.map((s) => {
      const beta = new Float64Array(s.beta.length);
      for (let i = 0; i < beta.length; i++) beta[i] = s.beta[i]! * this.ia;
      return { u: s.u, beta, segments: s.segments };
    });
  }

  hessianH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, out: Float64Array): void {
    this.inner.hessianH(theta, (c as FlowCache).inner, r, s, out);
    for (let i = 0; i < this.N; i++) out[i]! *= this.ia;
  }

  thirdH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, t: Float64Array, out: Float64Array): void {
    this.inner.thirdH(theta, (c as FlowCache).inner, r, s, t, out);
    for (let i = 0; i < this.N; i++) out[i]! *= this.ia;
  }

  hessianHTheta(theta: Float64Array, c: StepCache, r: Float64Array, dtheta: Float64Array, out: Float64Array): void {
    this.inner.hessianHTheta(theta, (c as FlowCache).inner, r, dtheta, out);
    for (let i = 0; i < this.N; i++) out[i]! *= this.ia;
  }
}

/**
 * The continuous-time vector field of a leaky or rate model (or spec), with every Cell
 * derivative (see the file comment); θ is the same cell-parameter vector as the map's.
 * Throws InputError for vanilla and GRU cells. Cost O(N).
 *
 * @param model - a leaky or rate model, or its spec.
 * @returns `g(h, x; θ) = (f(h, x; θ) − h)/α` with its derivatives (docs/theory.md §2).
 * @throws {@link sntk!InputError} for vanilla and GRU cells.
 */
export function flowField(model: Model | ModelSpec): FlowField {
  const spec = 'spec' in model ? model.spec : model;
  if (!hasFlow(spec)) throw new InputError(`a ${spec.cell} cell has no continuous-time vector field (only leaky and rate do)`);
  return new FlowCell(createCell(spec));
}

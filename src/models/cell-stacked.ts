/**
 * Stacked layers (`num_layers > 1` in PyTorch) as one cell (docs/theory.md §2): layer l maps its
 * own state `s_l` and the *new* output of the layer below, `y_{l−1}' = s_{l−1}'[0:outSize]`
 * (`y_0' = x`), to `s_l' = f_l(s_l, y_{l−1}')`. The cell's state is all layers' states
 * concatenated, bottom layer first; θ is all layers' parameters concatenated, bottom first.
 *
 * Derivatives compose the layers' (LayerCell in cell-torch.ts): JVPs run bottom-up (each layer
 * gets its input tangent from the layer below), VJPs top-down, and hyper-dual jets feed each
 * layer's output jet into the next, so `f_hh`, `f_hhh` and `f_hθ` stay exact. `∂f/∂h` is block
 * lower-triangular. Weight sites do not apply (a layer's weights reach the layers above within
 * the step), so `sites` returns null.
 */
import type { Cell, ModelSpec, StepCache, WeightSite } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { checkLen } from './cell-util.js';
import { denseByRows, type LayerCell } from './cell-torch.js';
import { seedJet } from './jet.js';
import { InputError } from '../errors.js';

/** Step cache of a stack: one cache per layer. */
export interface StackedCache extends StepCache {
  readonly layers: readonly StepCache[];
}

/** Layers combined into one cell (see the file comment). */
export class StackedCell implements Cell {
  readonly spec: ModelSpec;
  readonly N: number;
  readonly D: number;
  readonly P: number;
  readonly layers: readonly LayerCell[];
  /** Offset of each layer's state in the stacked state. */
  readonly stateOffsets: readonly number[];
  /** The largest of the layers' boxes when every layer has one (see `Cell.fixedPointBox`). */
  readonly fixedPointBox: number | undefined;

  /** `layers[l].D` must equal `layers[l−1].outSize`; every layer's P must be the whole θ length. */
  constructor(spec: ModelSpec, layers: readonly LayerCell[]) {
    if (layers.length === 0) throw new InputError('a stack needs at least one layer');
    for (let l = 1; l < layers.length; l++) {
      if (layers[l]!.D !== layers[l - 1]!.outSize) {
        throw new InputError(`layer ${l} takes ${layers[l]!.D} inputs but layer ${l - 1} has ${layers[l - 1]!.outSize} outputs`);
      }
    }
    this.spec = spec;
    this.layers = layers;
    this.D = layers[0]!.D;
    this.P = layers[0]!.P;
    const offs: number[] = [];
    let n = 0;
    for (const L of layers) {
      offs.push(n);
      n += L.N;
    }
    this.N = n;
    this.stateOffsets = offs;
    this.fixedPointBox = layers.every((L) => L.fixedPointBox !== undefined) ? Math.max(...layers.map((L) => L.fixedPointBox!)) : undefined;
    this.ebar = new Float64Array(n);
    this.sb = new Float64Array(n);
    this.xBars = layers.map((L, l) => (l > 0 ? new Float64Array(L.D) : null));
  }

  /** Scratch of `adjoint` (cotangent per layer, state cotangent, input cotangents of the layers above the first). */
  private readonly ebar: Float64Array;
  private readonly sb: Float64Array;
  private readonly xBars: (Float64Array | null)[];

  private part(v: Float64Array, l: number): Float64Array {
    const o = this.stateOffsets[l]!;
    return v.subarray(o, o + this.layers[l]!.N);
  }

  /** One step through all layers. Cost Σ_l of the layers' steps. */
  forward(theta: Float64Array, h: Float64Array, x: Float64Array, out?: Float64Array): StackedCache {
    checkLen(theta, this.P, 'cell parameters θ');
    checkLen(h, this.N, 'state h');
    checkLen(x, this.D, 'input x');
    const o = out ?? new Float64Array(this.N);
    checkLen(o, this.N, 'output buffer');
    const caches: StepCache[] = [];
    let input = x;
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      // the layer's out buffer is a view of o; its h a view of h (not aliased: o ≠ h required)
      const c = L.forward(theta, this.part(h, l), input, this.part(o, l));
      caches.push(c);
      input = c.out.subarray(0, L.outSize);
    }
    return { h, x, out: o, layers: caches };
  }

  /** Joint tangent bottom-up. `out` must not alias `ds`. */
  private tangent(theta: Float64Array, c: StackedCache, ds: Float64Array | null, dt: Float64Array | null, out: Float64Array): void {
    let dy: Float64Array | null = null;
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      const o = this.part(out, l);
      L.tangentFull(theta, c.layers[l]!, ds ? this.part(ds, l) : null, dy, dt, o);
      dy = o.subarray(0, L.outSize);
    }
  }

  /** Adjoint top-down: `sBar = (∂f/∂h)ᵀ e`, `grad += (∂f/∂θ)ᵀ e`. */
  private adjoint(theta: Float64Array, c: StackedCache, e: Float64Array, sBar: Float64Array | null, grad: Float64Array | null): void {
    const ebar = this.ebar;
    ebar.set(e);
    const sb = this.sb;
    sb.fill(0);
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const L = this.layers[l]!;
      const xBar = this.xBars[l]!; // zeroed by adjointFull
      L.adjointFull(theta, c.layers[l]!, this.part(ebar, l), sBar ? this.part(sb, l) : null, xBar, grad);
      if (xBar) {
        const below = this.part(ebar, l - 1);
        for (let k = 0; k < xBar.length; k++) below[k]! += xBar[k]!;
      }
    }
    if (sBar) sBar.set(sb);
  }

  /** `out = (∂f/∂h) dh + (∂f/∂θ) dθ` in one bottom-up pass (Cell.jvpStep). `out` must not alias `dh`. */
  jvpStep(theta: Float64Array, c: StepCache, dh: Float64Array | null, dtheta: Float64Array, out: Float64Array): void {
    this.tangent(theta, c as StackedCache, dh, dtheta, out);
  }

  /** `hBar = (∂f/∂h)ᵀ e`, `grad += (∂f/∂θ)ᵀ e` in one top-down pass (Cell.vjpStep). */
  vjpStep(theta: Float64Array, c: StepCache, e: Float64Array, hBar: Float64Array, grad: Float64Array): void {
    this.adjoint(theta, c as StackedCache, e, hBar, grad);
  }

  /** `out = (∂f/∂h) dh`. Cost one stacked step. `out` may alias `dh`. */
  jvpH(theta: Float64Array, c: StepCache, dh: Float64Array, out: Float64Array): void {
    const tmp = new Float64Array(this.N);
    this.tangent(theta, c as StackedCache, dh, null, tmp);
    out.set(tmp);
  }

  /** `out = (∂f/∂h)ᵀ e`. `out` may alias `e`. */
  vjpH(theta: Float64Array, c: StepCache, e: Float64Array, out: Float64Array): void {
    this.adjoint(theta, c as StackedCache, e, out, null);
  }

  /** `out = (∂f/∂θ) dθ`. */
  jvpTheta(theta: Float64Array, c: StepCache, dtheta: Float64Array, out: Float64Array): void {
    this.tangent(theta, c as StackedCache, null, dtheta, out);
  }

  /** `grad += (∂f/∂θ)ᵀ e`. */
  vjpTheta(theta: Float64Array, c: StepCache, e: Float64Array, grad: Float64Array): void {
    this.adjoint(theta, c as StackedCache, e, null, grad);
  }

  /** Dense `∂f/∂h` (N × N, block lower-triangular), by N VJPs. */
  jacobianH(theta: Float64Array, c: StepCache): Matrix {
    return denseByRows(this.N, this.N, (e, row) => this.adjoint(theta, c as StackedCache, e, row, null));
  }

  /** Dense `∂f/∂θ` (N × P), by N VJPs. */
  jacobianTheta(theta: Float64Array, c: StepCache): Matrix {
    return denseByRows(this.N, this.P, (e, row) => this.adjoint(theta, c as StackedCache, e, null, row));
  }

  /** No Kronecker weight sites (see the file comment). */
  sites(): WeightSite[] | null {
    return null;
  }

  /** Jet of the stacked step: each layer's output jet is the next layer's input jet. */
  private jet(theta: Float64Array, c: StepCache, hdirs: (Float64Array | null)[], tdirs: (Float64Array | null)[]): Float64Array {
    const N = this.N;
    const sJ = seedJet(c.h, hdirs, N);
    const out = new Float64Array(8 * N);
    let xJ = new Float64Array(8 * this.D);
    xJ.set(c.x, 0);
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l]!;
      const off = this.stateOffsets[l]!;
      const n = L.N;
      const lJ = new Float64Array(8 * n);
      for (let S = 0; S < 8; S++) lJ.set(sJ.subarray(S * N + off, S * N + off + n), S * n);
      const fJ = L.jetFull(theta, lJ, xJ, tdirs);
      const next = new Float64Array(8 * L.outSize);
      for (let S = 0; S < 8; S++) {
        out.set(fJ.subarray(S * n, (S + 1) * n), S * N + off);
        next.set(fJ.subarray(S * n, S * n + L.outSize), S * L.outSize);
      }
      xJ = next;
    }
    return out;
  }

  /** `out = f_hh[r, s]` (exact, hyper-dual). */
  hessianH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, out: Float64Array): void {
    out.set(this.jet(theta, c, [r, s, null], [null, null, null]).subarray(3 * this.N, 4 * this.N));
  }

  /** `out = f_hhh[r, s, t]` (exact, hyper-dual). */
  thirdH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, t: Float64Array, out: Float64Array): void {
    out.set(this.jet(theta, c, [r, s, t], [null, null, null]).subarray(7 * this.N, 8 * this.N));
  }

  /** `out = f_hθ[r, dθ]` (exact, hyper-dual). */
  hessianHTheta(theta: Float64Array, c: StepCache, r: Float64Array, dtheta: Float64Array, out: Float64Array): void {
    out.set(this.jet(theta, c, [r, null, null], [null, dtheta, null]).subarray(3 * this.N, 4 * this.N));
  }
}

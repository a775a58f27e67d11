/**
 * One layer of PyTorch's `nn.RNN`, `nn.GRU` or `nn.LSTM`, exactly as PyTorch defines it, with
 * PyTorch's own parameters (docs/theory.md §2; docs/interop.md "Parameter convention"):
 *
 *   gi = W_ih x + b_ih,  gh = W_hh h + b_hh          (G·H each; G = 1, 3, 4 gates)
 *   RNN   h' = φ(gi + gh)                                         (φ = tanh or relu)
 *   GRU   r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r ⊙ gh_n),
 *         h' = (1 − z) ⊙ n + z ⊙ h                                 (gates stacked r, z, n)
 *   LSTM  i, f, o = σ(gi_• + gh_•), g = tanh(gi_g + gh_g),
 *         c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')                   (gates stacked i, f, g, o)
 *
 * The state is `h` (H entries) for RNN and GRU, and `[h; c]` (2H entries, h first) for LSTM.
 * θ of the layer is `weight_ih` (GH × Din), `weight_hh` (GH × H), then, with biases, `bias_ih`,
 * `bias_hh` (GH each), row-major, at `thetaOffset` of the (possibly larger) parameter vector:
 * the concatenation of `module.parameters()` in PyTorch's order. Both bias vectors are kept, so
 * the sNTK is the one PyTorch autograd gives over all of the module's parameters.
 *
 * First derivatives: every state row s of unit j depends on the pre-activations only through
 * `gi[g·H + j]`, `gh[g·H + j]` (coefficients `ki[s·G + g]`, `kh[s·G + g]`) and directly on one
 * previous state entry (`direct[s]`, GRU `z` on h_j, LSTM `f` on c_j), so JVPs and VJPs cost two
 * matrix-vector products each. Second and third derivatives use exact hyper-dual jets (jet.ts).
 * Weight sites (types.ts) do not apply (the LSTM's gate weights act on both h and c rows), so
 * `sites` returns null and the sNTK takes the sensitivity / sweep routes.
 */
import type { Activation, Cell, ModelSpec, StepCache, WeightSite } from './types.js';
import type { Matrix } from '../linalg/matrix.js';
import { zeros } from '../linalg/matrix.js';
import { sigmoidActivation, tanhActivation } from './activations.js';
import { checkLen, Slab } from './cell-util.js';
import { applyJet, linJet, mulJet, seedJet } from './jet.js';
import { gerAdd, mtvAdd, mv } from './kernels.js';

/** The three PyTorch layer kinds. */
export type TorchLayerKind = 'rnn' | 'gru' | 'lstm';

/** Number of gates G of a layer kind. */
export function gateCount(kind: TorchLayerKind): number {
  return kind === 'rnn' ? 1 : kind === 'gru' ? 3 : 4;
}

/** State entries per unit of a layer kind (2 for LSTM's h and c). */
export function stateFactor(kind: TorchLayerKind): number {
  return kind === 'lstm' ? 2 : 1;
}

/** Step cache of a torch layer: input/state, local coefficients and the forward intermediates. */
export interface TorchLayerCache extends StepCache {
  /** `∂out_s/∂gi[g·H + unit(s)]`, `S × G`. */
  readonly ki: Float64Array;
  /** `∂out_s/∂gh[g·H + unit(s)]`, `S × G`. */
  readonly kh: Float64Array;
  /** `∂out_s/∂state[directFrom(s)]` (GRU: z on h_j; LSTM: on c_j). */
  readonly direct: Float64Array;
}

/**
 * A cell that can sit inside a stack of layers (cell-stacked.ts): besides the Cell methods it
 * differentiates with respect to its input `x` and evaluates hyper-dual jets in `(state, x, θ)`.
 * θ arguments are the whole parameter vector; the layer reads and writes its own block.
 */
export interface LayerCell extends Cell {
  /** Entries of the state that are the layer's output `y` (the first `outSize`). */
  readonly outSize: number;
  /** `out = ∂f/∂s ds + ∂f/∂x dx + ∂f/∂θ dθ` (null = 0). `out` may alias `ds`. Cost O(G·H·(H + Din)). */
  tangentFull(theta: Float64Array, c: StepCache, ds: Float64Array | null, dx: Float64Array | null, dtheta: Float64Array | null, out: Float64Array): void;
  /** `sBar = (∂f/∂s)ᵀ e`, `xBar = (∂f/∂x)ᵀ e` (overwritten, when given), `grad += (∂f/∂θ)ᵀ e` (when given). */
  adjointFull(theta: Float64Array, c: StepCache, e: Float64Array, sBar: Float64Array | null, xBar: Float64Array | null, grad: Float64Array | null): void;
  /** The jet of `f(s, x; θ + Σ εᵢ tdirs[i])` for state and input jets (8·N and 8·D entries). */
  jetFull(theta: Float64Array, sJ: Float64Array, xJ: Float64Array, tdirs: readonly (Float64Array | null)[]): Float64Array;
}

/** A torch layer's sizes and the offsets of `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh` in θ. */
export interface LayerSweepInfo {
  readonly kind: TorchLayerKind;
  readonly H: number;
  readonly G: number;
  readonly D: number;
  /** State size (H, LSTM 2H). */
  readonly N: number;
  readonly oIh: number;
  readonly oHh: number;
  readonly oBi: number;
  readonly oBh: number;
  readonly bias: boolean;
}

/** Options of a torch layer. */
export interface TorchLayerOptions {
  kind: TorchLayerKind;
  /** Hidden size H. */
  hidden: number;
  /** Input size Din. */
  input: number;
  /** Whether the layer has `bias_ih`, `bias_hh`. */
  bias: boolean;
  /** φ of an RNN layer (tanh or relu); GRU/LSTM use tanh. */
  activation: Activation;
  /** Offset of this layer's block in the parameter vector. */
  thetaOffset: number;
  /** The model spec reported by `spec` (the layer's own when standalone). */
  spec: ModelSpec;
  /** Parameter count P reported by the cell (the whole vector's when inside a stack). */
  P?: number;
}

/** Parameter count of one torch layer. Cost O(1). */
export function torchLayerSize(kind: TorchLayerKind, hidden: number, input: number, bias: boolean): number {
  const GH = gateCount(kind) * hidden;
  return GH * input + GH * hidden + (bias ? 2 * GH : 0);
}

/** One PyTorch RNN/GRU/LSTM layer (see the file comment). */
export class TorchLayerCell implements LayerCell {
  readonly spec: ModelSpec;
  readonly N: number;
  readonly D: number;
  readonly P: number;
  readonly outSize: number;
  /**
   * 1 for a GRU layer (`h' = (1 − z) n + z h`, `n = tanh(…)`) and a tanh RNN layer (`h' = tanh(…)`):
   * fixed points and cycles have `|h_i| < 1`; none for an LSTM (its cell state is unbounded) or a
   * ReLU RNN (see `Cell.fixedPointBox`).
   */
  readonly fixedPointBox: number | undefined;
  readonly kind: TorchLayerKind;
  private readonly H: number;
  private readonly G: number;
  private readonly act: Activation;
  /** Where forward's cache vectors come from. */
  private readonly slab = new Slab();
  private readonly oIh: number;
  private readonly oHh: number;
  private readonly oBi: number;
  private readonly oBh: number;
  private readonly bias: boolean;
  private readonly dgi: Float64Array;
  private readonly dgh: Float64Array;
  private readonly res: Float64Array;

  constructor(o: TorchLayerOptions) {
    this.kind = o.kind;
    this.spec = o.spec;
    const H = (this.H = o.hidden);
    const G = (this.G = gateCount(o.kind));
    this.N = stateFactor(o.kind) * H;
    this.D = o.input;
    this.outSize = H;
    this.bias = o.bias;
    this.act = o.kind === 'rnn' ? o.activation : tanhActivation;
    this.fixedPointBox = o.kind === 'gru' || (o.kind === 'rnn' && this.act.name === 'tanh') ? 1 : undefined;
    const GH = G * H;
    this.oIh = o.thetaOffset;
    this.oHh = this.oIh + GH * o.input;
    this.oBi = this.oHh + GH * H;
    this.oBh = this.oBi + GH;
    this.P = o.P ?? torchLayerSize(o.kind, H, o.input, o.bias);
    this.dgi = new Float64Array(GH);
    this.dgh = new Float64Array(GH);
    this.res = new Float64Array(this.N);
  }

  /** Sizes and parameter offsets of the layer, for the whole-trajectory sweeps (layer-sweep.ts). O(1). */
  sweepInfo(): LayerSweepInfo {
    return { kind: this.kind, H: this.H, G: this.G, D: this.D, N: this.N, oIh: this.oIh, oHh: this.oHh, oBi: this.oBi, oBh: this.oBh, bias: this.bias };
  }

  /** The previous-state index that row s depends on directly (GRU: h_j; LSTM: c_j), or −1. */
  private directFrom(s: number): number {
    if (this.kind === 'gru') return s;
    if (this.kind === 'lstm') return this.H + (s % this.H);
    return -1;
  }

  /** One step. Cost O(G·H·(H + Din)). */
  forward(theta: Float64Array, h: Float64Array, x: Float64Array, out?: Float64Array): TorchLayerCache {
    const { N, D, H, G, kind, act } = this;
    checkLen(h, N, 'state h');
    checkLen(x, D, 'input x');
    checkLen(theta, this.P, 'cell parameters θ');
    const o = out ?? new Float64Array(N);
    checkLen(o, N, 'output buffer');
    const GH = G * H;
    const sl = this.slab;
    const gi = sl.take(GH), gh = sl.take(GH);
    mv(theta, this.oIh, GH, D, x, gi, false);
    mv(theta, this.oHh, GH, H, h, gh, false);
    if (this.bias) {
      for (let k = 0; k < GH; k++) {
        gi[k]! += theta[this.oBi + k]!;
        gh[k]! += theta[this.oBh + k]!;
      }
    }
    const ki = sl.take(N * G), kh = sl.take(N * G), direct = sl.take(N);
    if (kind === 'rnn') {
      for (let j = 0; j < H; j++) {
        const a = gi[j]! + gh[j]!;
        const y = (o[j] = act.phi(a));
        ki[j] = kh[j] = act.name === 'tanh' ? 1 - y * y : act.d1(a); // tanh: φ′ = 1 − φ², without a second tanh
      }
    } else if (kind === 'gru') {
      for (let j = 0; j < H; j++) {
        const ar = gi[j]! + gh[j]!, az = gi[H + j]! + gh[H + j]!;
        const r = sigmoidActivation.phi(ar), z = sigmoidActivation.phi(az);
        const an = gi[2 * H + j]! + r * gh[2 * H + j]!;
        const n = Math.tanh(an);
        const dn = 1 - n * n;
        o[j] = (1 - z) * n + z * h[j]!;
        const kr = (1 - z) * dn * gh[2 * H + j]! * r * (1 - r);
        const kz = z * (1 - z) * (h[j]! - n);
        const kn = (1 - z) * dn;
        const b = j * 3;
        ki[b] = kh[b] = kr;
        ki[b + 1] = kh[b + 1] = kz;
        ki[b + 2] = kn;
        kh[b + 2] = kn * r;
        direct[j] = z;
      }
    } else {
      for (let j = 0; j < H; j++) {
        const ai = gi[j]! + gh[j]!, af = gi[H + j]! + gh[H + j]!, ag = gi[2 * H + j]! + gh[2 * H + j]!, ao = gi[3 * H + j]! + gh[3 * H + j]!;
        const ig = sigmoidActivation.phi(ai), fg = sigmoidActivation.phi(af), gg = Math.tanh(ag), og = sigmoidActivation.phi(ao);
        const cPrev = h[H + j]!;
        const c = fg * cPrev + ig * gg;
        const tc = Math.tanh(c);
        const dtc = 1 - tc * tc;
        o[j] = og * tc;
        o[H + j] = c;
        // c-row coefficients, then h-row = o·tanh′(c')·(c-row) plus the o gate
        const ci = ig * (1 - ig) * gg, cf = fg * (1 - fg) * cPrev, cg = ig * (1 - gg * gg);
        const q = og * dtc;
        const hb = j * 4, cb = (H + j) * 4;
        ki[cb] = kh[cb] = ci;
        ki[cb + 1] = kh[cb + 1] = cf;
        ki[cb + 2] = kh[cb + 2] = cg;
        ki[hb] = kh[hb] = q * ci;
        ki[hb + 1] = kh[hb + 1] = q * cf;
        ki[hb + 2] = kh[hb + 2] = q * cg;
        ki[hb + 3] = kh[hb + 3] = og * (1 - og) * tc;
        direct[H + j] = fg;
        direct[j] = q * fg;
      }
    }
    return { h, x, out: o, ki, kh, direct } as TorchLayerCache;
  }

  /** `out = ∂f/∂s ds + ∂f/∂x dx + ∂f/∂θ dθ`. Cost O(G·H·(H + Din)). `out` may alias `ds`. */
  tangentFull(theta: Float64Array, c: StepCache, ds: Float64Array | null, dx: Float64Array | null, dt: Float64Array | null, out: Float64Array): void {
    const { N, D, H, G } = this;
    const tc = c as TorchLayerCache;
    const GH = G * H;
    const dgi = this.dgi, dgh = this.dgh;
    if (dx) mv(theta, this.oIh, GH, D, dx, dgi, false);
    else dgi.fill(0);
    if (ds) mv(theta, this.oHh, GH, H, ds, dgh, false);
    else dgh.fill(0);
    if (dt) {
      mv(dt, this.oIh, GH, D, c.x, dgi, true);
      mv(dt, this.oHh, GH, H, c.h, dgh, true);
      if (this.bias) {
        for (let k = 0; k < GH; k++) {
          dgi[k]! += dt[this.oBi + k]!;
          dgh[k]! += dt[this.oBh + k]!;
        }
      }
    }
    const res = this.res;
    for (let s = 0; s < N; s++) {
      const j = s % H;
      let v = 0;
      for (let g = 0; g < G; g++) v += tc.ki[s * G + g]! * dgi[g * H + j]! + tc.kh[s * G + g]! * dgh[g * H + j]!;
      const from = this.directFrom(s);
      if (ds && from >= 0) v += tc.direct[s]! * ds[from]!;
      res[s] = v;
    }
    out.set(res);
  }

  /** The adjoint of `tangentFull`. Cost O(G·H·(H + Din)). */
  adjointFull(theta: Float64Array, c: StepCache, e: Float64Array, sBar: Float64Array | null, xBar: Float64Array | null, grad: Float64Array | null): void {
    const { N, D, H, G } = this;
    const tc = c as TorchLayerCache;
    const GH = G * H;
    const gi = this.dgi, gh = this.dgh;
    gi.fill(0);
    gh.fill(0);
    const res = this.res;
    res.fill(0);
    for (let s = 0; s < N; s++) {
      const es = e[s]!;
      const j = s % H;
      for (let g = 0; g < G; g++) {
        gi[g * H + j]! += tc.ki[s * G + g]! * es;
        gh[g * H + j]! += tc.kh[s * G + g]! * es;
      }
      const from = this.directFrom(s);
      if (from >= 0) res[from]! += tc.direct[s]! * es;
    }
    if (sBar) {
      mtvAdd(theta, this.oHh, GH, H, gh, res);
      sBar.set(res);
    }
    if (xBar) {
      xBar.fill(0);
      mtvAdd(theta, this.oIh, GH, D, gi, xBar);
    }
    if (grad) {
      gerAdd(grad, this.oIh, GH, D, gi, c.x);
      gerAdd(grad, this.oHh, GH, H, gh, c.h.subarray(0, H));
      if (this.bias) {
        for (let k = 0; k < GH; k++) {
          grad[this.oBi + k]! += gi[k]!;
          grad[this.oBh + k]! += gh[k]!;
        }
      }
    }
  }

  /** `out = (∂f/∂h) dh + (∂f/∂θ) dθ` in one tangent pass (Cell.jvpStep). */
  jvpStep(theta: Float64Array, c: StepCache, dh: Float64Array | null, dtheta: Float64Array, out: Float64Array): void {
    this.tangentFull(theta, c, dh, null, dtheta, out);
  }

  /** `hBar = (∂f/∂h)ᵀ e`, `grad += (∂f/∂θ)ᵀ e` in one adjoint pass (Cell.vjpStep). */
  vjpStep(theta: Float64Array, c: StepCache, e: Float64Array, hBar: Float64Array, grad: Float64Array): void {
    this.adjointFull(theta, c, e, hBar, null, grad);
  }

  /** `out = (∂f/∂h) dh`. `out` may alias `dh`. */
  jvpH(theta: Float64Array, c: StepCache, dh: Float64Array, out: Float64Array): void {
    this.tangentFull(theta, c, dh, null, null, out);
  }

  /** `out = (∂f/∂h)ᵀ e`. `out` may alias `e`. */
  vjpH(theta: Float64Array, c: StepCache, e: Float64Array, out: Float64Array): void {
    this.adjointFull(theta, c, e, out, null, null);
  }

  /** `out = (∂f/∂θ) dθ`. */
  jvpTheta(theta: Float64Array, c: StepCache, dtheta: Float64Array, out: Float64Array): void {
    this.tangentFull(theta, c, null, null, dtheta, out);
  }

  /** `grad += (∂f/∂θ)ᵀ e`. */
  vjpTheta(theta: Float64Array, c: StepCache, e: Float64Array, grad: Float64Array): void {
    this.adjointFull(theta, c, e, null, null, grad);
  }

  /** Dense `∂f/∂h` (N × N), by N VJPs on unit rows. Cost O(N·G·H²). */
  jacobianH(theta: Float64Array, c: StepCache): Matrix {
    return denseByRows(this.N, this.N, (e, row) => this.adjointFull(theta, c, e, row, null, null));
  }

  /** Dense `∂f/∂θ` (N × P), by N VJPs on unit rows. Cost O(N·P). */
  jacobianTheta(theta: Float64Array, c: StepCache): Matrix {
    return denseByRows(this.N, this.P, (e, row) => this.adjointFull(theta, c, e, null, null, row));
  }

  /** No Kronecker weight sites for this cell (see the file comment). */
  sites(): WeightSite[] | null {
    return null;
  }

  /** The layer on hyper-dual numbers. Cost ≈ 8 forward steps. */
  jetFull(theta: Float64Array, sJ: Float64Array, xJ: Float64Array, tdirs: readonly (Float64Array | null)[]): Float64Array {
    const { N, D, H, G, kind, act } = this;
    const GH = G * H;
    // h part of the state jet (the first H entries of each component)
    const hJ = new Float64Array(8 * H);
    for (let S = 0; S < 8; S++) hJ.set(sJ.subarray(S * N, S * N + H), S * H);
    const oneJ = new Float64Array(8);
    oneJ[0] = 1;
    const giJ = new Float64Array(8 * GH), ghJ = new Float64Array(8 * GH);
    linJet(theta, tdirs, this.oIh, GH, D, xJ, giJ);
    linJet(theta, tdirs, this.oHh, GH, H, hJ, ghJ);
    if (this.bias) {
      linJet(theta, tdirs, this.oBi, GH, 1, oneJ, giJ);
      linJet(theta, tdirs, this.oBh, GH, 1, oneJ, ghJ);
    }
    const gate = (J: Float64Array, g: number): Float64Array => {
      const v = new Float64Array(8 * H);
      for (let S = 0; S < 8; S++) v.set(J.subarray(S * GH + g * H, S * GH + (g + 1) * H), S * H);
      return v;
    };
    const add = (a: Float64Array, b: Float64Array): Float64Array => {
      const v = new Float64Array(a.length);
      for (let k = 0; k < a.length; k++) v[k] = a[k]! + b[k]!;
      return v;
    };
    const apply = (fn: Parameters<typeof applyJet>[0], a: Float64Array): Float64Array => {
      const v = new Float64Array(8 * H);
      applyJet(fn, a, H, v);
      return v;
    };
    const mul = (a: Float64Array, b: Float64Array): Float64Array => {
      const v = new Float64Array(8 * H);
      mulJet(a, b, H, v);
      return v;
    };
    const out = new Float64Array(8 * N);
    if (kind === 'rnn') {
      out.set(apply(act, add(giJ, ghJ)));
      return out;
    }
    if (kind === 'gru') {
      const r = apply(sigmoidActivation, add(gate(giJ, 0), gate(ghJ, 0)));
      const z = apply(sigmoidActivation, add(gate(giJ, 1), gate(ghJ, 1)));
      const n = apply(tanhActivation, add(gate(giJ, 2), mul(r, gate(ghJ, 2))));
      const hm = new Float64Array(8 * H);
      for (let k = 0; k < 8 * H; k++) hm[k] = hJ[k]! - n[k]!;
      const f = mul(z, hm);
      for (let k = 0; k < 8 * H; k++) out[k] = f[k]! + n[k]!;
      return out;
    }
    const cPrev = new Float64Array(8 * H);
    for (let S = 0; S < 8; S++) cPrev.set(sJ.subarray(S * N + H, S * N + 2 * H), S * H);
    const i = apply(sigmoidActivation, add(gate(giJ, 0), gate(ghJ, 0)));
    const f = apply(sigmoidActivation, add(gate(giJ, 1), gate(ghJ, 1)));
    const g = apply(tanhActivation, add(gate(giJ, 2), gate(ghJ, 2)));
    const o = apply(sigmoidActivation, add(gate(giJ, 3), gate(ghJ, 3)));
    const c = add(mul(f, cPrev), mul(i, g));
    const h = mul(o, apply(tanhActivation, c));
    for (let S = 0; S < 8; S++) {
      out.set(h.subarray(S * H, (S + 1) * H), S * N);
      out.set(c.subarray(S * H, (S + 1) * H), S * N + H);
    }
    return out;
  }

  private jetAt(theta: Float64Array, c: StepCache, hdirs: (Float64Array | null)[], tdirs: (Float64Array | null)[]): Float64Array {
    const xJ = new Float64Array(8 * this.D);
    xJ.set(c.x, 0);
    return this.jetFull(theta, seedJet(c.h, hdirs, this.N), xJ, tdirs);
  }

  /** `out = f_hh[r, s]` (exact, hyper-dual). */
  hessianH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, out: Float64Array): void {
    out.set(this.jetAt(theta, c, [r, s, null], [null, null, null]).subarray(3 * this.N, 4 * this.N));
  }

  /** `out = f_hhh[r, s, t]` (exact, hyper-dual). */
  thirdH(theta: Float64Array, c: StepCache, r: Float64Array, s: Float64Array, t: Float64Array, out: Float64Array): void {
    out.set(this.jetAt(theta, c, [r, s, t], [null, null, null]).subarray(7 * this.N, 8 * this.N));
  }

  /** `out = f_hθ[r, dθ]` (exact, hyper-dual). */
  hessianHTheta(theta: Float64Array, c: StepCache, r: Float64Array, dtheta: Float64Array, out: Float64Array): void {
    out.set(this.jetAt(theta, c, [r, null, null], [null, dtheta, null]).subarray(3 * this.N, 4 * this.N));
  }
}

/** A dense `rows × cols` matrix whose row i is `adjoint(e_i)` (written into the row view). Cost rows × adjoint. */
export function denseByRows(rows: number, cols: number, adjoint: (e: Float64Array, row: Float64Array) => void): Matrix {
  const M = zeros(rows, cols);
  const e = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    e.fill(0);
    e[i] = 1;
    adjoint(e, M.data.subarray(i * cols, (i + 1) * cols));
  }
  return M;
}

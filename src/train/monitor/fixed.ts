/**
 * The monitor's dynamics at zero input: the fixed points of the map `h ↦ f(h, 0; θ)`, the one
 * nearest criticality (smallest |σ|, σ = 1 − |λ_c|), its critical eigenvalue with right/left
 * eigenvectors (`lᵀr = 1`), and two parameter directions to compare with the sNTK's top direction:
 * - `B*ᵀl` with `B* = ∂f/∂θ` at that fixed point (the gradient of the normal form's unfolding
 *   parameter, docs/theory.md §8), by one `vjpTheta`;
 * - the eigenvalue-moving direction: for a real λ_c, `vec(D* l rᵀ)` in the W block (vanilla cells
 *   only; zero elsewhere): `∂λ_c/∂W` holding `D* = diag φ′(a*)` and `h*` fixed — exact when `h* = 0`
 *   and φ″(0) = 0 (tanh at b = 0), the leading term otherwise; for a complex pair (any cell), the
 *   real and imaginary parts of the total derivative dλ_c/dθ with the fixed point moving
 *   (channels/eigen-gradient.ts): the rank-two channel subspace of Hopf / Neimark–Sacker.
 * Complex critical eigenvalues give two real vectors (real and imaginary parts); alignments are
 * then taken with their span.
 */
import type { Model } from '../../models/types.js';
import { getActivation } from '../../models/index.js';
import type { Complex, CVec, FixedPoint, FixedPointOptions } from '../../dynamics/index.js';
import { eigenPair, findFixedPoints, modelSystem } from '../../dynamics/index.js';
import { SntkError } from '../../errors.js';
import { identity, solve } from '../../linalg/index.js';
import { eigenvalueGradient } from '../../channels/eigen-gradient.js';

/** What `zeroInputAnalysis` returns: the fixed points and the directions of the one nearest criticality. */
export interface ZeroInputAnalysis extends CriticalDirections {
  points: FixedPoint[];
  /** Index into `points` of the fixed point nearest criticality, or null when none was found. */
  nearest: number | null;
  critical: Complex | null;
  sigma: number | null;
  /** Euclidean norm of the fixed point nearest criticality, or null. */
  hStarNorm: number | null;
}

function blockOffset(model: Model, name: string): number | null {
  return model.layout.blocks.find((b) => b.name === name)?.offset ?? null;
}

function masked(v: Float64Array, mask: Uint8Array | undefined): Float64Array {
  if (mask) for (let i = 0; i < v.length; i++) if (!mask[i]) v[i] = 0;
  return v;
}

/**
 * Fixed points at zero input and the critical directions (see the module comment), on the cell's
 * full state (N = `model.cell.N`: `[h; c]` per LSTM layer, all layers of a stacked cell). `samples`
 * (flat states, multiple of N) seed the fixed-point search. Cost: the fixed-point search
 * (≈ starts × Newton × O(N³)) plus O(N³ + P) for the eigenvectors and directions.
 *
 * @param model - the student network.
 * @param opts - trainable mask (length `P`), states to seed the search (`k·N` values), seed.
 * @returns the fixed points at zero input, the one nearest criticality with `λ_c`, `σ`, `r`, `l`,
 *   and the directions `B*ᵀl`, its bias part `D* l` and `vec(D* l rᵀ)` (length `P`; docs/theory.md §8, §11).
 */
export function zeroInputAnalysis(model: Model, opts: { mask?: Uint8Array; samples?: Float64Array; seed?: number; fixedPoints?: FixedPointOptions } = {}): ZeroInputAnalysis {
  const sys = modelSystem(model);
  const fp = findFixedPoints(sys, { seed: opts.seed ?? 0, ...(opts.samples ? { samples: opts.samples } : {}), ...(opts.fixedPoints ?? {}) });
  const points = fp.points;
  const empty: ZeroInputAnalysis = { points, nearest: null, critical: null, sigma: null, right: null, left: null, bStarL: [], bStarLBias: [], hStarNorm: null, eigenMove: [] };
  if (points.length === 0) return empty;
  let nearest = 0;
  for (let i = 1; i < points.length; i++) if (Math.abs(points[i]!.sigma) < Math.abs(points[nearest]!.sigma)) nearest = i;
  const p = points[nearest]!;
  const d = criticalDirections(model, p.h, p.critical, opts.mask);
  return { ...empty, nearest, critical: p.critical, sigma: p.sigma, hStarNorm: Math.sqrt(p.h.reduce((a, x) => a + x * x, 0)), ...d };
}

/** The critical eigenvectors and parameter directions of one fixed point (`criticalDirections`). */
export interface CriticalDirections {
  right: CVec | null;
  left: CVec | null;
  /** `B*ᵀl` over the flat parameters (1 vector for a real λ_c, 2 for a complex one), masked. */
  bStarL: Float64Array[];
  /**
   * The bias-block part of `B*ᵀl` (the other blocks zeroed; `D* l` for a vanilla cell; every bias
   * block of a GRU or PyTorch cell, all layers), masked; empty when the cell has no bias. Equal to `B*ᵀl` when `h* = 0` and the input is 0; the
   * W block of `B*ᵀl` is `(D* l) h*ᵀ`, so the two differ by the fixed point's displacement.
   */
  bStarLBias: Float64Array[];
  /** Real λ_c: `vec(D* l rᵀ)` in the W block (vanilla), masked, empty for other cells; complex: Re and Im of dλ_c/dθ, masked. */
  eigenMove: Float64Array[];
}

/**
 * The critical eigenvectors of the fixed point `h` (state length `model.cell.N`, zero input) for
 * its critical eigenvalue `critical`, and the parameter directions of the module comment, masked
 * by `mask` (length `P`). Empty directions when the eigenvalue is defective. Used at the fixed
 * point nearest criticality and at a located bifurcation point. Cost O(N³ + P) (complex pair: one
 * N × N solve against `∂f/∂θ`, O(N²·P)).
 */
export function criticalDirections(model: Model, h: Float64Array, critical: Complex, mask?: Uint8Array): CriticalDirections {
  const out: CriticalDirections = { right: null, left: null, bStarL: [], bStarLBias: [], eigenMove: [] };
  const theta = model.params.subarray(0, model.layout.cellSize);
  const x = new Float64Array(model.spec.inputSize);
  const cache = model.cell.forward(theta, h.slice(), x);
  const J = model.cell.jacobianH(theta, cache);
  let pair;
  try {
    pair = eigenPair(J, critical);
  } catch (e) {
    if (e instanceof SntkError) return out; // defective eigenvalue: no directions
    throw e;
  }
  out.right = pair.right;
  out.left = pair.left;
  const complex = critical.im !== 0;
  const parts: [Float64Array, Float64Array][] = complex ? [[pair.left.re, pair.right.re], [pair.left.im, pair.right.im]] : [[pair.left.re, pair.right.re]];
  const size = model.layout.size;
  for (const [l] of parts) {
    const g = new Float64Array(size);
    model.cell.vjpTheta(theta, cache, l, g.subarray(0, model.layout.cellSize));
    out.bStarL.push(masked(g, mask));
  }
  const wOff = blockOffset(model, 'W');
  const bOff = blockOffset(model, 'b');
  // the cell's bias blocks: `b` (vanilla, leaky, rate), `br`/`bz`/`bn` (gru), `bias_ih_l*`/`bias_hh_l*` (PyTorch cells)
  const biasBlocks = model.layout.blocks.filter((b) => b.offset < model.layout.cellSize && /^(b|b[rzn]|bias_(ih|hh)_l\d+)$/.test(b.name));
  if (biasBlocks.length > 0) {
    for (const g of out.bStarL) {
      const v = new Float64Array(size);
      for (const blk of biasBlocks) for (let i = blk.offset; i < blk.offset + blk.rows * blk.cols; i++) v[i] = g[i]!;
      out.bStarLBias.push(v);
    }
  }
  if (model.spec.cell === 'vanilla' && wOff !== null) {
    const N = model.spec.hiddenSize;
    const act = getActivation(model.spec.activation);
    const W = model.params.subarray(wOff, wOff + N * N);
    const d = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let a = bOff !== null ? model.params[bOff + i]! : 0;
      for (let j = 0; j < N; j++) a += W[i * N + j]! * h[j]!;
      d[i] = act.d1(a);
    }
    // Complex: D l rᵀ = D(lr + i li)(rr + i ri)ᵀ → real part D(lr rrᵀ − li riᵀ), imaginary D(lr riᵀ + li rrᵀ).
    const lr = pair.left.re, li = pair.left.im, rr = pair.right.re, ri = pair.right.im;
    const mk = (f: (i: number, j: number) => number): Float64Array => {
      const v = new Float64Array(size);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) v[wOff + i * N + j] = d[i]! * f(i, j);
      return masked(v, mask);
    };
    if (!complex) out.eigenMove.push(mk((i, j) => lr[i]! * rr[j]!));
  }
  if (complex) {
    // the complex channel: span{Re, Im} of the total derivative dλ/dθ (the fixed point moving), any cell
    const N = model.cell.N; // the full state (LSTM [h; c], every layer of a stacked cell)
    const A = identity(N);
    for (let k = 0; k < N * N; k++) A.data[k]! -= J.data[k]!;
    try {
      const S = solve(A, model.cell.jacobianTheta(theta, cache));
      const g = eigenvalueGradient(model, h, x, pair, S);
      for (const part of [g.re, g.im]) {
        const v = new Float64Array(size);
        v.set(part, 0);
        out.eigenMove.push(masked(v, mask));
      }
    } catch (e) {
      if (!(e instanceof SntkError)) throw e; // I − J* singular: no channel subspace at this step
    }
  }
  return out;
}

/**
 * |cos| of the angle between `u` and the span of `vecs` (the norm of the projection of `u/‖u‖`
 * onto that span, Gram–Schmidt). 0 when either is zero. Cost O(k²·P).
 */
export function spanAlignment(u: Float64Array, vecs: readonly Float64Array[]): number | null {
  const nu = Math.sqrt(u.reduce((s, x) => s + x * x, 0));
  if (!(nu > 0) || vecs.length === 0) return null;
  const basis: Float64Array[] = [];
  for (const v0 of vecs) {
    const v = v0.slice();
    for (const q of basis) {
      let c = 0;
      for (let i = 0; i < v.length; i++) c += q[i]! * v[i]!;
      for (let i = 0; i < v.length; i++) v[i]! -= c * q[i]!;
    }
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const n0 = Math.sqrt(v0.reduce((s, x) => s + x * x, 0));
    if (n > 1e-12 * n0 && n > 0) basis.push(v.map((x) => x / n));
  }
  if (basis.length === 0) return null;
  let s = 0;
  for (const q of basis) {
    let c = 0;
    for (let i = 0; i < u.length; i++) c += q[i]! * u[i]!;
    s += c * c;
  }
  return Math.min(1, Math.sqrt(s) / nu);
}

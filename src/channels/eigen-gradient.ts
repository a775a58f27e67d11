/**
 * The total derivative of an eigenvalue of the fixed-point Jacobian with respect to the cell
 * parameters, the fixed point moving with them (docs/theory.md §8):
 *
 *   `dλ/dθ_p = lᵀ (d/dθ_p J*) r`,  `(d/dθ_p J*) r = f_hθ[r, e_p] + f_hh[r, S e_p]`,
 *
 * with `(λ, r, l)` the mode of `J* = ∂f/∂h` (`lᵀr = 1`, bilinear) and `S = dh* / dθ = (I − J*)⁻¹ B*`.
 * For a complex pair, span{Re dλ/dθ, Im dλ/dθ} is the rank-two parameter subspace of the
 * oscillatory channel: the directions that move the pair's growth rate and frequency.
 */
import type { Model } from '../models/types.js';
import type { Matrix } from '../linalg/matrix.js';
import type { EigenPair } from '../dynamics/index.js';
import { ShapeError } from '../errors.js';

/** `dλ/dθ` as real and imaginary parts, each of length P (cell parameters). */
export interface EigenvalueGradient {
  re: Float64Array;
  im: Float64Array;
}

/**
 * `dλ/dθ` of the map Jacobian's eigenvalue `mode.lambda` at the fixed point `hStar` (input `xbar`),
 * given the sensitivity `S = dh* / dθ` (`N × P`). Flow eigenvalues `μ = (λ − 1)/α` have gradient
 * `dλ/dθ / α`. Cost: 2P mixed and 2P second-derivative products of the cell, O(P·(N² + ND)).
 */
export function eigenvalueGradient(model: Model, hStar: Float64Array, xbar: Float64Array, mode: EigenPair, S: Matrix): EigenvalueGradient {
  const N = model.cell.N;
  const P = model.layout.cellSize;
  if (S.rows !== N || S.cols !== P) throw new ShapeError(`sensitivity is ${S.rows}×${S.cols}, expected ${N}×${P}`);
  const theta = model.params.subarray(0, P);
  const cache = model.cell.forward(theta, hStar, xbar);
  const complex = mode.lambda.im !== 0;
  const rRe = mode.right.re, rIm = mode.right.im, lRe = mode.left.re, lIm = mode.left.im;
  const re = new Float64Array(P), im = new Float64Array(P);
  const e = new Float64Array(P);
  const s = new Float64Array(N);
  const a = new Float64Array(N), b = new Float64Array(N), t = new Float64Array(N);
  for (let p = 0; p < P; p++) {
    e[p] = 1;
    for (let i = 0; i < N; i++) s[i] = S.data[i * P + p]!;
    // M r with M = dJ*/dθ_p, for r = rRe + i rIm
    model.cell.hessianHTheta(theta, cache, rRe, e, a);
    model.cell.hessianH(theta, cache, rRe, s, t);
    for (let i = 0; i < N; i++) a[i]! += t[i]!;
    if (complex) {
      model.cell.hessianHTheta(theta, cache, rIm, e, b);
      model.cell.hessianH(theta, cache, rIm, s, t);
      for (let i = 0; i < N; i++) b[i]! += t[i]!;
    }
    e[p] = 0;
    // lᵀ(M r) = (lRe + i lIm)ᵀ(a + i b)
    let xr = 0, xi = 0;
    for (let i = 0; i < N; i++) {
      xr += lRe[i]! * a[i]! - (complex ? lIm[i]! * b[i]! : 0);
      xi += complex ? lRe[i]! * b[i]! + lIm[i]! * a[i]! : 0;
    }
    re[p] = xr;
    im[p] = xi;
  }
  return { re, im };
}

/**
 * An orthonormal basis (columns, `n × k`, k ≤ vectors.length) of the span of `vectors` by modified
 * Gram–Schmidt, dropping vectors whose remainder is below `1e-12` of their norm. O(n·k²).
 */
export function orthonormalBasis(vectors: readonly Float64Array[]): Matrix {
  const n = vectors[0]?.length ?? 0;
  const kept: Float64Array[] = [];
  for (const v0 of vectors) {
    const v = v0.slice();
    let n0 = 0;
    for (const x of v) n0 += x * x;
    n0 = Math.sqrt(n0);
    if (!(n0 > 0)) continue;
    for (let pass = 0; pass < 2; pass++) {
      for (const q of kept) {
        let d = 0;
        for (let i = 0; i < n; i++) d += q[i]! * v[i]!;
        for (let i = 0; i < n; i++) v[i]! -= d * q[i]!;
      }
    }
    let nv = 0;
    for (const x of v) nv += x * x;
    nv = Math.sqrt(nv);
    if (!(nv > 1e-12 * n0)) continue;
    kept.push(v.map((x) => x / nv));
  }
  const k = kept.length;
  const data = new Float64Array(n * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) data[i * k + j] = kept[j]![i]!;
  return { rows: n, cols: k, data };
}

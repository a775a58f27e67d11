/** Hand-written test systems for the dynamics tests. */
import { elementwiseSystem } from '../../src/dynamics/index.js';
import { tanhActivation } from '../../src/models/index.js';
import type { ParamSystem, TimeKind } from '../../src/dynamics/index.js';
import type { Matrix } from '../../src/linalg/index.js';

/** `h ↦ tanh(s h)` (N = 1). */
export function scalarTanh(): ParamSystem {
  return elementwiseSystem({ N: 1, time: 'discrete', phi: tanhActivation, W: (s) => Float64Array.of(s), dW: () => Float64Array.of(1) });
}

/** `h ↦ tanh(2h + s)` (N = 1). */
export function tiltedTanh(): ParamSystem {
  return elementwiseSystem({
    N: 1,
    time: 'discrete',
    phi: tanhActivation,
    W: () => Float64Array.of(2),
    dW: () => Float64Array.of(0),
    b: (s) => Float64Array.of(s),
    db: () => Float64Array.of(1),
  });
}

/** `W = s R(ϑ)`: map `h ↦ tanh(W h)` or flow `ḣ = −h + tanh(W h)`. */
export function rotation(theta: number, time: TimeKind): ParamSystem {
  const c = Math.cos(theta), sn = Math.sin(theta);
  return elementwiseSystem({
    N: 2,
    time,
    phi: tanhActivation,
    W: (s) => Float64Array.of(s * c, -s * sn, s * sn, s * c),
    dW: () => Float64Array.of(c, -sn, sn, c),
  });
}

import { createRng } from '../../src/linalg/random.js';

/** A seeded random orthogonal N×N matrix (Gram–Schmidt of a Gaussian), row-major. */
export function randomOrthogonal(N: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const Q = new Float64Array(N * N); // columns q_k stored at Q[i*N + k]
  for (let k = 0; k < N; k++) {
    const v = new Float64Array(N);
    for (let i = 0; i < N; i++) v[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < k; j++) {
        let d = 0;
        for (let i = 0; i < N; i++) d += Q[i * N + j]! * v[i]!;
        for (let i = 0; i < N; i++) v[i]! -= d * Q[i * N + j]!;
      }
    }
    const n = Math.hypot(...v);
    for (let i = 0; i < N; i++) Q[i * N + k] = v[i]! / n;
  }
  return Q;
}

/** `Q diag(d) Qᵀ` (row-major). */
export function conjugateDiag(Q: Float64Array, d: ArrayLike<number>, N: number): Float64Array {
  const W = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++) s += Q[i * N + k]! * d[k]! * Q[j * N + k]!;
      W[i * N + j] = s;
    }
  return W;
}

/** The largest absolute value in a nested structure of numbers / typed arrays; NaN if any is not finite. */
export function allFinite(x: unknown): boolean {
  if (typeof x === 'number') return Number.isFinite(x);
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>).every(Number.isFinite);
  if (Array.isArray(x)) return x.every(allFinite);
  if (x && typeof x === 'object') return Object.values(x).every(allFinite);
  return true;
}

/** One monomial `coef · Π h[vars[k]]` of component `i` (vars of length 2 or 3). */
export interface Monomial {
  i: number;
  coef: number;
  vars: number[];
}

/**
 * `F(h, s) = (L + s·S) h + Σ monomials` (a map `f` or a flow `g`), with exact derivatives: the
 * polynomial part is differentiated symbolically by the product rule.
 */
export function polynomialSystem(N: number, time: TimeKind, L: number[], monomials: Monomial[], S: number[] = identityFlat(N)): ParamSystem {
  // derivative of a monomial's product w.r.t. variables in directions dirs (one per factor picked)
  const multi = (m: Monomial, h: Float64Array, dirs: Float64Array[]): number => {
    // Σ over injective assignments of dirs to factor positions: Π_{assigned} dir[var] Π_{rest} h[var]
    const n = m.vars.length;
    let total = 0;
    const used = new Array<boolean>(n).fill(false);
    const rec = (d: number, acc: number): void => {
      if (d === dirs.length) {
        let p = acc;
        for (let k = 0; k < n; k++) if (!used[k]) p *= h[m.vars[k]!]!;
        total += p;
        return;
      }
      for (let k = 0; k < n; k++) {
        if (used[k]) continue;
        used[k] = true;
        rec(d + 1, acc * dirs[d]![m.vars[k]!]!);
        used[k] = false;
      }
    };
    rec(0, m.coef);
    return total;
  };
  const unit = (j: number) => {
    const e = new Float64Array(N);
    e[j] = 1;
    return e;
  };
  const lin = (s: number) => L.map((v, k) => v + s * S[k]!);
  return {
    N,
    time,
    value(h, s) {
      const A = lin(s);
      const out = new Float64Array(N);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[i]! += A[i * N + j]! * h[j]!;
      for (const m of monomials) out[m.i]! += multi(m, h, []);
      return out;
    },
    jacobian(h, s): Matrix {
      const data = Float64Array.from(lin(s));
      for (const m of monomials) for (let j = 0; j < N; j++) data[m.i * N + j]! += multi(m, h, [unit(j)]);
      return { rows: N, cols: N, data };
    },
    ds(h) {
      const out = new Float64Array(N);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[i]! += S[i * N + j]! * h[j]!;
      return out;
    },
    hessian(h, _s, u, v) {
      const out = new Float64Array(N);
      for (const m of monomials) out[m.i]! += multi(m, h, [u, v]);
      return out;
    },
    third(h, _s, u, v, w) {
      const out = new Float64Array(N);
      for (const m of monomials) if (m.vars.length >= 3) out[m.i]! += multi(m, h, [u, v, w]);
      return out;
    },
    hessianS(_h, _s, u) {
      const out = new Float64Array(N);
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) out[i]! += S[i * N + j]! * u[j]!;
      return out;
    },
  };
}

export function identityFlat(N: number): number[] {
  return Array.from({ length: N * N }, (_, k) => (Math.floor(k / N) === k % N ? 1 : 0));
}


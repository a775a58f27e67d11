/**
 * First Lyapunov coefficient at a Hopf point of a generic leaky flow ḣ = −h + tanh(s·W₀h + b):
 * non-rotation, non-normal W₀ and b ≠ 0, so B ≠ 0 and every term of Kuznetsov's formula matters.
 * Checked against (1) an independent evaluation of the formula with multilinear forms from central
 * differences of the vector field (ε = 1e-3, truncation O(ε²): rel 1e-5) and our own complex
 * elimination, and (2) simulation: the cycle's |z| → √(μ/|Re c₁|) past the Hopf (rel 3%).
 */
import { describe, expect, it } from 'vitest';
import { continueBranch, elementwiseSystem, solveFixedPoint, spectrumOf } from '../../src/dynamics/index.js';
import { tanhActivation } from '../../src/models/index.js';

type C = [number, number];
type CV = C[];
const cadd = (a: C, b: C): C => [a[0] + b[0], a[1] + b[1]];
const csub = (a: C, b: C): C => [a[0] - b[0], a[1] - b[1]];
const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cdiv = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const conjv = (x: CV): CV => x.map(([r, i]) => [r, -i]);
/** ⟨p, x⟩ = p̄ᵀx. */
const inner = (p: CV, x: CV): C => p.reduce<C>((s, pi, k) => cadd(s, cmul([pi[0], -pi[1]], x[k]!)), [0, 0]);
/** Solves (A − z I) x = b (A real n×n row-major) by Gaussian elimination with partial pivoting. */
function solveShift(A: number[], n: number, z: C, b: CV, trans = false): CV {
  const M: C[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): C => [(trans ? A[j * n + i]! : A[i * n + j]!) - (i === j ? z[0] : 0), i === j ? -z[1] : 0]));
  const x = b.map((v) => [...v] as C);
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.hypot(...M[i]![k]!) > Math.hypot(...M[piv]![k]!)) piv = i;
    [M[k], M[piv]] = [M[piv]!, M[k]!];
    [x[k], x[piv]] = [x[piv]!, x[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = cdiv(M[i]![k]!, M[k]![k]!);
      for (let j = k; j < n; j++) M[i]![j] = csub(M[i]![j]!, cmul(f, M[k]![j]!));
      x[i] = csub(x[i]!, cmul(f, x[k]!));
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k]!;
    for (let j = k + 1; j < n; j++) s = csub(s, cmul(M[k]![j]!, x[j]!));
    x[k] = cdiv(s, M[k]![k]!);
  }
  return x;
}

const N = 3;
const W0 = [0.9, -1.0, 0.3, 0.8, 0.7, -0.5, 0.2, 0.5, -0.6];
const bias = [0.25, -0.15, 0.1];
const sys = elementwiseSystem({
  N,
  time: 'continuous',
  phi: tanhActivation,
  W: (s) => Float64Array.from(W0, (v) => s * v),
  dW: () => Float64Array.from(W0),
  b: () => Float64Array.from(bias),
  db: () => new Float64Array(N),
});

describe('Hopf ℓ₁ for a generic W with b ≠ 0', () => {
  const r = continueBranch(sys, { s0: 0.3, s1: 3, h0: new Float64Array(N) });
  const ev = r.events.find((e) => e.type === 'hopf')!;

  it('continuation finds a Hopf with h* ≠ 0 (B ≠ 0 there)', () => {
    expect(ev).toBeDefined();
    expect(Math.hypot(...ev.h)).toBeGreaterThan(0.05);
    const B = sys.hessian(ev.h, ev.s, Float64Array.of(1, 0, 0), Float64Array.of(1, 0, 0));
    expect(Math.hypot(...B)).toBeGreaterThan(1e-3);
  });

  it('ℓ₁ equals Kuznetsov’s formula evaluated with central-difference multilinear forms (rel 1e-5)', () => {
    const h = Array.from(ev.h), s = ev.s;
    const g = (x: number[]) => Array.from(sys.value(Float64Array.from(x), s));
    const eps = 1e-3;
    const at = (d: number[]) => g(h.map((v, i) => v + d[i]!));
    const Breal = (u: number[], v: number[]) => {
      const out = new Array<number>(N).fill(0);
      for (const [a, b, w] of [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]] as const) {
        const f = at(u.map((x, i) => eps * (a * x + b * v[i]!)));
        for (let i = 0; i < N; i++) out[i]! += (w * f[i]!) / (4 * eps * eps);
      }
      return out;
    };
    const Creal = (u: number[], v: number[], w: number[]) => {
      const out = new Array<number>(N).fill(0);
      for (const a of [1, -1]) for (const b of [1, -1]) for (const c of [1, -1]) {
        const f = at(u.map((x, i) => eps * (a * x + b * v[i]! + c * w[i]!)));
        for (let i = 0; i < N; i++) out[i]! += (a * b * c * f[i]!) / (8 * eps * eps * eps);
      }
      return out;
    };
    const re = (x: CV) => x.map((c) => c[0]), im = (x: CV) => x.map((c) => c[1]);
    const Bc = (x: CV, y: CV): CV => {
      const rr = Breal(re(x), re(y)), ii = Breal(im(x), im(y)), ri = Breal(re(x), im(y)), ir = Breal(im(x), re(y));
      return rr.map((_, k) => [rr[k]! - ii[k]!, ri[k]! + ir[k]!]);
    };
    const Cc = (x: CV, y: CV, z: CV): CV => {
      const out: CV = Array.from({ length: N }, () => [0, 0]);
      // expand Π (re + i·im) over the three arguments
      for (const a of [0, 1]) for (const b of [0, 1]) for (const c of [0, 1]) {
        const t = Creal(a ? im(x) : re(x), b ? im(y) : re(y), c ? im(z) : re(z));
        const k = a + b + c; // i^k
        const unit: C = [[1, 0], [0, 1], [-1, 0], [0, -1]][k] as C;
        for (let i = 0; i < N; i++) out[i] = cadd(out[i]!, cmul(unit, [t[i]!, 0]));
      }
      return out;
    };
    // A by central differences, iω from its spectrum
    const A: number[] = new Array<number>(N * N).fill(0);
    for (let j = 0; j < N; j++) {
      const e = new Array<number>(N).fill(0);
      e[j] = 1e-6;
      const fp = at(e), fm = at(e.map((v) => -v));
      for (let i = 0; i < N; i++) A[i * N + j] = (fp[i]! - fm[i]!) / 2e-6;
    }
    const omega = ev.coefficients.omega!;
    // q, p by inverse iteration on (A − iω), (Aᵀ + iω)
    let q: CV = [[1, 0], [0.3, 0.2], [-0.2, 0.1]];
    let p: CV = [[1, 0], [-0.4, 0.1], [0.2, 0.3]];
    for (let k = 0; k < 6; k++) {
      q = solveShift(A, N, [0, omega * (1 + 1e-9)], q);
      p = solveShift(A, N, [0, -omega * (1 + 1e-9)], p, true);
      const nq = Math.sqrt(q.reduce((s, c) => s + c[0] ** 2 + c[1] ** 2, 0));
      q = q.map(([a, b]) => [a / nq, b / nq]);
      const np = Math.sqrt(p.reduce((s, c) => s + c[0] ** 2 + c[1] ** 2, 0));
      p = p.map(([a, b]) => [a / np, b / np]);
    }
    // ⟨p, q⟩ = 1: p ← p / conj(⟨p, q⟩)
    const pq = inner(p, q);
    p = p.map((c) => cdiv(c, [pq[0], -pq[1]]));
    expect(Math.abs(inner(p, q)[0] - 1)).toBeLessThan(1e-12);
    const qb = conjv(q);
    const t1 = inner(p, Cc(q, q, qb));
    const Ainv = solveShift(A, N, [0, 0], Bc(q, qb));
    const t2 = inner(p, Bc(q, Ainv));
    const x = solveShift(A, N, [0, 2 * omega], Bc(q, q)).map(([a, b]) => [-a, -b] as C); // (2iω − A)⁻¹B(q,q)
    const t3 = inner(p, Bc(qb, x));
    const c1: C = [0.5 * t1[0] - t2[0] + 0.5 * t3[0], 0.5 * t1[1] - t2[1] + 0.5 * t3[1]];
    const l1 = c1[0] / omega;
    expect(Math.abs(ev.coefficients.l1! - l1)).toBeLessThanOrEqual(1e-5 * Math.abs(l1));
    expect(Math.abs(ev.coefficients.c1Re! - c1[0])).toBeLessThanOrEqual(1e-5 * Math.hypot(...c1));
    expect(Math.abs(ev.coefficients.c1Im! - c1[1])).toBeLessThanOrEqual(1e-5 * Math.hypot(...c1));
    expect(Math.abs(t2[0]) + Math.abs(t3[0])).toBeGreaterThan(0.05 * Math.abs(t1[0])); // the B terms matter
  });

  it('simulation past the Hopf: stable cycle with |z| = √(μ/|Re c₁|) (rel 3%), as ℓ₁ < 0 says', () => {
    expect(ev.criticality).toBe('supercritical');
    const c1Re = ev.coefficients.c1Re!;
    const rows: number[] = [];
    for (const ds of [8e-3, 3e-3]) {
      const s = ev.s + ds;
      const fp = solveFixedPoint(sys, s, ev.h, { tol: 1e-13 });
      const spec = spectrumOf(sys.jacobian(fp.h, s), 'continuous');
      const lam = spec.eigenvalues.find((l) => l.im > 0)!;
      const mu = lam.re;
      expect(mu).toBeGreaterThan(0);
      // the left eigenvector for z = lᵀ(h − h*) with lᵀr = 1, r normalised as Kuznetsov's q (‖q‖ = 1)
      const predicted = Math.sqrt(mu / Math.abs(c1Re));
      const pair = ev; // r, l of the event: ‖r‖ = 1, lᵀr = 1 (bilinear), p = l̄
      let h = Array.from(fp.h, (v, i) => v + 2 * predicted * pair.right.re[i]!);
      const f = (x: number[]) => Array.from(sys.value(Float64Array.from(x), s));
      const dt = 0.1;
      const Ttot = 6 / mu;
      let sum = 0, count = 0;
      for (let t = 0; t < Ttot; t += dt) {
        const k1 = f(h);
        const k2 = f(h.map((v, i) => v + 0.5 * dt * k1[i]!));
        const k3 = f(h.map((v, i) => v + 0.5 * dt * k2[i]!));
        const k4 = f(h.map((v, i) => v + dt * k3[i]!));
        h = h.map((v, i) => v + (dt / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!));
        if (t > Ttot - 4 * Math.PI / lam.im) {
          let zr = 0, zi = 0;
          for (let i = 0; i < N; i++) {
            const d = h[i]! - fp.h[i]!;
            zr += pair.left.re[i]! * d;
            zi += pair.left.im[i]! * d;
          }
          sum += Math.hypot(zr, zi);
          count++;
        }
      }
      rows.push(sum / count / predicted);
    }
    // measured: 0.9959 at s* + 8e-3, 0.9983 at s* + 3e-3
    for (const ratio of rows) expect(Math.abs(ratio - 1)).toBeLessThanOrEqual(0.03);
  });
});

/** Eigenpairs, stability labels and the derivatives of the hand-written reference system. */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { eigenPair, elementwiseSystem, spectrumOf } from '../../src/dynamics/index.js';
import { tanhActivation } from '../../src/models/index.js';
import { createRng } from '../../src/linalg/random.js';
import { fromRows } from '../../src/linalg/index.js';

function randMat(n: number, seed: number) {
  const rng = createRng(seed);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) data[i] = rng.normal() / Math.sqrt(n);
  return { rows: n, cols: n, data };
}

describe('eigenPair', () => {
  it('A r = λ r, Aᵀ l = λ l, lᵀ r = 1, ‖r‖ = 1 for every eigenvalue (random 6×6, 1e-10)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (seed) => {
        const A = randMat(6, seed);
        const sp = spectrumOf(A, 'discrete');
        for (const lam of sp.eigenvalues) {
          const { right: r, left: l } = eigenPair(A, lam);
          let lr = { re: 0, im: 0 }, nr = 0;
          for (let i = 0; i < 6; i++) {
            let ar = 0, ai = 0, tr = 0, ti = 0;
            for (let j = 0; j < 6; j++) {
              ar += A.data[i * 6 + j]! * r.re[j]!;
              ai += A.data[i * 6 + j]! * r.im[j]!;
              tr += A.data[j * 6 + i]! * l.re[j]!;
              ti += A.data[j * 6 + i]! * l.im[j]!;
            }
            const er = ar - (lam.re * r.re[i]! - lam.im * r.im[i]!), ei = ai - (lam.re * r.im[i]! + lam.im * r.re[i]!);
            const fr = tr - (lam.re * l.re[i]! - lam.im * l.im[i]!), fi = ti - (lam.re * l.im[i]! + lam.im * l.re[i]!);
            const scale = Math.max(1, Math.hypot(...l.re), Math.hypot(...l.im));
            if (Math.hypot(er, ei) > 1e-10 || Math.hypot(fr, fi) > 1e-10 * scale) return false;
            lr = { re: lr.re + l.re[i]! * r.re[i]! - l.im[i]! * r.im[i]!, im: lr.im + l.re[i]! * r.im[i]! + l.im[i]! * r.re[i]! };
            nr += r.re[i]! ** 2 + r.im[i]! ** 2;
          }
          if (Math.abs(lr.re - 1) > 1e-10 || Math.abs(lr.im) > 1e-10 || Math.abs(nr - 1) > 1e-12) return false;
        }
        return true;
      }),
      { numRuns: 25 },
    );
  });

  it('stability labels for maps and flows', () => {
    const A = fromRows([[0.5, 0], [0, -0.9]]);
    expect(spectrumOf(A, 'discrete').stability).toBe('stable');
    expect(spectrumOf(A, 'continuous').stability).toBe('saddle');
    expect(spectrumOf(fromRows([[1.5, 0], [0, -1.2]]), 'discrete').stability).toBe('unstable');
    const R = fromRows([[0, -2], [2, 0.1]]);
    const sp = spectrumOf(R, 'continuous');
    expect(sp.stability).toBe('unstable');
    expect(sp.radius).toBeCloseTo(0.05, 12); // abscissa = trace/2
    expect(sp.sigma).toBeCloseTo(-0.05, 12);
    expect(spectrumOf(fromRows([[1, 0], [0, 0.5]]), 'discrete').stability).toBe('marginal');
  });
});

describe('elementwiseSystem derivatives vs central differences (rel. 1e-6)', () => {
  const N = 3;
  const W0 = randMat(N, 3).data.map((v) => 1.5 * v);
  const W1 = randMat(N, 4).data;
  const sys = elementwiseSystem({
    N,
    time: 'continuous',
    alpha: 0.5,
    phi: tanhActivation,
    W: (s) => W0.map((v, i) => v + s * W1[i]!),
    dW: () => W1.slice(),
    b: (s) => Float64Array.of(0.1 * s, -0.2, 0.3 * s * s),
    db: (s) => Float64Array.of(0.1, 0, 0.6 * s),
  });
  const h = Float64Array.of(0.3, -0.2, 0.5), s = 0.7, eps = 1e-5;
  const u = Float64Array.of(0.2, 0.5, -0.4), v = Float64Array.of(-0.3, 0.1, 0.6), w = Float64Array.of(0.7, -0.2, 0.1);
  const close = (a: Float64Array, b: Float64Array) => {
    const n = Math.max(1e-8, Math.hypot(...b));
    expect(Math.hypot(...a.map((x, i) => x - b[i]!)) / n).toBeLessThan(1e-6);
  };
  const plus = (x: Float64Array, d: Float64Array, c: number) => x.map((xi, i) => xi + c * d[i]!);
  const jv = (hh: Float64Array, ss: number, d: Float64Array) => {
    const J = sys.jacobian(hh, ss);
    return Float64Array.from({ length: N }, (_, i) => J.data.slice(i * N, i * N + N).reduce((a, x, j) => a + x * d[j]!, 0));
  };
  it('jacobian, ds, hessian, third, hessianS', () => {
    const fd = (g: (e: number) => Float64Array) => g(eps).map((x, i) => (x - g(-eps)[i]!) / (2 * eps));
    close(jv(h, s, u), fd((e) => sys.value(plus(h, u, e), s)));
    close(sys.ds(h, s), fd((e) => sys.value(h, s + e)));
    close(sys.hessian(h, s, u, v), fd((e) => jv(plus(h, v, e), s, u)));
    close(sys.third(h, s, u, v, w), fd((e) => sys.hessian(plus(h, w, e), s, u, v)));
    close(sys.hessianS(h, s, u), fd((e) => jv(h, s + e, u)));
  });
});

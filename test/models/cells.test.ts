/**
 * One-step derivatives of every cell × activation against central finite differences
 * (step FD_STEP = 1e-6 on unit-scale directions; tolerance: relative error ‖a−b‖/max(‖a‖,‖b‖) ≤ 1e-7;
 * where the analytic value is exactly 0 (identity/relu 2nd and 3rd derivatives) the FD value must
 * be ≤ 1e-7 × the norm of the lower derivative it differentiates), and exact identities
 * (dense Jacobians vs JVPs, weight sites vs ∂f/∂θ (∂f/∂θ)ᵀ) to ≤ 1e-13 relative.
 * Relu: inputs are redrawn until every kink argument is ≥ 1e-3 from 0 (φ′(0) = 0 by convention).
 */
import { describe, expect, it } from 'vitest';
import type { Cell, Model, StepCache, WeightSite } from '../../src/models/index.js';
import { COMBOS, FD_STEP, axpy, createRng, dot, fdDir, fdGrad, kinkDistance, model, norm, randn, relErr } from './helpers.js';
import { gemm, transpose } from '../../src/linalg/index.js';

const TOL = 1e-7;
const N = 5;
const D = 3;

interface Setup {
  m: Model;
  cell: Cell;
  theta: Float64Array;
  h: Float64Array;
  x: Float64Array;
  c: StepCache;
  rng: ReturnType<typeof createRng>;
}

function setup(cellKind: Parameters<typeof model>[0], act: Parameters<typeof model>[1], seed: number): Setup {
  for (let k = 0; k < 50; k++) {
    const m = model(cellKind, act, N, D, seed * 100 + k);
    const rng = createRng(`cells-${seed}-${k}`);
    const theta = m.params.subarray(0, m.layout.cellSize);
    const h = randn(rng, N, 0.7);
    const x = randn(rng, D);
    const c = m.cell.forward(theta, h, x);
    if (kinkDistance(m.cell, c) > 1e-3) return { m, cell: m.cell, theta, h, x, c, rng };
  }
  throw new Error('could not draw a kink-free point');
}

function f(cell: Cell, theta: Float64Array, h: Float64Array, x: Float64Array): Float64Array {
  return cell.forward(theta, h, x).out.slice();
}

function expectClose(an: Float64Array, fd: Float64Array, lowerNorm: number): void {
  if (norm(an) === 0) expect(norm(fd)).toBeLessThanOrEqual(TOL * lowerNorm);
  else expect(relErr(an, fd)).toBeLessThanOrEqual(TOL);
}

/** K from sites between two steps: Σ_j (u_j·u'_j) diag(β_j) diag(β'_j) (N × N, diagonal). */
function siteGram(sa: WeightSite[], sb: WeightSite[], n: number): Float64Array {
  const K = new Float64Array(n * n);
  for (let j = 0; j < sa.length; j++) {
    const g = dot(sa[j]!.u, sb[j]!.u);
    for (let i = 0; i < n; i++) K[i * n + i]! += g * sa[j]!.beta[i]! * sb[j]!.beta[i]!;
  }
  return K;
}

describe.each(COMBOS)('%s cell, %s activation', (cellKind, act) => {
  for (const seed of [1, 2, 3]) {
    describe(`seed ${seed}`, () => {
      const s = setup(cellKind, act, seed);
      const { cell, theta, h, x, c, rng } = s;
      const P = cell.P;

      it('forward output is the step cache out and is finite', () => {
        expect(c.out.length).toBe(N);
        expect(c.out.every(Number.isFinite)).toBe(true);
      });

      it('jvpH matches central differences', () => {
        const dh = randn(rng, N);
        const an = new Float64Array(N);
        cell.jvpH(theta, c, dh, an);
        expectClose(an, fdDir((hh) => f(cell, theta, hh, x), h, dh), 1);
      });

      it('vjpH matches the FD gradient of ⟨e, f(h)⟩', () => {
        const e = randn(rng, N);
        const an = new Float64Array(N);
        cell.vjpH(theta, c, e, an);
        expectClose(an, fdGrad((hh) => dot(e, f(cell, theta, hh, x)), h), 1);
      });

      it('jvpTheta matches central differences', () => {
        const dt = randn(rng, P);
        const an = new Float64Array(N);
        cell.jvpTheta(theta, c, dt, an);
        expectClose(an, fdDir((th) => f(cell, th, h, x), theta.slice(), dt), 1);
      });

      it('vjpTheta accumulates the FD gradient of ⟨e, f(θ)⟩', () => {
        const e = randn(rng, N);
        const g = new Float64Array(P).fill(0.5);
        cell.vjpTheta(theta, c, e, g);
        for (let i = 0; i < P; i++) g[i]! -= 0.5;
        expect(relErr(g, fdGrad((th) => dot(e, f(cell, th, h, x)), theta.slice()))).toBeLessThanOrEqual(TOL);
      });

      it('jacobianH / jacobianTheta columns equal jvpH / jvpTheta (exact)', () => {
        const JH = cell.jacobianH(theta, c);
        const JT = cell.jacobianTheta(theta, c);
        expect([JH.rows, JH.cols, JT.rows, JT.cols]).toEqual([N, N, N, P]);
        const dh = randn(rng, N);
        const dt = randn(rng, P);
        const a = new Float64Array(N);
        const b = new Float64Array(N);
        cell.jvpH(theta, c, dh, a);
        cell.jvpTheta(theta, c, dt, b);
        const ja = new Float64Array(N);
        const jb = new Float64Array(N);
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < N; j++) ja[i]! += JH.data[i * N + j]! * dh[j]!;
          for (let p = 0; p < P; p++) jb[i]! += JT.data[i * P + p]! * dt[p]!;
        }
        expect(relErr(a, ja)).toBeLessThanOrEqual(1e-13);
        expect(relErr(b, jb)).toBeLessThanOrEqual(1e-13);
      });

      it('weight sites reproduce ∂f/∂θ (∂f/∂θ)ᵀ within a step and across two steps (≤ 1e-13)', () => {
        const JT = cell.jacobianTheta(theta, c);
        const K = gemm(JT, JT, { transB: true });
        const S = cell.sites(theta, c)!;
        expect(relErr(siteGram(S, S, N), K.data)).toBeLessThanOrEqual(1e-13);
        // a second step (another state and input): cross-Gram
        const c2 = cell.forward(theta, randn(rng, N, 0.7), randn(rng, D));
        const JT2 = cell.jacobianTheta(theta, c2);
        const K12 = gemm(JT, JT2, { transB: true });
        expect(relErr(siteGram(S, cell.sites(theta, c2)!, N), K12.data)).toBeLessThanOrEqual(1e-13);
        // K12 is diagonal (the sites have diagonal ∂f/∂a)
        let off = 0;
        for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) if (i !== j) off = Math.max(off, Math.abs(K12.data[i * N + j]!));
        expect(off).toBe(0);
        void transpose;
      });

      it('weight sites reproduce jvpTheta: Σ_j β_j ⊙ (dW_j u_j)', () => {
        const dt = randn(rng, P);
        const an = new Float64Array(N);
        cell.jvpTheta(theta, c, dt, an);
        const viaSites = new Float64Array(N);
        for (const site of cell.sites(theta, c)!) {
          for (let i = 0; i < N; i++) {
            let sIdx = 0;
            for (const seg of site.segments) {
              for (let q = 0; q < seg.cols; q++) sIdx += dt[seg.offset + i * seg.cols + q]! * site.u[seg.colStart + q]!;
            }
            viaSites[i]! += site.beta[i]! * sIdx;
          }
        }
        expect(relErr(an, viaSites)).toBeLessThanOrEqual(1e-13);
      });

      it('hessianH matches FD of jvpH and is symmetric', () => {
        const r = randn(rng, N);
        const sv = randn(rng, N);
        const an = new Float64Array(N);
        cell.hessianH(theta, c, r, sv, an);
        const jr = (hh: Float64Array): Float64Array => {
          const o = new Float64Array(N);
          cell.jvpH(theta, cell.forward(theta, hh, x), r, o);
          return o;
        };
        const lower = new Float64Array(N);
        cell.jvpH(theta, c, r, lower);
        expectClose(an, fdDir(jr, h, sv), norm(lower));
        const sym = new Float64Array(N);
        cell.hessianH(theta, c, sv, r, sym);
        expect(relErr(an, sym)).toBeLessThanOrEqual(1e-13);
      });

      it('thirdH matches FD of hessianH', () => {
        const r = randn(rng, N);
        const sv = randn(rng, N);
        const t = randn(rng, N);
        const an = new Float64Array(N);
        cell.thirdH(theta, c, r, sv, t, an);
        const hrs = (hh: Float64Array): Float64Array => {
          const o = new Float64Array(N);
          cell.hessianH(theta, cell.forward(theta, hh, x), r, sv, o);
          return o;
        };
        const lower = new Float64Array(N);
        cell.hessianH(theta, c, r, sv, lower);
        expectClose(an, fdDir(hrs, h, t), Math.max(norm(lower), 1));
      });

      it('hessianHTheta matches FD of jvpH in θ', () => {
        const r = randn(rng, N);
        const dt = randn(rng, P);
        const an = new Float64Array(N);
        cell.hessianHTheta(theta, c, r, dt, an);
        const jr = (th: Float64Array): Float64Array => {
          const o = new Float64Array(N);
          cell.jvpH(th, cell.forward(th, h, x), r, o);
          return o;
        };
        const lower = new Float64Array(N);
        cell.jvpH(theta, c, r, lower);
        expectClose(an, fdDir(jr, theta.slice(), dt), norm(lower));
      });

      it('jvpH and vjpH allow out to alias the input', () => {
        const v = randn(rng, N);
        const a = new Float64Array(N);
        const b = new Float64Array(N);
        cell.jvpH(theta, c, v, a);
        cell.vjpH(theta, c, v, b);
        const va = v.slice();
        cell.jvpH(theta, c, va, va);
        const vb = v.slice();
        cell.vjpH(theta, c, vb, vb);
        expect(Array.from(va)).toEqual(Array.from(a));
        expect(Array.from(vb)).toEqual(Array.from(b));
        void axpy;
        void FD_STEP;
      });
    });
  }
});

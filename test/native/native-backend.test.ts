/**
 * The native (OpenBLAS/LAPACKE) backend against the pure TypeScript backend: every operation
 * agrees to ≤ 1e-10 relative (max norm) on seeded random inputs; eigen/singular vectors agree up
 * to sign (real) or are checked through their defining relations (complex); singular and
 * non-positive-definite inputs give SingularMatrixError, NaN gives NonFiniteError.
 * Skipped, visibly, when the addon is not built (no libopenblas-dev/liblapacke-dev).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadNativeBackend, nativeAddon, nativeBackendStatus, twoStageBand } from '../../src/linalg/native.js';
import { jsBackend } from '../../src/linalg/js-backend.js';
import type { LinalgBackend } from '../../src/linalg/backend.js';
import type { Matrix } from '../../src/linalg/matrix.js';
import { NonFiniteError, SingularMatrixError } from '../../src/errors.js';
import { alignSign, column, matmulRef, randMatrix, randSpd, randSymmetric, relErr } from './helpers.js';

const TOL = 1e-10;
const native = loadNativeBackend();
const nb = native as LinalgBackend;
const suite = native ? 'native backend equals the js backend' : `native backend (SKIPPED: ${nativeBackendStatus()})`;

function zerosM(r: number, c: number): Matrix {
  return { rows: r, cols: c, data: new Float64Array(r * c) };
}

describe('native backend availability', () => {
  it('reports a one-line status either way', () => {
    const s = nativeBackendStatus();
    expect(s.length).toBeGreaterThan(10);
    expect(s.includes('\n')).toBe(false);
    expect(s.startsWith(native ? 'native backend loaded' : 'native backend unavailable')).toBe(true);
  });
});

describe.skipIf(!native)(suite, () => {
  it('gemm: all transpose combinations, α and β, rectangular (rel ≤ 1e-10)', () => {
    const m = 17, n = 23, k = 11;
    let seed = 1;
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const A = randMatrix(tA ? k : m, tA ? m : k, seed++);
        const B = randMatrix(tB ? n : k, tB ? k : n, seed++);
        const C0 = randMatrix(m, n, seed++);
        const Cn = { ...C0, data: C0.data.slice() };
        const Cj = { ...C0, data: C0.data.slice() };
        nb.gemm(tA, tB, 0.7, A, B, -0.3, Cn);
        jsBackend.gemm(tA, tB, 0.7, A, B, -0.3, Cj);
        expect(relErr(Cn.data, Cj.data)).toBeLessThanOrEqual(TOL);
        const ref = matmulRef(A, B, tA, tB);
        const want = ref.data.map((x, i) => 0.7 * x - 0.3 * C0.data[i]!);
        expect(relErr(Cn.data, want)).toBeLessThanOrEqual(TOL);
      }
    }
  });

  it('gemm: random shapes (property, fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), fc.boolean(), fc.boolean(), fc.integer(), (m, n, k, tA, tB, seed) => {
        const A = randMatrix(tA ? k : m, tA ? m : k, seed);
        const B = randMatrix(tB ? n : k, tB ? k : n, seed + 1);
        const Cn = zerosM(m, n);
        const Cj = zerosM(m, n);
        nb.gemm(tA, tB, 1, A, B, 0, Cn);
        jsBackend.gemm(tA, tB, 1, A, B, 0, Cj);
        return relErr(Cn.data, Cj.data) <= TOL;
      }),
      { numRuns: 60 },
    );
  });

  it('gemv: both orientations with β ≠ 0 (rel ≤ 1e-10)', () => {
    const A = randMatrix(19, 13, 7);
    for (const trans of [false, true]) {
      const x = randMatrix(1, trans ? 19 : 13, 8).data;
      const y0 = randMatrix(1, trans ? 13 : 19, 9).data;
      const yn = y0.slice();
      const yj = y0.slice();
      nb.gemv(trans, 1.5, A, x, 0.5, yn);
      jsBackend.gemv(trans, 1.5, A, x, 0.5, yj);
      expect(relErr(yn, yj)).toBeLessThanOrEqual(TOL);
    }
  });

  it('syrk: A Aᵀ and Aᵀ A, full and exactly symmetric (rel ≤ 1e-10)', () => {
    const A = randMatrix(14, 9, 11);
    for (const trans of [false, true]) {
      const n = trans ? 9 : 14;
      const Cn = zerosM(n, n);
      const Cj = zerosM(n, n);
      nb.syrk(trans, 2, A, Cn);
      jsBackend.syrk(trans, 2, A, Cj);
      expect(relErr(Cn.data, Cj.data)).toBeLessThanOrEqual(TOL);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Cn.data[i * n + j]).toBe(Cn.data[j * n + i]);
    }
  });

  it('syrk with lower: the same lower triangle as the full syrk, the strict upper one untouched, and the same eigenvalues (rel ≤ 1e-12 of λ_max)', () => {
    const A = randMatrix(40, 23, 12);
    for (const trans of [false, true]) {
      const n = trans ? 23 : 40;
      const full = zerosM(n, n);
      const low = zerosM(n, n);
      low.data.fill(-3); // sentinel: the strict upper triangle must keep it
      nb.syrk(trans, 1, A, full);
      nb.syrk(trans, 1, A, low, true);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) expect(low.data[i * n + j]).toBe(full.data[i * n + j]);
        for (let j = i + 1; j < n; j++) expect(low.data[i * n + j]).toBe(-3);
      }
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) low.data[i * n + j] = 0;
      const wl = nb.symmetricEigenvalues!(low, true);
      const wf = nb.symmetricEigenvalues!(full, true);
      const lmax = Math.max(...wf);
      for (let i = 0; i < n; i++) expect(Math.abs(wl[i]! - wf[i]!)).toBeLessThanOrEqual(1e-12 * lmax);
    }
  });

  it('symmetricEigen: ascending values, vectors up to sign, reconstruction (rel ≤ 1e-10)', () => {
    const n = 40;
    const A = randSymmetric(n, 21);
    const en = nb.symmetricEigen(A, true);
    const ej = jsBackend.symmetricEigen(A, true);
    expect(relErr(en.values, ej.values)).toBeLessThanOrEqual(TOL);
    for (let i = 1; i < n; i++) expect(en.values[i]!).toBeGreaterThanOrEqual(en.values[i - 1]!);
    const V = en.vectors!;
    for (let j = 0; j < n; j++) {
      const vj = column(ej.vectors!, j);
      expect(relErr(alignSign(column(V, j), vj), vj)).toBeLessThanOrEqual(TOL);
    }
    // V diag(λ) Vᵀ = A
    const VD = { rows: n, cols: n, data: V.data.map((x, idx) => x * en.values[idx % n]!) };
    expect(relErr(matmulRef(VD, V, false, true).data, A.data)).toBeLessThanOrEqual(TOL);
    // values only
    expect(relErr(nb.symmetricEigen(A, false).values, ej.values)).toBeLessThanOrEqual(TOL);
    expect(nb.symmetricEigen(A, false).vectors).toBeUndefined();
    // Only the lower triangle is read: garbage above the diagonal changes nothing.
    const G = { ...A, data: A.data.slice() };
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) G.data[i * n + j] = 1e3;
    expect(Array.from(nb.symmetricEigen(G, false).values)).toEqual(Array.from(nb.symmetricEigen(A, false).values));
  });

  it('generalEigen: eigenvalues equal js; right/left vectors satisfy A v = λ v, wᴴ A = λ wᴴ with unit norm', () => {
    const n = 30;
    const A = randMatrix(n, n, 31);
    const en = nb.generalEigen(A, true);
    const ej = jsBackend.generalEigen(A, true);
    // Same multiset of eigenvalues (orders may differ between the two algorithms): greedy matching.
    const scale = Math.max(...Array.from(en.re, (r, i) => Math.hypot(r, en.im[i]!)));
    const used = new Set<number>();
    for (let i = 0; i < n; i++) {
      let best = -1, bd = Infinity;
      for (let j = 0; j < n; j++) {
        if (used.has(j)) continue;
        const d = Math.hypot(en.re[i]! - ej.re[j]!, en.im[i]! - ej.im[j]!);
        if (d < bd) { bd = d; best = j; }
      }
      used.add(best);
      expect(bd / scale).toBeLessThanOrEqual(TOL);
    }
    // Conjugate pairs adjacent, positive imaginary part first.
    let pairs = 0;
    for (let j = 0; j < n; j++) {
      if (en.im[j] !== 0) {
        expect(en.im[j]!).toBeGreaterThan(0);
        expect(en.im[j + 1]).toBe(-en.im[j]!);
        expect(en.re[j + 1]).toBe(en.re[j]);
        pairs++;
        j++;
      }
    }
    expect(pairs).toBeGreaterThan(0); // the test exercises the complex unpacking
    const ev = nb.generalEigen(A, false);
    expect(Array.from(ev.re)).toEqual(Array.from(en.re));
    expect(Array.from(ev.im)).toEqual(Array.from(en.im));
    expect(ev.right).toBeUndefined();
    const R = en.right!, L = en.left!;
    const normA = Math.max(...Array.from(A.data, Math.abs)) * n;
    for (let k = 0; k < n; k++) {
      const lr = en.re[k]!, li = en.im[k]!;
      let nr = 0, nl = 0, resR = 0, resL = 0;
      for (let i = 0; i < n; i++) {
        nr += R.re.data[i * n + k]! ** 2 + R.im.data[i * n + k]! ** 2;
        nl += L.re.data[i * n + k]! ** 2 + L.im.data[i * n + k]! ** 2;
        // (A v)_i − λ v_i
        let ar = 0, ai = 0;
        for (let p = 0; p < n; p++) { ar += A.data[i * n + p]! * R.re.data[p * n + k]!; ai += A.data[i * n + p]! * R.im.data[p * n + k]!; }
        const vr = R.re.data[i * n + k]!, vi = R.im.data[i * n + k]!;
        resR = Math.max(resR, Math.hypot(ar - (lr * vr - li * vi), ai - (lr * vi + li * vr)));
        // (wᴴ A)_i = λ (wᴴ)_i  ⇔  (Aᵀ w)_i = λ̄ w_i
        let br = 0, bi = 0;
        for (let p = 0; p < n; p++) { br += A.data[p * n + i]! * L.re.data[p * n + k]!; bi += A.data[p * n + i]! * L.im.data[p * n + k]!; }
        const wr = L.re.data[i * n + k]!, wi = L.im.data[i * n + k]!;
        resL = Math.max(resL, Math.hypot(br - (lr * wr + li * wi), bi - (lr * wi - li * wr)));
      }
      expect(Math.abs(Math.sqrt(nr) - 1)).toBeLessThanOrEqual(TOL);
      expect(Math.abs(Math.sqrt(nl) - 1)).toBeLessThanOrEqual(TOL);
      expect(resR / normA).toBeLessThanOrEqual(TOL);
      expect(resL / normA).toBeLessThanOrEqual(TOL);
    }
    // When the js backend also returns vectors, they agree up to a complex phase: |⟨v_js, v_nat⟩| = 1.
    if (ej.right) {
      for (let k = 0; k < n; k++) {
        let j = 0, bd = Infinity;
        for (let q = 0; q < n; q++) { const d = Math.hypot(en.re[k]! - ej.re[q]!, en.im[k]! - ej.im[q]!); if (d < bd) { bd = d; j = q; } }
        let sr = 0, si = 0, nj = 0;
        for (let i = 0; i < n; i++) {
          const ar = ej.right.re.data[i * n + j]!, ai = ej.right.im.data[i * n + j]!;
          const br = R.re.data[i * n + k]!, bi = R.im.data[i * n + k]!;
          sr += ar * br + ai * bi; si += ar * bi - ai * br; nj += ar * ar + ai * ai;
        }
        expect(Math.abs(Math.hypot(sr, si) / Math.sqrt(nj) - 1)).toBeLessThanOrEqual(1e-9);
      }
    }
  });

  it('generalEigen: a rotation has eigenvalues ±i with +i first and vectors (1, ∓i)/√2 up to phase', () => {
    const A: Matrix = { rows: 2, cols: 2, data: Float64Array.from([0, -1, 1, 0]) };
    const e = nb.generalEigen(A, true);
    expect(Array.from(e.re)).toEqual([0, 0]);
    expect(Array.from(e.im)).toEqual([1, -1]);
    const R = e.right!;
    // v = (a, b) with A v = i v: −b = i a  ⇒  b = −i a, so |v_0| = |v_1| = 1/√2.
    expect(Math.abs(Math.hypot(R.re.data[0]!, R.im.data[0]!) - Math.SQRT1_2)).toBeLessThan(1e-15);
    expect(Math.abs(Math.hypot(R.re.data[2]!, R.im.data[2]!) - Math.SQRT1_2)).toBeLessThan(1e-15);
    expect(R.re.data[1]).toBe(R.re.data[0]);
    expect(R.im.data[1]).toBe(-R.im.data[0]!);
  });

  for (const [m, n] of [[30, 20], [20, 30], [25, 25]] as const) {
    it(`svd ${m}×${n}: values equal js, vectors up to sign, U diag(s) Vᵀ = A (rel ≤ 1e-10)`, () => {
      const A = randMatrix(m, n, 41 + m);
      const k = Math.min(m, n);
      const sn = nb.svd(A, true);
      const sj = jsBackend.svd(A, true);
      expect(sn.s.length).toBe(k);
      expect(relErr(sn.s, sj.s.subarray(0, k))).toBeLessThanOrEqual(TOL);
      for (let i = 1; i < k; i++) expect(sn.s[i]!).toBeLessThanOrEqual(sn.s[i - 1]!);
      expect([sn.U!.rows, sn.U!.cols, sn.V!.rows, sn.V!.cols]).toEqual([m, k, n, k]);
      for (let j = 0; j < k; j++) {
        const uj = column(sj.U!, j), vj = column(sj.V!, j);
        const un = column(sn.U!, j), vn = column(sn.V!, j);
        let d = 0;
        for (let i = 0; i < m; i++) d += un[i]! * uj[i]!;
        const sgn = d < 0 ? -1 : 1;
        expect(relErr(un.map((x) => sgn * x), uj)).toBeLessThanOrEqual(TOL);
        expect(relErr(vn.map((x) => sgn * x), vj)).toBeLessThanOrEqual(TOL);
      }
      const US = { rows: m, cols: k, data: sn.U!.data.map((x, idx) => x * sn.s[idx % k]!) };
      expect(relErr(matmulRef(US, sn.V!, false, true).data, A.data)).toBeLessThanOrEqual(TOL);
      const s2 = nb.svd(A, false);
      expect(relErr(s2.s, sn.s)).toBeLessThanOrEqual(TOL);
      expect(s2.U).toBeUndefined();
    });
  }

  it('solve: equals js on a random system with several right-hand sides (rel ≤ 1e-10)', () => {
    const n = 35;
    const A = randMatrix(n, n, 51);
    const B = randMatrix(n, 3, 52);
    const Xn = nb.solve(A, B);
    const Xj = jsBackend.solve(A, B);
    expect([Xn.rows, Xn.cols]).toEqual([n, 3]);
    expect(relErr(Xn.data, Xj.data)).toBeLessThanOrEqual(TOL);
    expect(relErr(matmulRef(A, Xn).data, B.data)).toBeLessThanOrEqual(TOL);
    // inputs untouched
    expect(A.data).toEqual(randMatrix(n, n, 51).data);
    expect(B.data).toEqual(randMatrix(n, 3, 52).data);
  });

  it('solve: singular matrices throw SingularMatrixError (exactly and numerically singular)', () => {
    const exact: Matrix = { rows: 2, cols: 2, data: Float64Array.from([1, 2, 2, 4]) };
    const b: Matrix = { rows: 2, cols: 1, data: Float64Array.from([1, 1]) };
    expect(() => nb.solve(exact, b)).toThrow(SingularMatrixError);
    expect(() => jsBackend.solve(exact, b)).toThrow(SingularMatrixError);
    // rank 1: u vᵀ (pivots are rounding noise, not exact zeros)
    const u = randMatrix(6, 1, 53), v = randMatrix(1, 6, 54);
    const rank1 = matmulRef(u, v);
    expect(() => nb.solve(rank1, randMatrix(6, 1, 55))).toThrow(SingularMatrixError);
    const zero: Matrix = { rows: 3, cols: 3, data: new Float64Array(9) };
    expect(() => nb.solve(zero, randMatrix(3, 1, 56))).toThrow(/singular/);
  });

  it('cholesky + choleskySolve: equal js; L Lᵀ = A; non-positive-definite throws', () => {
    const n = 30;
    const A = randSpd(n, 61);
    const Ln = nb.cholesky(A);
    const Lj = jsBackend.cholesky(A);
    expect(relErr(Ln.data, Lj.data)).toBeLessThanOrEqual(TOL);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(Ln.data[i * n + j]).toBe(0);
    expect(relErr(matmulRef(Ln, Ln, false, true).data, A.data)).toBeLessThanOrEqual(TOL);
    const B = randMatrix(n, 4, 62);
    const Xn = nb.choleskySolve(Ln, B);
    const Xj = jsBackend.choleskySolve(Lj, B);
    expect(relErr(Xn.data, Xj.data)).toBeLessThanOrEqual(TOL);
    expect(relErr(matmulRef(A, Xn).data, B.data)).toBeLessThanOrEqual(TOL);
    const indefinite: Matrix = { rows: 2, cols: 2, data: Float64Array.from([1, 2, 2, 1]) };
    expect(() => nb.cholesky(indefinite)).toThrow(SingularMatrixError);
    expect(() => jsBackend.cholesky(indefinite)).toThrow(SingularMatrixError);
    const badL: Matrix = { rows: 2, cols: 2, data: Float64Array.from([1, 0, 3, 0]) };
    expect(() => nb.choleskySolve(badL, randMatrix(2, 1, 63))).toThrow(SingularMatrixError);
  });

  it('decompositions reject NaN/Inf with NonFiniteError instead of returning NaN', () => {
    const A = randSymmetric(4, 71);
    A.data[5] = NaN;
    expect(() => nb.symmetricEigen(A, true)).toThrow(NonFiniteError);
    expect(() => nb.generalEigen(A, true)).toThrow(NonFiniteError);
    expect(() => nb.svd(A, true)).toThrow(NonFiniteError);
    expect(() => nb.cholesky(A)).toThrow(NonFiniteError);
    expect(() => nb.solve(A, randMatrix(4, 1, 72))).toThrow(NonFiniteError);
  });

  it('empty and 1×1 inputs', () => {
    const E = zerosM(0, 0);
    expect(nb.symmetricEigen(E, true).values.length).toBe(0);
    expect(nb.generalEigen(E, true).re.length).toBe(0);
    expect(nb.svd(zerosM(0, 3), true).s.length).toBe(0);
    const one: Matrix = { rows: 1, cols: 1, data: Float64Array.from([4]) };
    expect(Array.from(nb.symmetricEigen(one, true).values)).toEqual([4]);
    expect(Array.from(nb.cholesky(one).data)).toEqual([2]);
    expect(Array.from(nb.solve(one, { rows: 1, cols: 1, data: Float64Array.from([2]) }).data)).toEqual([0.5]);
    const C = zerosM(2, 2);
    nb.gemm(false, false, 1, zerosM(2, 0), zerosM(0, 2), 0, C);
    expect(Array.from(C.data)).toEqual([0, 0, 0, 0]);
  });

  it('symmetricEigenvalues by the two-stage reduction equals the js values (≤ 8·ε·n·‖A‖), for every band width and order', () => {
    const addon = nativeAddon()!;
    expect(typeof addon.dsyevValues2stage).toBe('function');
    for (const n of [1, 2, 3, 17, 64, 150]) {
      const A = randSymmetric(n, 40 + n);
      const ref = jsBackend.symmetricEigen(A, false).values;
      const scale = Math.max(...Array.from(ref, Math.abs));
      const tol = 8 * Number.EPSILON * n * scale;
      for (const kd of [1, 2, 16, 64, 500]) {
        const a = A.data.slice();
        const w = new Float64Array(n);
        expect(addon.dsyevValues2stage!(n, a, w, kd)).toBe(0);
        for (let i = 0; i < n; i++) expect(Math.abs(w[i]! - ref[i]!)).toBeLessThanOrEqual(tol);
      }
    }
    expect(() => addon.dsyevValues2stage!(3, new Float64Array(9), new Float64Array(3), 0)).toThrow(RangeError);
    expect(() => addon.dsyevValues2stage!(3, new Float64Array(8), new Float64Array(3), 4)).toThrow(RangeError);
  });

  it('the backend takes the two-stage route from the SNTK_EIGEN_TWO_STAGE order on (values equal js, ≤ 8·ε·n·‖A‖)', () => {
    const saved = process.env.SNTK_EIGEN_TWO_STAGE;
    try {
      process.env.SNTK_EIGEN_TWO_STAGE = '50';
      expect(twoStageBand(49)).toBe(0);
      expect(twoStageBand(50)).toBe(32);
      expect(twoStageBand(12800)).toBe(64);
      const n = 120;
      const A = randSymmetric(n, 7);
      const ref = jsBackend.symmetricEigen(A, false).values;
      const w = nb.symmetricEigenvalues!(A, false);
      const scale = Math.max(...Array.from(ref, Math.abs));
      for (let i = 0; i < n; i++) expect(Math.abs(w[i]! - ref[i]!)).toBeLessThanOrEqual(8 * Number.EPSILON * n * scale);
      process.env.SNTK_EIGEN_TWO_STAGE = '0';
      expect(twoStageBand(100000)).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.SNTK_EIGEN_TWO_STAGE;
      else process.env.SNTK_EIGEN_TWO_STAGE = saved;
    }
    expect(twoStageBand(100)).toBe(0);
    expect(twoStageBand(4288)).toBe(32);
  });

  it('setThreads returns the count in force before; the dense Jacobian of a small model runs on one thread and restores the count', async () => {
    const { getBackend, setBackend } = await import('../../src/linalg/index.js');
    const { registerBackend } = await import('../../src/linalg/registry.js');
    const { denseJacobian } = await import('../../src/sntk/sensitivity.js');
    const { defineSpec, randomModel, rollout } = await import('../../src/models/index.js');
    const prev = nb.setThreads!(1);
    expect(prev).toBeGreaterThanOrEqual(1);
    expect(nb.setThreads!(2)).toBe(1);
    const was = getBackend().name;
    registerBackend(nb);
    setBackend('native');
    try {
      const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 6, inputSize: 2 }), 1, { gain: 1.1 });
      const traj = rollout(model, new Float64Array(20).map((_, i) => Math.sin(i)), { B: 1, T: 10 });
      const J = denseJacobian(model, traj);
      setBackend('js');
      const Jjs = denseJacobian(model, traj);
      expect(relErr(J.data, Jjs.data)).toBeLessThanOrEqual(TOL);
      expect(nb.setThreads!(prev)).toBe(2); // denseJacobian put back the count it found
    } finally {
      setBackend(was);
    }
  });
});

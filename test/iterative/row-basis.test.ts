import { describe, expect, it } from 'vitest';
import { RowBasis, orthonormalizeRows } from '../../src/linalg/iterative/block.js';
import { createRng } from '../../src/linalg/random.js';
import { gemm, zeros, type Matrix } from '../../src/linalg/index.js';

function randomBlock(n: number, k: number, seed: number): Matrix {
  const X = zeros(n, k);
  createRng(seed).fillNormal(X.data);
  return X;
}

/** max |QᵀQ − I| over the columns of [basis | Q]. */
function orthoError(basis: RowBasis, Q: Matrix): number {
  const all = zeros(Q.rows, basis.m + Q.cols);
  const B = basis.rowsView();
  for (let r = 0; r < Q.rows; r++) {
    for (let j = 0; j < basis.m; j++) all.data[r * all.cols + j] = B.data[j * Q.rows + r]!;
    for (let j = 0; j < Q.cols; j++) all.data[r * all.cols + basis.m + j] = Q.data[r * Q.cols + j]!;
  }
  const G = gemm(all, all, { transA: true });
  let e = 0;
  for (let i = 0; i < G.rows; i++) for (let j = 0; j < G.cols; j++) e = Math.max(e, Math.abs(G.data[i * G.cols + j]! - (i === j ? 1 : 0)));
  return e;
}

/** max |W − B H − Q R| relative to max |W|. */
function reconstructionError(W: Matrix, basis: RowBasis, o: { Q: Matrix; R: Matrix; H: Matrix }): number {
  const rec = gemm(o.Q, o.R);
  if (basis.m > 0) gemm(basis.rowsView(), o.H, { transA: true, out: rec, beta: 1 });
  let e = 0, s = 0;
  for (let i = 0; i < W.data.length; i++) {
    e = Math.max(e, Math.abs(W.data[i]! - rec.data[i]!));
    s = Math.max(s, Math.abs(W.data[i]!));
  }
  return e / s;
}

describe('row-stored basis and its block orthonormalisation', () => {
  const n = 300;
  it('Cholesky QR path: orthonormal to 1e-13 against the basis and inside the block; W = B H + Q R to 1e-13', () => {
    const basis = new RowBasis(n, 40, 8); // starts at 8 vectors, grows
    for (let step = 0; step < 4; step++) {
      const W = randomBlock(n, 8, step + 1);
      const o = orthonormalizeRows(W, basis, { local: 8 });
      expect(o.Q.cols).toBe(8);
      expect(o.deflated).toEqual([]);
      expect(orthoError(basis, o.Q)).toBeLessThan(1e-13);
      expect(reconstructionError(W, basis, o)).toBeLessThan(1e-13);
      basis.append(o.Q);
    }
    expect(basis.m).toBe(32);
  });

  it('a rank-deficient block falls back to deflation with random replacements that stay orthogonal', () => {
    const basis = new RowBasis(n, 40);
    const o0 = orthonormalizeRows(randomBlock(n, 6, 7), basis);
    basis.append(o0.Q);
    // columns: two in the basis' span, one repeated column
    const W = randomBlock(n, 4, 8);
    const inSpan = gemm(o0.Q, randomBlock(6, 2, 9));
    for (let r = 0; r < n; r++) {
      W.data[r * 4] = inSpan.data[r * 2]!;
      W.data[r * 4 + 1] = inSpan.data[r * 2 + 1]!;
      W.data[r * 4 + 3] = W.data[r * 4 + 2]!;
    }
    const o = orthonormalizeRows(W, basis, { rng: createRng(3) });
    expect(o.deflated.length).toBe(3);
    expect(o.Q.cols).toBe(4);
    expect(orthoError(basis, o.Q)).toBeLessThan(1e-12);
    expect(reconstructionError(W, basis, o)).toBeLessThan(1e-12);
  });

  it('inPlace: the same Q, R, H as the copying call, in the input\'s memory; the rank-deficient fallback recovers the input from its projection', () => {
    const basis = new RowBasis(n, 40);
    basis.append(orthonormalizeRows(randomBlock(n, 8, 21), basis).Q);
    // a well-conditioned block: Cholesky QR, the result in W's own memory
    const W = randomBlock(n, 8, 22);
    const want = orthonormalizeRows(W, basis, { local: 8 });
    const Win = { rows: n, cols: 8, data: W.data.slice() };
    const got = orthonormalizeRows(Win, basis, { local: 8, inPlace: true });
    expect(got.Q.data).toBe(Win.data);
    expect(got.Q.data).toEqual(want.Q.data);
    expect(got.R.data).toEqual(want.R.data);
    expect(got.H.data).toEqual(want.H.data);
    // a block with a column in the basis' span and a repeated column: the fallback sees W again
    const D = randomBlock(n, 4, 23);
    const B = basis.rowsView();
    for (let r = 0; r < n; r++) {
      D.data[r * 4] = B.data[r] + 2 * B.data[3 * n + r]!;
      D.data[r * 4 + 3] = D.data[r * 4 + 1]!;
    }
    const wantD = orthonormalizeRows(D, basis, { rng: createRng(5) });
    const gotD = orthonormalizeRows({ rows: n, cols: 4, data: D.data.slice() }, basis, { rng: createRng(5), inPlace: true });
    expect(gotD.deflated).toEqual(wantD.deflated);
    expect(orthoError(basis, gotD.Q)).toBeLessThan(1e-12);
    expect(reconstructionError(D, basis, gotD)).toBeLessThan(1e-12);
    let diff = 0;
    for (let i = 0; i < gotD.Q.data.length; i++) diff = Math.max(diff, Math.abs(gotD.Q.data[i]! - wantD.Q.data[i]!));
    expect(diff).toBeLessThan(1e-12);
  });

  it('rotateInPlace keeps Q S[:, :c] (checked against the explicit product to 1e-13)', () => {
    const basis = new RowBasis(n, 20);
    basis.append(orthonormalizeRows(randomBlock(n, 12, 11), basis).Q);
    const S = orthonormalizeRows(randomBlock(12, 12, 12), new RowBasis(12, 12)).Q; // 12 × 12 orthogonal
    const want = basis.times(S); // n × 12
    basis.rotateInPlace(S, 5);
    expect(basis.m).toBe(5);
    const got = basis.rowsView();
    let e = 0;
    for (let r = 0; r < n; r++) for (let c = 0; c < 5; c++) e = Math.max(e, Math.abs(got.data[c * n + r]! - want.data[r * 12 + c]!));
    expect(e).toBeLessThan(1e-13);
  });
});

/**
 * Complex vectors as separate real and imaginary Float64Arrays, with the few operations the
 * normal-form formulas need: bilinear/sesquilinear products, scaling, and solving `(A − z I) x = b`
 * for real `A` and complex `z`, `b` through the real 2N×2N embedding.
 */
import type { Matrix } from '../linalg/index.js';
import { solve, zeros } from '../linalg/index.js';

/** A complex vector `re + i·im`. */
export interface CVec {
  re: Float64Array;
  im: Float64Array;
}

/** A complex number. */
export interface Complex {
  re: number;
  im: number;
}

/** Bilinear product `Σ a_i b_i` (no conjugation). O(n). */
export function cdotu(a: CVec, b: CVec): Complex {
  let re = 0, im = 0;
  for (let i = 0; i < a.re.length; i++) {
    re += a.re[i]! * b.re[i]! - a.im[i]! * b.im[i]!;
    im += a.re[i]! * b.im[i]! + a.im[i]! * b.re[i]!;
  }
  return { re, im };
}

/** Sesquilinear product `⟨a, b⟩ = Σ conj(a_i) b_i` (Kuznetsov's convention). O(n). */
export function cdotc(a: CVec, b: CVec): Complex {
  return cdotu(conj(a), b);
}

/** Complex conjugate (new vector). */
export function conj(a: CVec): CVec {
  const im = new Float64Array(a.im.length);
  for (let i = 0; i < im.length; i++) im[i] = -a.im[i]!;
  return { re: a.re.slice(), im };
}

/** `z · a` (new vector). */
export function cscale(z: Complex, a: CVec): CVec {
  const n = a.re.length;
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = z.re * a.re[i]! - z.im * a.im[i]!;
    im[i] = z.re * a.im[i]! + z.im * a.re[i]!;
  }
  return { re, im };
}

/** `1 / z`. */
export function cinv(z: Complex): Complex {
  const d = z.re * z.re + z.im * z.im;
  return { re: z.re / d, im: -z.im / d };
}

/** `a · b` for complex numbers. */
export function cmul(a: Complex, b: Complex): Complex {
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}

/** A real vector as a complex one (copies). */
export function creal(x: Float64Array): CVec {
  return { re: x.slice(), im: new Float64Array(x.length) };
}

/** `sqrt(Σ |a_i|²)`. */
export function cnorm(a: CVec): number {
  let s = 0;
  for (let i = 0; i < a.re.length; i++) s += a.re[i]! * a.re[i]! + a.im[i]! * a.im[i]!;
  return Math.sqrt(s);
}

/**
 * A symmetric bilinear/trilinear real form extended to complex arguments by multilinearity.
 * `bilinearC(B, u, v)` = B(u.re + i u.im, v.re + i v.im), four real evaluations.
 */
export function bilinearC(B: (u: Float64Array, v: Float64Array) => Float64Array, u: CVec, v: CVec): CVec {
  const rr = B(u.re, v.re), ii = B(u.im, v.im), ri = B(u.re, v.im), ir = B(u.im, v.re);
  const n = rr.length;
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = rr[k]! - ii[k]!;
    im[k] = ri[k]! + ir[k]!;
  }
  return { re, im };
}

/** Trilinear `C(u, v, w)` for complex arguments, eight real evaluations. */
export function trilinearC(
  C: (u: Float64Array, v: Float64Array, w: Float64Array) => Float64Array,
  u: CVec,
  v: CVec,
  w: CVec,
): CVec {
  // expand (u.re + i u.im)(v.re + i v.im)(w.re + i w.im)
  const n = u.re.length;
  const re = new Float64Array(n), im = new Float64Array(n);
  const parts: [Float64Array, Float64Array, Float64Array, number, number][] = [
    [u.re, v.re, w.re, 1, 0],
    [u.re, v.re, w.im, 0, 1],
    [u.re, v.im, w.re, 0, 1],
    [u.im, v.re, w.re, 0, 1],
    [u.re, v.im, w.im, -1, 0],
    [u.im, v.re, w.im, -1, 0],
    [u.im, v.im, w.re, -1, 0],
    [u.im, v.im, w.im, 0, -1],
  ];
  for (const [a, b, c, cr, ci] of parts) {
    if (isZero(a) || isZero(b) || isZero(c)) continue;
    const t = C(a, b, c);
    for (let k = 0; k < n; k++) {
      re[k]! += cr * t[k]!;
      im[k]! += ci * t[k]!;
    }
  }
  return { re, im };
}

function isZero(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

/**
 * Solves `(A − z I) x = b` for real N×N `A` (transposed when `trans`), complex `z` and `b`,
 * through the real 2N×2N system `[[A−aI, bI], [−bI, A−aI]]`. Throws SingularMatrixError. O(N³).
 */
export function solveShifted(A: Matrix, z: Complex, b: CVec, trans = false): CVec {
  const n = A.rows;
  if (z.im === 0 && isZero(b.im)) {
    const M = zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) M.data[i * n + j] = (trans ? A.data[j * n + i]! : A.data[i * n + j]!) - (i === j ? z.re : 0);
    const x = solve(M, { rows: n, cols: 1, data: b.re.slice() }).data;
    return { re: x, im: new Float64Array(n) };
  }
  const m = 2 * n;
  const M = zeros(m, m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = (trans ? A.data[j * n + i]! : A.data[i * n + j]!) - (i === j ? z.re : 0);
      M.data[i * m + j] = v;
      M.data[(n + i) * m + n + j] = v;
    }
    // (A − z)(x + iy) = (A−a)x + b y + i((A−a)y − b x)
    M.data[i * m + n + i] = z.im;
    M.data[(n + i) * m + i] = -z.im;
  }
  const rhs = new Float64Array(m);
  rhs.set(b.re, 0);
  rhs.set(b.im, n);
  const x = solve(M, { rows: m, cols: 1, data: rhs }).data;
  return { re: x.slice(0, n), im: x.slice(n) };
}

/**
 * Symmetric eigen-decomposition on flat `Float64Array`s: Householder tridiagonalisation (tred2)
 * followed by the implicit QL algorithm (tql2), after EISPACK/JAMA (as in ml-matrix, whose
 * transposed-storage port this follows), with an iteration cap.
 *
 * The work array `v` holds the eigenvector matrix transposed (`v[k*n + i]` is component `i` of
 * vector `k`), which makes the hot loops contiguous and each eigenvector a contiguous row.
 */
import { ConvergenceError } from '../errors.js';

function hypot(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  if (x > y) {
    const r = y / x;
    return x * Math.sqrt(1 + r * r);
  }
  if (y !== 0) {
    const r = x / y;
    return y * Math.sqrt(1 + r * r);
  }
  return 0;
}

/**
 * Eigenvalues (ascending) and eigenvectors of the symmetric `n × n` matrix given in `v`
 * (row-major, full and symmetric; overwritten). On return `d` holds the eigenvalues and row `k`
 * of `v` the unit eigenvector of `d[k]`. Throws ConvergenceError if QL needs more than 30·n
 * sweeps for one eigenvalue. Cost ≈ 9n³ flops with vectors.
 */
export function tridiagQlInPlace(n: number, v: Float64Array, d: Float64Array): void {
  const e = new Float64Array(n);
  if (n === 0) return;
  tred2(n, e, d, v);
  tql2(n, e, d, v);
}

function tred2(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
  let f: number, g: number, h: number, hh: number, scale: number;
  for (let j = 0; j < n; j++) d[j] = V[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    scale = 0;
    h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + i - 1]!;
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k]! /= scale;
        h += d[k]! * d[k]!;
      }
      f = d[i - 1]!;
      g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        V[i * n + j] = f;
        const rj = j * n;
        g = e[j]! + V[rj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vjk = V[rj + k]!;
          g += vjk * d[k]!;
          e[k]! += vjk * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j]! /= h;
        f += e[j]! * d[j]!;
      }
      hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j]! -= hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const rj = j * n;
        for (let k = j; k <= i - 1; k++) V[rj + k]! -= f * e[k]! + g * d[k]!;
        d[j] = V[rj + i - 1]!;
        V[rj + i] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[i * n + n - 1] = V[i * n + i]!;
    V[i * n + i] = 1;
    h = d[i + 1]!;
    const ri1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[ri1 + k]! / h;
      for (let j = 0; j <= i; j++) {
        const rj = j * n;
        g = 0;
        for (let k = 0; k <= i; k++) g += V[ri1 + k]! * V[rj + k]!;
        for (let k = 0; k <= i; k++) V[rj + k]! -= g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) V[ri1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + n - 1]!;
    V[j * n + n - 1] = 0;
  }
  V[n * n - 1] = 1;
  e[0] = 0;
}

function tql2(n: number, e: Float64Array, d: Float64Array, V: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  const maxIter = 30 * Math.max(n, 1);
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]!) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > maxIter) throw new ConvergenceError(`symmetricEigen: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i]! -= h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1]!;
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const r0 = i * n, r1 = r0 + n;
          for (let k = 0; k < n; k++) {
            const hk = V[r1 + k]!;
            const vk = V[r0 + k]!;
            V[r1 + k] = s * vk + c * hk;
            V[r0 + k] = c * vk - s * hk;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  // Selection sort, ascending, swapping eigenvector rows.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i]!;
    for (let j = i + 1; j < n; j++) {
      if (d[j]! < p) {
        k = j;
        p = d[j]!;
      }
    }
    if (k !== i) {
      d[k] = d[i]!;
      d[i] = p;
      const ri = i * n, rk = k * n;
      for (let j = 0; j < n; j++) {
        const t = V[ri + j]!;
        V[ri + j] = V[rk + j]!;
        V[rk + j] = t;
      }
    }
  }
}

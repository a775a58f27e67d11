/**
 * Eigenvalues (no vectors) of a general real square matrix: diagonal balancing (radix 2, no
 * permutations, like LAPACK dgebal 'S'), Householder reduction to upper Hessenberg form without
 * accumulating Q, then the implicit double-shift Francis QR iteration restricted to the active
 * (unreduced) block, in the manner of EISPACK `hqr`.
 *
 * Conventions: a real eigenvalue has `im` exactly 0; a complex conjugate pair occupies adjacent
 * slots, `+Im` first, with bit-identical real parts and opposite imaginary parts. Eigenvalues lie
 * at the position where they deflated in the quasi-triangular Schur form (like ml-matrix's hqr2),
 * but two different QR runs need not deflate in the same order, so callers must treat the result
 * as a multiset (all sntk callers sort or reduce it).
 *
 * All arrays are flat, row-major `Float64Array`s of length n·n; the input is overwritten.
 */
import { ConvergenceError, assertFinite } from '../errors.js';

const EPS = Number.EPSILON;

/**
 * Balances the row-major `n × n` matrix `a` in place by a diagonal similarity `D⁻¹ A D` with
 * power-of-two entries (exact), so that each row and column pair has comparable 1-norms.
 * Eigenvalues are unchanged. Cost O(n²) per sweep, a few sweeps.
 */
export function balanceInPlace(n: number, a: Float64Array): void {
  const RADIX = 2;
  const R2 = RADIX * RADIX;
  let done = false;
  for (let sweep = 0; !done && sweep < 100; sweep++) {
    done = true;
    for (let i = 0; i < n; i++) {
      let c = 0;
      let r = 0;
      const ro = i * n;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        c += Math.abs(a[j * n + i]!);
        r += Math.abs(a[ro + j]!);
      }
      if (c === 0 || r === 0) continue;
      let g = r / RADIX;
      let f = 1;
      const s = c + r;
      // Bounded loops: f stays within 2^±400, far from overflow for a matrix scaled to max 1.
      while (c < g && f < 2 ** 400) {
        f *= RADIX;
        c *= R2;
      }
      g = r * RADIX;
      while (c >= g && f > 2 ** -400) {
        f /= RADIX;
        c /= R2;
      }
      if ((c + r) / f < 0.95 * s) {
        done = false;
        const fi = 1 / f;
        for (let j = 0; j < n; j++) a[ro + j]! *= fi;
        for (let j = 0; j < n; j++) a[j * n + i]! *= f;
      }
    }
  }
}

/**
 * Reduces the row-major `n × n` matrix `a` in place to upper Hessenberg form `Qᵀ A Q` by
 * Householder reflections, without forming `Q`; entries below the first subdiagonal are set to 0.
 * Cost ≈ 10/3·n³ flops.
 */
export function hessenbergInPlace(n: number, a: Float64Array): void {
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const m = k + 1;
    let scale = 0;
    for (let i = m; i < n; i++) scale += Math.abs(a[i * n + k]!);
    if (scale === 0) continue;
    let h = 0;
    for (let i = m; i < n; i++) {
      const x = a[i * n + k]! / scale;
      v[i] = x;
      h += x * x;
    }
    const g = v[m]! > 0 ? -Math.sqrt(h) : Math.sqrt(h);
    h -= v[m]! * g;
    v[m] = v[m]! - g;
    // Reflector P = I − v vᵀ / h. Left: A ← P A on rows m.., columns m.. (column k set below).
    w.fill(0, m, n);
    for (let i = m; i < n; i++) {
      const vi = v[i]!;
      const ro = i * n;
      for (let j = m; j < n; j++) w[j]! += vi * a[ro + j]!;
    }
    for (let j = m; j < n; j++) w[j] = w[j]! / h;
    for (let i = m; i < n; i++) {
      const vi = v[i]!;
      const ro = i * n;
      for (let j = m; j < n; j++) a[ro + j]! -= vi * w[j]!;
    }
    // Right: A ← A P on all rows, columns m..
    for (let i = 0; i < n; i++) {
      const ro = i * n;
      let f = 0;
      for (let j = m; j < n; j++) f += a[ro + j]! * v[j]!;
      f /= h;
      for (let j = m; j < n; j++) a[ro + j]! -= f * v[j]!;
    }
    a[m * n + k] = scale * g;
    for (let i = m + 1; i < n; i++) a[i * n + k] = 0;
  }
}

/**
 * Eigenvalues of the upper Hessenberg row-major `n × n` matrix `h` (overwritten) by the implicit
 * double-shift QR iteration, values only: each sweep touches only the active block. Deflates
 * when `|h[l][l−1]| ≤ ε(|h[l−1][l−1]| + |h[l][l]|)`; exceptional shifts every 10 iterations
 * on one block; throws ConvergenceError after `maxSweeps` (default 30·n) sweeps in total. Cost ≈ 4–6·n³ flops
 * (empirically about 2 sweeps per eigenvalue).
 */
export function hessenbergQrValues(n: number, h: Float64Array, re: Float64Array, im: Float64Array, maxSweeps = 30 * Math.max(n, 1)): void {
  let norm = 0;
  for (let i = 0; i < n; i++) for (let j = Math.max(i - 1, 0); j < n; j++) norm += Math.abs(h[i * n + j]!);
  let sweeps = 0;
  let shift = 0; // accumulated exceptional shift, subtracted from the diagonal
  let hi = n - 1;
  let its = 0; // iterations on the current block (reset on each deflation)
  const H = (i: number, j: number): number => h[i * n + j]!;
  while (hi >= 0) {
    // Find the start `lo` of the unreduced block ending at `hi`.
    let lo = hi;
    for (; lo > 0; lo--) {
      let s = Math.abs(H(lo - 1, lo - 1)) + Math.abs(H(lo, lo));
      if (s === 0) s = norm;
      if (Math.abs(H(lo, lo - 1)) <= EPS * s) {
        h[lo * n + lo - 1] = 0;
        break;
      }
    }
    let x = H(hi, hi);
    if (lo === hi) {
      re[hi] = x + shift;
      im[hi] = 0;
      hi -= 1;
      its = 0;
      continue;
    }
    let y = H(hi - 1, hi - 1);
    let w = H(hi, hi - 1) * H(hi - 1, hi);
    if (lo === hi - 1) {
      // Trailing 2×2 block: its two eigenvalues in closed form.
      const p = 0.5 * (y - x);
      const q = p * p + w;
      const z = Math.sqrt(Math.abs(q));
      x += shift;
      if (q >= 0) {
        const zz = p + (p >= 0 ? z : -z);
        re[hi - 1] = x + zz;
        re[hi] = zz !== 0 ? x - w / zz : x + zz;
        im[hi - 1] = 0;
        im[hi] = 0;
      } else {
        re[hi - 1] = x + p;
        re[hi] = x + p;
        im[hi - 1] = z;
        im[hi] = -z;
      }
      hi -= 2;
      its = 0;
      continue;
    }
    if (sweeps >= maxSweeps) {
      throw new ConvergenceError(
        `generalEigen: Hessenberg QR did not converge after ${sweeps} sweeps (limit ${maxSweeps}) for a ${n}×${n} matrix; ${hi + 1} eigenvalues left`,
      );
    }
    if (its > 0 && its % 10 === 0) {
      // Exceptional shift: break a possible cycle with an ad-hoc shift.
      shift += x;
      for (let i = 0; i <= hi; i++) h[i * n + i]! -= x;
      const s = Math.abs(H(hi, hi - 1)) + Math.abs(H(hi - 1, hi - 2));
      x = 0.75 * s;
      y = x;
      w = -0.4375 * s * s;
    }
    its++;
    sweeps++;
    // Choose where the bulge starts: the lowest m ≥ lo with two consecutive small subdiagonals.
    let m = hi - 2;
    let p = 0, q = 0, r = 0;
    for (; m >= lo; m--) {
      const z = H(m, m);
      const rr = x - z;
      const ss = y - z;
      p = (rr * ss - w) / H(m + 1, m) + H(m, m + 1);
      q = H(m + 1, m + 1) - z - rr - ss;
      r = H(m + 2, m + 1);
      const s = Math.abs(p) + Math.abs(q) + Math.abs(r);
      p /= s;
      q /= s;
      r /= s;
      if (m === lo) break;
      const u = Math.abs(H(m, m - 1)) * (Math.abs(q) + Math.abs(r));
      const v = Math.abs(p) * (Math.abs(H(m - 1, m - 1)) + Math.abs(z) + Math.abs(H(m + 1, m + 1)));
      if (u <= EPS * v) break;
    }
    for (let i = m + 2; i <= hi; i++) {
      h[i * n + i - 2] = 0;
      if (i !== m + 2) h[i * n + i - 3] = 0;
    }
    // Chase the bulge down rows/columns m..hi with 3×3 (last: 2×2) reflectors.
    for (let k = m; k <= hi - 1; k++) {
      const notLast = k !== hi - 1;
      let scale = 1;
      if (k !== m) {
        p = H(k, k - 1);
        q = H(k + 1, k - 1);
        r = notLast ? H(k + 2, k - 1) : 0;
        scale = Math.abs(p) + Math.abs(q) + Math.abs(r);
        if (scale === 0) continue;
        p /= scale;
        q /= scale;
        r /= scale;
      }
      const nrm = Math.sqrt(p * p + q * q + r * r);
      const s = p >= 0 ? nrm : -nrm;
      if (s === 0) continue;
      if (k === m) {
        if (lo !== m) h[k * n + k - 1] = -H(k, k - 1);
      } else {
        h[k * n + k - 1] = -s * scale;
      }
      p += s;
      const vx = p / s;
      const vy = q / s;
      const vz = r / s;
      q /= p;
      r /= p;
      // Rows k..k+2, columns k..hi.
      const r0 = k * n, r1 = r0 + n, r2 = r1 + n;
      if (notLast) {
        for (let j = k; j <= hi; j++) {
          const t = h[r0 + j]! + q * h[r1 + j]! + r * h[r2 + j]!;
          h[r0 + j]! -= t * vx;
          h[r1 + j]! -= t * vy;
          h[r2 + j]! -= t * vz;
        }
      } else {
        for (let j = k; j <= hi; j++) {
          const t = h[r0 + j]! + q * h[r1 + j]!;
          h[r0 + j]! -= t * vx;
          h[r1 + j]! -= t * vy;
        }
      }
      // Columns k..k+2, rows lo..min(hi, k+3).
      const iEnd = Math.min(hi, k + 3);
      if (notLast) {
        for (let i = lo; i <= iEnd; i++) {
          const o = i * n + k;
          const t = vx * h[o]! + vy * h[o + 1]! + vz * h[o + 2]!;
          h[o]! -= t;
          h[o + 1]! -= t * q;
          h[o + 2]! -= t * r;
        }
      } else {
        for (let i = lo; i <= iEnd; i++) {
          const o = i * n + k;
          const t = vx * h[o]! + vy * h[o + 1]!;
          h[o]! -= t;
          h[o + 1]! -= t * q;
        }
      }
    }
  }
}

/**
 * Eigenvalues of the general real row-major `n × n` matrix `a` (not modified): balancing,
 * Hessenberg reduction and double-shift QR, no eigenvectors. `a` should be finite and scaled to
 * a moderate range (the caller, `generalEigenMl`, divides by a power of two first). Returns
 * `re`, `im` of length n (see the module comment for the order). Throws NonFiniteError on a
 * NaN/Inf entry, ConvergenceError when the QR iteration does not converge.
 * Cost ≈ 10/3·n³ (reduction) + ≈ 4–6·n³ (QR) flops, O(n²) memory.
 */
export function generalEigenValuesHqr(n: number, a: Float64Array): { re: Float64Array; im: Float64Array } {
  assertFinite(a.subarray(0, n * n), 'generalEigen: input matrix');
  const h = Float64Array.from(a.subarray(0, n * n));
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  if (n === 0) return { re, im };
  balanceInPlace(n, h);
  hessenbergInPlace(n, h);
  hessenbergQrValues(n, h, re, im);
  return { re, im };
}

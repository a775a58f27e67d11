/** Small float64 vector kernels on `Float64Array`. All O(n). */
import { ShapeError } from '../errors.js';

function same(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) throw new ShapeError(`${what}: lengths ${a.length} and ${b.length} differ`);
}

/** `Σ a_i b_i`. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  same(a, b, 'dot');
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Euclidean norm, computed with scaling so that it neither overflows nor underflows. */
export function norm2(a: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! / scale;
    s += v * v;
  }
  return scale * Math.sqrt(s);
}

/** `y ← y + α x` in place. */
export function axpy(alpha: number, x: ArrayLike<number>, y: Float64Array): void {
  same(x, y, 'axpy');
  for (let i = 0; i < y.length; i++) y[i]! += alpha * x[i]!;
}

/** `x ← α x` in place. */
export function scaleInPlace(alpha: number, x: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i]! *= alpha;
}

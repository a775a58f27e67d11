/**
 * Hyper-dual numbers with three nilpotent infinitesimals ε₁, ε₂, ε₃ (εᵢ² = 0), vectorised over N
 * entries: exact (not finite-difference) mixed directional derivatives up to third order.
 * A jet is a `Float64Array(8·N)`; component `S ⊆ {1,2,3}` (bitmask 0..7) at offset `S·N` holds the
 * coefficient of `Π_{i∈S} εᵢ`. Used for the GRU's second and third derivatives (internal).
 */

/** Scalar function with three derivatives (for `applyJet`). */
export interface ScalarFn3 {
  phi(x: number): number;
  d1(x: number): number;
  d2(x: number): number;
  d3(x: number): number;
}

/** `out[S] (+)= Σ_{A ⊔ B = S} M_A · v[B]` where `M_∅ = mats[0]`, `M_{i} = dirs[i]` (same block, may be null). */
export function linJet(
  mat: Float64Array,
  dirs: readonly (Float64Array | null)[],
  offset: number,
  rows: number,
  cols: number,
  v: Float64Array,
  out: Float64Array,
): void {
  for (let S = 0; S < 8; S++) {
    addMatvec(mat, offset, rows, cols, v, (S * cols) | 0, out, S * rows);
    for (let i = 0; i < 3; i++) {
      const bit = 1 << i;
      const d = dirs[i];
      if (d && S & bit) addMatvec(d, offset, rows, cols, v, (S ^ bit) * cols, out, S * rows);
    }
  }
}

function addMatvec(m: Float64Array, off: number, rows: number, cols: number, v: Float64Array, vo: number, out: Float64Array, oo: number): void {
  let nz = false;
  for (let j = 0; j < cols; j++) if (v[vo + j] !== 0) { nz = true; break; }
  if (!nz) return;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const mi = off + i * cols;
    for (let j = 0; j < cols; j++) s += m[mi + j]! * v[vo + j]!;
    out[oo + i]! += s;
  }
}

/** `out = g(x)` componentwise by Faà di Bruno (exact to third order in the εᵢ). */
export function applyJet(g: ScalarFn3, x: Float64Array, n: number, out: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const x0 = x[k]!;
    const g1 = g.d1(x0);
    const g2 = g.d2(x0);
    const g3 = g.d3(x0);
    const x1 = x[n + k]!, x2 = x[2 * n + k]!, x4 = x[4 * n + k]!;
    const x3 = x[3 * n + k]!, x5 = x[5 * n + k]!, x6 = x[6 * n + k]!, x7 = x[7 * n + k]!;
    out[k] = g.phi(x0);
    out[n + k] = g1 * x1;
    out[2 * n + k] = g1 * x2;
    out[4 * n + k] = g1 * x4;
    out[3 * n + k] = g1 * x3 + g2 * x1 * x2;
    out[5 * n + k] = g1 * x5 + g2 * x1 * x4;
    out[6 * n + k] = g1 * x6 + g2 * x2 * x4;
    out[7 * n + k] = g1 * x7 + g2 * (x1 * x6 + x2 * x5 + x4 * x3) + g3 * x1 * x2 * x4;
  }
}

/** `out = a · b` (jet product: `out[S] = Σ_{A ⊆ S} a[A] b[S∖A]`). `out` must not alias. */
export function mulJet(a: Float64Array, b: Float64Array, n: number, out: Float64Array): void {
  for (let S = 0; S < 8; S++) {
    for (let k = 0; k < n; k++) {
      let s = 0;
      // enumerate subsets A of S
      for (let A = S; ; A = (A - 1) & S) {
        s += a[A * n + k]! * b[(S ^ A) * n + k]!;
        if (A === 0) break;
      }
      out[S * n + k] = s;
    }
  }
}

/** A jet whose ε-free part is `v0` and whose εᵢ parts are `dirs[i]` (null = 0). */
export function seedJet(v0: Float64Array, dirs: readonly (Float64Array | null)[], n: number): Float64Array {
  const j = new Float64Array(8 * n);
  j.set(v0, 0);
  for (let i = 0; i < 3; i++) {
    const d = dirs[i];
    if (d) j.set(d, (1 << i) * n);
  }
  return j;
}

/**
 * The project's seeded random numbers, bit-for-bit deterministic across platforms.
 *
 * Generator: xoshiro128** (Blackman & Vigna) on four uint32 words, seeded through splitmix32, all
 * in `Math.imul`/shift integer arithmetic. `uniform()` uses 53 random bits. `normal()` is
 * Marsaglia's polar method with our own natural logarithm built from IEEE-exact operations only
 * (+ − × ÷ and `Math.sqrt`, which IEEE 754 requires to be correctly rounded), so no
 * platform-dependent libm call (`Math.log`, `Math.cos`) touches the stream.
 *
 * Every random draw in sntk takes an explicit `Rng` (no hidden global state).
 */
import type { Matrix } from './matrix.js';
import { zeros } from './matrix.js';
import { InputError } from '../errors.js';
import { householderQr } from './qr.js';

/** A seeded pseudo-random generator. */
export interface Rng {
  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Fills `a` with independent standard normals (in place). Cost O(a.length). */
  fillNormal(a: Float64Array): void;
  /** Fills `a` with independent uniforms on [0, 1) (in place). */
  fillUniform(a: Float64Array): void;
  /** Uniform integer in `[0, n)`, unbiased, `n` a positive integer ≤ 2^53. */
  int(n: number): number;
  /** The next raw 32-bit output (unsigned). */
  nextUint32(): number;
  /** A new, independent generator seeded from this one's stream (advances this one). */
  fork(): Rng;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const LN2 = 0.6931471805599453;
const SQRT1_2 = 0.7071067811865476;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Index of the high word of a float64 in the platform's byte order.
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Natural logarithm of a positive finite `x` using only IEEE-exact arithmetic
 * (exponent split + atanh series), accurate to a few ulp; deterministic on every platform.
 */
export function detLog(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) {
    if (x === 0) return -Infinity;
    return x === Infinity ? Infinity : NaN;
  }
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54
    e = -54;
  }
  f64[0] = x;
  const hi = u32[HI]!;
  e += ((hi >>> 20) & 0x7ff) - 1023;
  u32[HI] = (hi & 0x000fffff) | 0x3ff00000; // mantissa in [1, 2)
  let m = f64[0]!;
  if (m > 1 / SQRT1_2) {
    m *= 0.5;
    e += 1;
  }
  // ln m = 2 atanh(s), s = (m-1)/(m+1), |s| ≤ 0.1716
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let term = s;
  let sum = s;
  for (let j = 3; j <= 31; j += 2) {
    term *= s2;
    sum += term / j;
  }
  return e * LN2 + 2 * sum;
}

/**
 * A generator from a seed: any finite number (its integer part's low 53 bits are used, so
 * seeds 1 and 1.5 coincide) or a string (hashed). Cost O(1).
 *
 * @param seed - a finite number or a string.
 * @returns a seeded generator (uniform, normal, fills).
 * @throws {@link sntk!InputError} for a non-finite seed.
 */
export function createRng(seed: number | string): Rng {
  let lo: number;
  let hi: number;
  if (typeof seed === 'string') {
    let h1 = 0x811c9dc5, h2 = 0x01000193;
    for (let i = 0; i < seed.length; i++) {
      const ch = seed.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 0x01000193);
      h2 = Math.imul(h2 ^ ch, 0x5bd1e995) ^ (h2 >>> 15);
    }
    lo = h1 >>> 0;
    hi = h2 >>> 0;
  } else {
    if (!Number.isFinite(seed)) throw new InputError(`random seed must be a finite number, got ${seed}`);
    const t = Math.trunc(Math.abs(seed)) % 9007199254740992;
    lo = t % 4294967296 >>> 0;
    hi = (Math.floor(t / 4294967296) ^ (seed < 0 ? 0x80000000 : 0)) >>> 0;
  }
  const st = { s: (lo ^ Math.imul(hi, 0x9e3779b1)) | 0 };
  let s0 = splitmix32(st) ^ hi;
  let s1 = splitmix32(st);
  let s2 = splitmix32(st) ^ lo;
  let s3 = splitmix32(st);
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  s0 |= 0; s1 |= 0; s2 |= 0; s3 |= 0;

  function next(): number {
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }
  function uniform(): number {
    const a = next() >>> 5; // 27 bits
    const b = next() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }
  let spare = 0;
  let hasSpare = false;
  function normal(): number {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * detLog(s)) / s);
    spare = v * f;
    hasSpare = true;
    return u * f;
  }
  const rng: Rng = {
    uniform,
    normal,
    nextUint32: next,
    fillNormal(a) {
      for (let i = 0; i < a.length; i++) a[i] = normal();
    },
    fillUniform(a) {
      for (let i = 0; i < a.length; i++) a[i] = uniform();
    },
    int(n) {
      if (!Number.isInteger(n) || n <= 0 || n > 9007199254740992) {
        throw new InputError(`rng.int: n must be a positive integer ≤ 2^53, got ${n}`);
      }
      if (n <= 4294967296) {
        // Rejection on 32 bits: unbiased.
        const limit = 4294967296 - (4294967296 % n);
        let r: number;
        do r = next(); while (r >= limit);
        return r % n;
      }
      let r: number;
      const limit = 9007199254740992 - (9007199254740992 % n);
      do r = uniform() * 9007199254740992; while (r >= limit);
      return r % n;
    },
    fork() {
      return createRng(next() * 2097152 + (next() >>> 11));
    },
  };
  return rng;
}

/** An `r × c` matrix of independent standard normals. Cost O(r·c). */
export function randomNormalMatrix(rows: number, cols: number, rng: Rng): Matrix {
  const M = zeros(rows, cols);
  rng.fillNormal(M.data);
  return M;
}

/**
 * A Haar-distributed random orthogonal `n × n` matrix: Householder QR of a Gaussian matrix with
 * the signs fixed so that `R` has a positive diagonal (Mezzadri 2007). Cost O(n³).
 */
export function randomOrthogonal(n: number, rng: Rng): Matrix {
  const G = randomNormalMatrix(n, n, rng);
  const { Q, R } = householderQr(G);
  const q = Q.data;
  for (let j = 0; j < n; j++) {
    if (R.data[j * n + j]! < 0) for (let i = 0; i < n; i++) q[i * n + j] = -q[i * n + j]!;
  }
  return Q;
}

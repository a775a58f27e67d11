/**
 * Random probe blocks and running sample statistics for the stochastic trace estimators.
 * Internal to `linalg/iterative`.
 */
import type { Matrix } from '../matrix.js';
import { zeros } from '../matrix.js';
import type { Rng } from '../random.js';
import { InputError } from '../../errors.js';

/** Distribution of probe entries: ±1 with equal probability, or standard normal. Both have E[z zᵀ] = I. */
export type ProbeDistribution = 'rademacher' | 'gaussian';

/** An `n × s` block of independent probe entries (written into `into`, `n·s` doubles, when given). Cost O(n·s). */
export function probeBlock(n: number, s: number, rng: Rng, dist: ProbeDistribution, into?: Float64Array): Matrix {
  const Z = into && into.length === n * s ? { rows: n, cols: s, data: into } : zeros(n, s);
  if (dist === 'gaussian') rng.fillNormal(Z.data);
  else if (dist === 'rademacher') {
    const z = Z.data;
    let i = 0;
    while (i < z.length) {
      let bits = rng.nextUint32();
      for (let t = 0; t < 32 && i < z.length; t++, i++) {
        z[i] = bits & 1 ? 1 : -1;
        bits >>>= 1;
      }
    }
  } else throw new InputError(`probe distribution must be 'rademacher' or 'gaussian', got '${String(dist)}'`);
  return Z;
}

/** Welford accumulator of the mean/variance (and covariance) of paired samples. */
export class PairStats {
  count = 0;
  meanA = 0;
  meanB = 0;
  m2A = 0;
  m2B = 0;
  cAB = 0;
  /** Adds one sample `(a, b)`. */
  push(a: number, b: number): void {
    this.count++;
    const da = a - this.meanA;
    const db = b - this.meanB;
    this.meanA += da / this.count;
    this.meanB += db / this.count;
    this.m2A += da * (a - this.meanA);
    this.m2B += db * (b - this.meanB);
    this.cAB += da * (b - this.meanB);
  }
  /** Variance of the mean of `a` (sample variance / count); Infinity with fewer than 2 samples. */
  varMeanA(): number {
    return this.count < 2 ? Infinity : this.m2A / (this.count - 1) / this.count;
  }
  /** Variance of the mean of `b`. */
  varMeanB(): number {
    return this.count < 2 ? Infinity : this.m2B / (this.count - 1) / this.count;
  }
  /** Covariance of the two means. */
  covMeans(): number {
    return this.count < 2 ? 0 : this.cAB / (this.count - 1) / this.count;
  }
}

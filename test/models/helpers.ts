/** Shared helpers of the models tests (finite differences, random data, error measures). */
import type { Cell, CellKind, ActivationName, Model, StepCache, Trajectory, ModelSpec } from '../../src/models/index.js';
import { defineSpec, randomModel } from '../../src/models/index.js';
import { createRng, type Rng } from '../../src/linalg/random.js';

export const CELLS: CellKind[] = ['vanilla', 'leaky', 'rate', 'gru'];
export const ACTS: ActivationName[] = ['tanh', 'relu', 'identity', 'softplus'];
export const COMBOS: [CellKind, ActivationName][] = CELLS.flatMap((c) => ACTS.map((a) => [c, a] as [CellKind, ActivationName]));

/** Central-difference step used by every FD check in test/models. */
export const FD_STEP = 1e-6;

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** ‖a − b‖ / max(‖a‖, ‖b‖, floor). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 0): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = a[i]! - b[i]!;
  const s = Math.max(norm(a), norm(b), floor);
  return s === 0 ? 0 : norm(d) / s;
}

export function randn(rng: Rng, n: number, scale = 1): Float64Array {
  const a = new Float64Array(n);
  rng.fillNormal(a);
  for (let i = 0; i < n; i++) a[i]! *= scale;
  return a;
}

export function axpy(a: Float64Array, s: number, d: Float64Array): Float64Array {
  const o = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! + s * d[i]!;
  return o;
}

/** Central difference of a vector function along `v`: (F(x + εv) − F(x − εv)) / 2ε. */
export function fdDir(F: (x: Float64Array) => Float64Array, x: Float64Array, v: Float64Array, eps = FD_STEP): Float64Array {
  const p = F(axpy(x, eps, v));
  const m = F(axpy(x, -eps, v));
  const o = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) o[i] = (p[i]! - m[i]!) / (2 * eps);
  return o;
}

/** Central-difference gradient of a scalar function (coordinate-wise). */
export function fdGrad(F: (x: Float64Array) => number, x: Float64Array, eps = FD_STEP): Float64Array {
  const g = new Float64Array(x.length);
  const y = x.slice();
  for (let i = 0; i < x.length; i++) {
    const x0 = y[i]!;
    y[i] = x0 + eps;
    const fp = F(y);
    y[i] = x0 - eps;
    const fm = F(y);
    y[i] = x0;
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

export function spec(cell: CellKind, activation: ActivationName, N: number, D: number, O = 0): ModelSpec {
  return defineSpec({ cell, activation, hiddenSize: N, inputSize: D, outputSize: O, alpha: cell === 'leaky' || cell === 'rate' ? 0.3 : undefined });
}

export function model(cell: CellKind, activation: ActivationName, N: number, D: number, seed: number, O = 0): Model {
  return randomModel(spec(cell, activation, N, D, O), seed, { gain: 0.9, biasScale: 0.3 });
}

/** Distance of a step's non-smooth arguments from relu's kink (Infinity for smooth activations). */
export function kinkDistance(cell: Cell, c: StepCache): number {
  if (cell.spec.activation !== 'relu') return Infinity;
  const a: Float64Array =
    cell.spec.cell === 'rate' ? c.h : cell.spec.cell === 'gru' ? (c as unknown as { an: Float64Array }).an : (c as unknown as { a: Float64Array }).a;
  let m = Infinity;
  for (let i = 0; i < a.length; i++) m = Math.min(m, Math.abs(a[i]!));
  return m;
}

export function trajKinkDistance(m: Model, tr: Trajectory): number {
  let d = Infinity;
  for (const c of tr.caches) d = Math.min(d, kinkDistance(m.cell, c));
  return d;
}

export { createRng };
export type { Rng };

/**
 * Low-rank natural gradient (docs/theory.md §10). Keeps `m` orthonormal vectors `V` (m = k + 1 when the
 * damping is `λ̄ = Λ_{k+1}`, m = k with a fixed damping) in the trainable subspace, refined by one
 * warm-started subspace iteration per step from the Fisher products `Z = F_y V` that the fused
 * sweep delivers. Rayleigh–Ritz on `(V, Z)` gives Ritz pairs `(Λ_i, v_i)` (descending); the update is
 *   `Δθ = −η [g − Σ_{i≤k} Λ_i/(Λ_i + λ̄) (v_i·g) v_i]`,
 * i.e. `λ̄ (F_y + λ̄ I)⁻¹ g` inside the top-k subspace and `g` outside it. The next `V` is the
 * orthonormalised `Z` (rotated to Ritz order). In adaptive mode the correction (and the extra
 * directions in the sweep) only run while `setActive(true)`.
 */
import type { Optimizer, OptimizerState, StepContext } from './types.js';
import { arr, f64 } from './types.js';
import { symmetricEigen } from '../../linalg/index.js';
import { createRng } from '../../linalg/random.js';
import { InputError, ShapeError } from '../../errors.js';

/** Options of `lowRankNaturalGradient`. */
export interface NatGradOptions {
  learningRate: number;
  /** Number of damped directions (default 2). */
  k?: number;
  /** 'next' (λ̄ = Λ_{k+1}, default) or a fixed positive number. */
  damping?: 'next' | number;
  /** λ̄ is at least `dampingFloor · Λ_1` (default 1e-3; guards a vanishing Λ_{k+1}). */
  dampingFloor?: number;
  /** Extra subspace iterations (separate sweeps) the first time the subspace is used (default 5). */
  warmup?: number;
  /** Seed of the random initial subspace. */
  seed?: number;
  /** Adaptive mode: start inactive (plain gradient steps, no extra directions) until `setActive(true)`. */
  adaptive?: boolean;
  /** Heavy-ball momentum applied to the preconditioned gradient (default 0). */
  momentum?: number;
}

/** The natural-gradient optimizer, with its adaptive switch and diagnostics. */
export interface NatGradOptimizer extends Optimizer {
  /** Switches the low-rank correction on or off (adaptive mode; the monitor drives it). */
  setActive(on: boolean): void;
  isActive(): boolean;
  /** Ritz values of the last step (descending), or empty. */
  ritzValues(): Float64Array;
  /** Ritz vectors of the last step. */
  ritzVectors(): Float64Array[];
}

function dotv(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Orthonormalises the columns (modified Gram–Schmidt, twice), replacing degenerate ones by
 * seeded random vectors in the mask. Cost O(m²·P).
 */
export function orthonormalize(V: Float64Array[], mask: Uint8Array | undefined, seed: number): Float64Array[] {
  const out: Float64Array[] = [];
  const rng = createRng(seed);
  for (const v0 of V) {
    let v = v0.slice();
    for (let attempt = 0; ; attempt++) {
      const n0 = Math.sqrt(dotv(v, v));
      for (let pass = 0; pass < 2; pass++) {
        for (const q of out) {
          const c = dotv(q, v);
          for (let i = 0; i < v.length; i++) v[i]! -= c * q[i]!;
        }
      }
      const n = Math.sqrt(dotv(v, v));
      if (n > 1e-10 * Math.max(n0, 1e-300) && n > 0) {
        for (let i = 0; i < v.length; i++) v[i]! /= n;
        break;
      }
      if (attempt > 20) throw new ShapeError('orthonormalize: trainable subspace is smaller than the number of vectors');
      v = new Float64Array(v0.length);
      rng.fillNormal(v);
      if (mask) for (let i = 0; i < v.length; i++) if (!mask[i]) v[i] = 0;
    }
    out.push(v);
  }
  return out;
}

/** Rayleigh–Ritz on `(V, Z = F V)`: Ritz values descending and rotated `V`, `Z`. Cost O(m²·P + m³). */
export function rayleighRitz(V: Float64Array[], Z: Float64Array[]): { values: Float64Array; V: Float64Array[]; Z: Float64Array[] } {
  const m = V.length;
  const S = { rows: m, cols: m, data: new Float64Array(m * m) };
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      const s = 0.5 * (dotv(V[i]!, Z[j]!) + dotv(V[j]!, Z[i]!));
      S.data[i * m + j] = s;
      S.data[j * m + i] = s;
    }
  }
  const eig = symmetricEigen(S);
  const Q = eig.vectors!;
  const values = new Float64Array(m);
  const Vr: Float64Array[] = [];
  const Zr: Float64Array[] = [];
  const P = V[0]?.length ?? 0;
  for (let a = 0; a < m; a++) {
    const col = m - 1 - a; // descending
    values[a] = eig.values[col]!;
    const v = new Float64Array(P);
    const z = new Float64Array(P);
    for (let i = 0; i < m; i++) {
      const q = Q.data[i * m + col]!;
      if (q === 0) continue;
      const vi = V[i]!;
      const zi = Z[i]!;
      for (let p = 0; p < P; p++) {
        v[p]! += q * vi[p]!;
        z[p]! += q * zi[p]!;
      }
    }
    Vr.push(v);
    Zr.push(z);
  }
  return { values, V: Vr, Z: Zr };
}

/**
 * `g − Σ_{i<k} Λ_i/(Λ_i + λ̄) (v_i·g) v_i` for orthonormal `v_i`. Cost O(k·P).
 */
export function lowRankPrecondition(g: Float64Array, values: ArrayLike<number>, vecs: readonly Float64Array[], k: number, lambdaBar: number): Float64Array {
  const u = g.slice();
  for (let i = 0; i < k; i++) {
    const L = Math.max(values[i]!, 0);
    const f = L / (L + lambdaBar);
    if (!(f > 0)) continue;
    const v = vecs[i]!;
    const c = f * dotv(v, g);
    for (let p = 0; p < u.length; p++) u[p]! -= c * v[p]!;
  }
  return u;
}

/**
 * The low-rank natural gradient (docs/theory.md §10). Cost per step: the fused sweep's extra `m`
 * JVPs/VJPs plus O(m²·P). Usually built from a training config with `optimizer.kind: 'natgrad'`
 * (see {@link createTrainingSession}).
 *
 * @param opts - learning rate `η`, number `k` of damped directions, damping (`'next'`: `λ̄ = Λ_{k+1}`,
 *   or a fixed positive number in the Fisher's units), damping floor relative to `Λ_1`, seed, adaptive mode.
 * @returns the optimizer, with `setActive` (adaptive mode) and the last step's Ritz values and vectors.
 * @throws {@link sntk!InputError} on a non-positive learning rate, `k < 1` or an invalid damping.
 */
export function lowRankNaturalGradient(opts: NatGradOptions): NatGradOptimizer {
  const lr = opts.learningRate;
  const k = opts.k ?? 2;
  const damping = opts.damping ?? 'next';
  const floor = opts.dampingFloor ?? 1e-3;
  const warmup = opts.warmup ?? 5;
  const seed = opts.seed ?? 0;
  const mu = opts.momentum ?? 0;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new InputError(`natgrad: learningRate must be positive, got ${lr}`);
  if (!Number.isInteger(k) || k < 1) throw new InputError(`natgrad: k must be a positive integer, got ${k}`);
  if (damping !== 'next' && !(typeof damping === 'number' && damping > 0)) throw new InputError(`natgrad: damping must be 'next' or a positive number, got ${damping}`);
  const m = damping === 'next' ? k + 1 : k;
  let V: Float64Array[] | null = null; // current orthonormal subspace (next sweep's directions)
  let warmed = false;
  let active = !opts.adaptive;
  let ritz: Float64Array = new Float64Array(0);
  let ritzV: Float64Array[] = [];
  let vel: Float64Array | null = null;
  let P = 0;

  function ensureV(size: number, mask: Uint8Array | undefined, step: number): void {
    if (V && V[0]!.length === size) return;
    P = size;
    const rng = createRng(`natgrad:${seed}:${step}`);
    const R: Float64Array[] = [];
    for (let i = 0; i < m; i++) {
      const v = new Float64Array(size);
      rng.fillNormal(v);
      if (mask) for (let p = 0; p < size; p++) if (!mask[p]) v[p] = 0;
      R.push(v);
    }
    V = orthonormalize(R, mask, seed + 7919 * (step + 1));
    warmed = false;
  }

  const opt: NatGradOptimizer = {
    name: 'natgrad',
    directions() {
      if (!active) return [];
      if (!V) return []; // first step: initialised lazily in step() (needs the size and mask)
      return V;
    },
    step(params, grad, ctx: StepContext) {
      let u: Float64Array;
      if (!active) {
        u = grad.slice();
      } else {
        let Z: Float64Array[];
        if (!V || ctx.Fv.length !== m) {
          ensureV(params.length, ctx.mask, ctx.step);
          if (!ctx.applyFisher) throw new InputError('natgrad: the first step needs ctx.applyFisher (no directions were carried)');
          Z = ctx.applyFisher(V!);
        } else Z = ctx.Fv;
        if (!warmed) {
          for (let it = 0; it < warmup && ctx.applyFisher; it++) {
            const rr = rayleighRitz(V!, Z);
            V = orthonormalize(rr.Z, ctx.mask, seed + 104729 * (ctx.step + 1) + it);
            Z = ctx.applyFisher(V);
          }
          warmed = true;
        }
        const rr = rayleighRitz(V!, Z);
        ritz = rr.values;
        ritzV = rr.V;
        const L1 = Math.max(ritz[0]!, 0);
        let lam = damping === 'next' ? Math.max(ritz[k]!, 0) : damping;
        if (damping === 'next') lam = Math.max(lam, floor * L1, 1e-300);
        u = lowRankPrecondition(grad, ritz, ritzV, k, lam);
        V = orthonormalize(rr.Z, ctx.mask, seed + 104729 * (ctx.step + 1));
      }
      if (mu > 0) {
        if (!vel) vel = new Float64Array(u.length);
        for (let i = 0; i < u.length; i++) {
          vel[i] = mu * vel[i]! + u[i]!;
          u[i] = vel[i]!;
        }
      }
      for (let i = 0; i < u.length; i++) u[i] = -lr * u[i]!;
      return u;
    },
    setActive(on) {
      active = on;
    },
    isActive: () => active,
    ritzValues: () => ritz,
    ritzVectors: () => ritzV,
    getState(): OptimizerState {
      return { V: V ? V.map(arr) : null, warmed, active, ritz: arr(ritz), ritzV: ritzV.map(arr), vel: vel ? arr(vel) : null, P };
    },
    setState(s) {
      V = s['V'] == null ? null : (s['V'] as unknown[]).map((x, i) => f64(x, `V[${i}]`));
      warmed = Boolean(s['warmed']);
      active = Boolean(s['active']);
      ritz = f64(s['ritz'] ?? [], 'ritz');
      ritzV = ((s['ritzV'] as unknown[]) ?? []).map((x, i) => f64(x, `ritzV[${i}]`));
      vel = s['vel'] == null ? null : f64(s['vel'], 'vel');
      P = Number(s['P'] ?? 0);
    },
  };
  return opt;
}

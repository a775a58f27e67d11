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
import type { Matrix } from '../../linalg/matrix.js';
import { zeros } from '../../linalg/matrix.js';
import { symmetricEigen } from '../../linalg/index.js';
import { atb, orthonormalize as orthonormalizeBlock, orthonormalizeColumns, toCols, fromCols } from '../../linalg/iterative/block.js';
import { createRng, type Rng } from '../../linalg/random.js';
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

/** A generator whose normal vectors are zero outside `mask` (the random replacements of deflated columns stay trainable). */
function maskedRng(rng: Rng, mask: Uint8Array | undefined): Rng {
  if (!mask) return rng;
  return {
    ...rng,
    uniform: () => rng.uniform(),
    normal: () => rng.normal(),
    fillUniform: (a) => rng.fillUniform(a),
    int: (n) => rng.int(n),
    nextUint32: () => rng.nextUint32(),
    fork: () => maskedRng(rng.fork(), mask),
    fillNormal: (a) => {
      rng.fillNormal(a);
      for (let i = 0; i < a.length; i++) if (!mask[i]) a[i] = 0;
    },
  };
}

/**
 * Orthonormalises the columns of `W` (`P × m`; block Gram–Schmidt twice, linalg/iterative/block.ts),
 * replacing numerically dependent columns by seeded random vectors in the mask. Throws ShapeError
 * when the trainable subspace is smaller than m. Cost O(m²·P).
 */
export function orthonormalizeInMask(W: Matrix, mask: Uint8Array | undefined, seed: number): Matrix {
  const { Q } = orthonormalizeBlock(W, [], { rng: maskedRng(createRng(seed), mask), dropTol: 1e-10 });
  if (Q.cols < W.cols) throw new ShapeError('natgrad: the trainable subspace is smaller than the number of vectors');
  return Q;
}

/**
 * Rayleigh–Ritz on `(V, Z = F V)` (`P × m` blocks): Ritz values descending and the rotated
 * blocks `V Q`, `Z Q`. Cost O(m²·P + m³).
 */
export function rayleighRitzBlock(V: Matrix, Z: Matrix): { values: Float64Array; V: Matrix; Z: Matrix } {
  const { values, vectors: Qd } = ritzProblem(V, Z);
  return { values, V: rotate(V, Qd), Z: rotate(Z, Qd) };
}

/** The Ritz values (descending) and the `m × m` rotation of `(V, Z = F V)`: eigenpairs of the symmetrised `Vᵀ Z`. Cost O(m²·P + m³). */
function ritzProblem(V: Matrix, Z: Matrix): { values: Float64Array; vectors: Matrix } {
  const m = V.cols;
  const G = atb(V, Z);
  const S = zeros(m, m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      const s = 0.5 * (G.data[i * m + j]! + G.data[j * m + i]!);
      S.data[i * m + j] = s;
      S.data[j * m + i] = s;
    }
  }
  return eigenDescending(S);
}

/**
 * `W Q` for a tall `P × m` block and a small `m × m` matrix, row by row (one pass over W; the
 * GEMM's packing costs more than the product at these shapes), into `out` (`P × m`, overwritten)
 * or a new block. Each entry is summed over a in order from 0, skipping zero entries of W. Cost O(P·m²).
 */
function rotate(W: Matrix, Q: Matrix, out: Matrix = zeros(W.rows, W.cols)): Matrix {
  const { rows: P, cols: m, data: w } = W;
  const q = Q.data;
  const o = out.data;
  for (let r = 0; r < P; r++) {
    const base = r * m;
    for (let b = 0; b < m; b++) o[base + b] = rotatedEntry(w, base, q, m, b);
  }
  return out;
}

/** Entry `b` of row `w[base .. base + m)` times the `m × m` `q`: summed over a in order, zero entries of the row skipped. O(m). */
function rotatedEntry(w: Float64Array, base: number, q: Float64Array, m: number, b: number): number {
  let s = 0;
  for (let a = 0; a < m; a++) {
    const x = w[base + a]!;
    if (x !== 0) s += x * q[a * m + b]!;
  }
  return s;
}

/** `W Q` (as `rotate`) written as m column vectors into `cols` (each of length P). Cost O(P·m²). */
function rotateToColumns(W: Matrix, Q: Matrix, cols: Float64Array[]): void {
  const { rows: P, cols: m, data: w } = W;
  const q = Q.data;
  for (let r = 0; r < P; r++) {
    const base = r * m;
    for (let b = 0; b < m; b++) cols[b]![r] = rotatedEntry(w, base, q, m, b);
  }
}

/**
 * The blocks one natural-gradient step writes, kept across steps (a fresh `P × m` block costs its
 * page faults again at first touch, several times the pass that fills it on a virtual machine):
 * the Ritz vectors, the rotated Fisher products as columns, and two buffers for the next
 * directions (the block handed out by `directions()` stays valid through the following step).
 */
interface StepBuffers {
  readonly ritzV: Matrix;
  readonly zCols: Float64Array[];
  readonly next: [Matrix, Matrix];
}

/** Fresh step buffers for `P × m` blocks. Cost O(P·m) memory. */
function stepBuffers(P: number, m: number): StepBuffers {
  const zCols: Float64Array[] = [];
  for (let j = 0; j < m; j++) zCols.push(new Float64Array(P));
  return { ritzV: zeros(P, m), zCols, next: [zeros(P, m), zeros(P, m)] };
}

/**
 * `orthonormalizeInMask` of `W Q` (rotated Fisher products) without the intermediate blocks: the
 * rotation is written as columns, orthonormalised there (`orthonormalizeColumns`, the same
 * arithmetic as `orthonormalize` without a basis) and gathered into `into` when no column was
 * replaced. Returns the orthonormal `P × m` block. Throws ShapeError as `orthonormalizeInMask`.
 * Cost O(m²·P).
 */
function rotateOrthonormal(W: Matrix, Q: Matrix, mask: Uint8Array | undefined, seed: number, buf: StepBuffers, into: Matrix): Matrix {
  const { rows: P, cols: m } = W;
  const cols = buf.zCols;
  rotateToColumns(W, Q, cols);
  // column norms as colNormsSq sums them (rows in order)
  const orig = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const c = cols[j]!;
    let s = 0;
    for (let r = 0; r < P; r++) s += c[r]! * c[r]!;
    orig[j] = Math.sqrt(s);
  }
  const { qs } = orthonormalizeColumns(cols, orig, { rng: maskedRng(createRng(seed), mask), dropTol: 1e-10 });
  if (qs.length < m) throw new ShapeError('natgrad: the trainable subspace is smaller than the number of vectors');
  const o = into.data;
  for (let j = 0; j < m; j++) {
    const c = qs[j]!;
    for (let r = 0; r < P; r++) o[r * m + j] = c[r]!;
  }
  return into;
}

/** Eigenpairs of a symmetric matrix by the library's solver, descending. Cost O(m³). */
function eigenDescending(S: Matrix): { values: Float64Array; vectors: Matrix } {
  const m = S.rows;
  const eig = symmetricEigen(S);
  const E = eig.vectors!;
  const Qd = zeros(m, m); // columns of E in descending order of the eigenvalues
  const values = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const col = m - 1 - a;
    values[a] = eig.values[col]!;
    for (let i = 0; i < m; i++) Qd.data[i * m + a] = E.data[i * m + col]!;
  }
  return { values, vectors: Qd };
}

/**
 * `g − Σ_{i<k} Λ_i/(Λ_i + λ̄) (v_i·g) v_i` for orthonormal `v_i` (the columns of a `P × m` block, or
 * vectors). Cost O(k·P).
 */
export function lowRankPrecondition(g: Float64Array, values: ArrayLike<number>, vecs: Matrix | readonly Float64Array[], k: number, lambdaBar: number): Float64Array {
  const u = g.slice();
  // column i of the vectors: entry p at data[p·stride + i] (a block) or cols[i][p]
  const block = Array.isArray(vecs) ? null : (vecs as Matrix);
  const cols = block ? null : (vecs as readonly Float64Array[]);
  const stride = block ? block.cols : 1;
  for (let i = 0; i < k; i++) {
    const L = Math.max(values[i]!, 0);
    const f = L / (L + lambdaBar);
    if (!(f > 0)) continue;
    const v = block ? block.data : cols![i]!;
    const o = block ? i : 0;
    let d = 0;
    for (let p = 0, q = o; p < g.length; p++, q += stride) d += v[q]! * g[p]!;
    const c = f * d;
    for (let p = 0, q = o; p < u.length; p++, q += stride) u[p]! -= c * v[q]!;
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
  let V: Matrix | null = null; // current orthonormal subspace, P × m (next sweep's directions)
  let warmed = false;
  let active = !opts.adaptive;
  let ritz: Float64Array = new Float64Array(0);
  let ritzV: Matrix | null = null;
  let vel: Float64Array | null = null;
  let P = 0;
  let buf: StepBuffers | null = null;

  function ensureV(size: number, mask: Uint8Array | undefined, step: number): void {
    if (V && V.rows === size) return;
    P = size;
    const rng = createRng(`natgrad:${seed}:${step}`);
    const R: Float64Array[] = [];
    for (let i = 0; i < m; i++) {
      const v = new Float64Array(size);
      rng.fillNormal(v);
      if (mask) for (let p = 0; p < size; p++) if (!mask[p]) v[p] = 0;
      R.push(v);
    }
    V = orthonormalizeInMask(fromCols(R, size), mask, seed + 7919 * (step + 1));
    warmed = false;
  }

  /** `F_y W` through the context: the block form when the loop offers it, else the vector form. */
  function applyFisher(ctx: StepContext, W: Matrix): Matrix {
    if (ctx.applyFisherBlock) return ctx.applyFisherBlock(W);
    if (!ctx.applyFisher) throw new InputError('natgrad: the first step needs ctx.applyFisher (no directions were carried)');
    return fromCols(ctx.applyFisher(toCols(W)), W.rows);
  }

  const opt: NatGradOptimizer = {
    name: 'natgrad',
    directions() {
      if (!active || !V) return zeros(0, 0); // first step: V is initialised lazily in step() (needs the size and mask)
      return V;
    },
    step(params, grad, ctx: StepContext) {
      let u: Float64Array;
      if (!active) {
        u = grad.slice();
      } else {
        const carried = ctx.FvBlock ?? (ctx.Fv.length > 0 ? fromCols(ctx.Fv, params.length) : null);
        let Z: Matrix;
        if (!V || !carried || carried.cols !== m || carried.rows !== V.rows) {
          ensureV(params.length, ctx.mask, ctx.step);
          Z = applyFisher(ctx, V!);
        } else Z = carried;
        if (!warmed) {
          for (let it = 0; it < warmup && (ctx.applyFisher || ctx.applyFisherBlock); it++) {
            const rr = rayleighRitzBlock(V!, Z);
            V = orthonormalizeInMask(rr.Z, ctx.mask, seed + 104729 * (ctx.step + 1) + it);
            Z = applyFisher(ctx, V);
          }
          warmed = true;
        }
        // Rayleigh–Ritz and the next orthonormal V in the kept buffers (rayleighRitzBlock and
        // orthonormalizeInMask, the same numbers)
        const Vc = V!;
        if (!buf || buf.ritzV.rows !== Vc.rows || buf.ritzV.cols !== m) buf = stepBuffers(Vc.rows, m);
        const rp = ritzProblem(Vc, Z);
        ritz = rp.values;
        ritzV = rotate(Vc, rp.vectors, buf.ritzV);
        const L1 = Math.max(ritz[0]!, 0);
        let lam = damping === 'next' ? Math.max(ritz[k]!, 0) : damping;
        if (damping === 'next') lam = Math.max(lam, floor * L1, 1e-300);
        u = lowRankPrecondition(grad, ritz, ritzV, k, lam);
        const into = buf.next[0].data === Vc.data ? buf.next[1] : buf.next[0];
        V = rotateOrthonormal(Z, rp.vectors, ctx.mask, seed + 104729 * (ctx.step + 1), buf, into);
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
    ritzVectors: () => (ritzV ? toCols(ritzV) : []),
    // the state keeps V and the Ritz vectors as lists of columns (the checkpoint format)
    getState(): OptimizerState {
      return { V: V ? toCols(V).map(arr) : null, warmed, active, ritz: arr(ritz), ritzV: ritzV ? toCols(ritzV).map(arr) : [], vel: vel ? arr(vel) : null, P };
    },
    setState(s) {
      const block = (x: unknown, what: string): Matrix | null => {
        const cols = ((x as unknown[] | null) ?? []).map((c, i) => f64(c, `${what}[${i}]`));
        if (cols.length === 0) return null;
        const n = cols[0]!.length;
        if (cols.some((c) => c.length !== n)) throw new Error(`optimizer state: the columns of '${what}' differ in length`);
        return fromCols(cols, n);
      };
      V = s['V'] == null ? null : block(s['V'], 'V');
      warmed = Boolean(s['warmed']);
      active = Boolean(s['active']);
      ritz = f64(s['ritz'] ?? [], 'ritz');
      ritzV = block(s['ritzV'], 'ritzV');
      vel = s['vel'] == null ? null : f64(s['vel'], 'vel');
      P = Number(s['P'] ?? 0);
    },
  };
  return opt;
}

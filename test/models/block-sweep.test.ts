/**
 * The GEMM-shaped block sweeps (block-sweep.ts, `method: 'block'`) against the column loop
 * (`method: 'columns'`, one single-vector sweep per column, itself checked against finite
 * differences in trajectory.test.ts): equal to ≤ 1e-13 relative (‖·‖_F) for every cell and
 * activation over random shapes (fast-check, k ∈ [1, 12]); the adjoint identity
 * `⟨Y, J Θ⟩ = ⟨Jᵀ Y, Θ⟩` to ≤ 1e-12 relative; the cells' block methods against their
 * single-vector methods (≤ 1e-13); one central-difference check of the block JVP (≤ 1e-7);
 * the fallback for cells without block methods, the `'auto'` rule, and the typed errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  hasBlockSweep,
  preferBlockSweep,
  rollout,
  stackSites,
  jvpBlockSweep,
  vjpBlockSweep,
  trajectoryJvpBlock,
  trajectoryVjpBlock,
  createModel,
} from '../../src/models/index.js';
import type { Cell, Model } from '../../src/models/index.js';
import { matrix, type Matrix } from '../../src/linalg/matrix.js';
import { getBackend } from '../../src/linalg/index.js';
import { NonFiniteError, ShapeError } from '../../src/errors.js';
import { hasTrialSweep } from '../../src/models/block-sweep.js';
import { ACTS, CELLS, createRng, fdDir, model, randn, relErr, type Rng } from './helpers.js';

const EQ_TOL = 1e-13;
const ADJ_TOL = 1e-12;

function setup(cell: (typeof CELLS)[number], act: (typeof ACTS)[number], N: number, D: number, B: number, T: number, seed: number) {
  const m = model(cell, act, N, D, seed, 2);
  const rng = createRng(`block-${cell}-${act}-${seed}`);
  const X = randn(rng, B * T * D);
  const h0 = randn(rng, B * N, 0.5);
  const tr = rollout(m, X, { B, T, h0 });
  return { m, rng, X, h0, tr };
}

function rand(rng: Rng, rows: number, cols: number): Matrix {
  return matrix(rows, cols, randn(rng, rows * cols));
}

function frob(a: Matrix, b: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

describe.each(CELLS)('%s cell: block sweeps equal the column loop', (cell) => {
  it('JVP and VJP blocks, random shapes, every activation, k ∈ [1, 12] (≤ 1e-13 relative)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(...ACTS),
        fc.integer({ min: 0, max: 1000 }),
        (N, D, B, T, k, act, seed) => {
          const { m, rng, tr } = setup(cell, act, N, D, B, T, seed);
          const P = m.layout.cellSize;
          const M = B * T * N;
          const Th = rand(rng, P, k);
          const E = rand(rng, M, k);
          const a = trajectoryJvpBlock(m, tr, Th, { method: 'block' });
          const b = trajectoryJvpBlock(m, tr, Th, { method: 'columns' });
          const c = trajectoryVjpBlock(m, tr, E, { method: 'block' });
          const d = trajectoryVjpBlock(m, tr, E, { method: 'columns' });
          expect([a.rows, a.cols, c.rows, c.cols]).toEqual([M, k, P, k]);
          expect(relErr(a.data, b.data)).toBeLessThanOrEqual(EQ_TOL);
          expect(relErr(c.data, d.data)).toBeLessThanOrEqual(EQ_TOL);
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });

  it('adjoint identity ⟨Y, J Θ⟩ = ⟨Jᵀ Y, Θ⟩ for blocks (≤ 1e-12 relative)', () => {
    const { m, rng, tr } = setup(cell, 'tanh', 7, 2, 2, 15, 3);
    const k = 5;
    const Th = rand(rng, m.layout.cellSize, k);
    const Y = rand(rng, tr.B * tr.T * tr.N, k);
    const lhs = frob(Y, trajectoryJvpBlock(m, tr, Th, { method: 'block' }));
    const rhs = frob(trajectoryVjpBlock(m, tr, Y, { method: 'block' }), Th);
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(ADJ_TOL * Math.max(Math.abs(lhs), Math.abs(rhs)));
  });

  it('block JVP matches central differences of the rollout (≤ 1e-7 relative, step 1e-6)', () => {
    const { m, rng, X, h0, tr } = setup(cell, 'tanh', 5, 2, 2, 10, 4);
    const P = m.layout.cellSize;
    const k = 2;
    const Th = rand(rng, P, k);
    const Y = trajectoryJvpBlock(m, tr, Th, { method: 'block' });
    const Hof = (th: Float64Array): Float64Array => {
      const p = m.params.slice();
      p.set(th, 0);
      return rollout(createModel(m.spec, p), X, { B: tr.B, T: tr.T, h0 }).H;
    };
    for (let j = 0; j < k; j++) {
      const u = new Float64Array(P);
      for (let p = 0; p < P; p++) u[p] = Th.data[p * k + j]!;
      const col = new Float64Array(Y.rows);
      for (let r = 0; r < Y.rows; r++) col[r] = Y.data[r * k + j]!;
      expect(relErr(col, fdDir(Hof, m.params.slice(0, P), u))).toBeLessThanOrEqual(1e-7);
    }
  });

  it('the cell block methods equal the single-vector jvpH / vjpH, with and without accumulate (≤ 1e-13)', () => {
    const { m, rng, tr } = setup(cell, 'softplus', 6, 3, 1, 4, 5);
    const c = m.cell;
    expect(hasBlockSweep(c)).toBe(true);
    const theta = m.params.subarray(0, m.layout.cellSize);
    const N = c.N, k = 4;
    const cache = tr.caches[2]!;
    const V = rand(rng, N, k);
    const base = rand(rng, N, k);
    for (const [block, single] of [
      [c.jvpHBlock!.bind(c), c.jvpH.bind(c)],
      [c.vjpHBlock!.bind(c), c.vjpH.bind(c)],
    ] as const) {
      const out = matrix(N, k, base.data.slice());
      block(theta, cache, V, out, false);
      const acc = matrix(N, k, base.data.slice());
      block(theta, cache, V, acc, true);
      const ref = new Float64Array(N * k);
      const v = new Float64Array(N), o = new Float64Array(N);
      for (let j = 0; j < k; j++) {
        for (let i = 0; i < N; i++) v[i] = V.data[i * k + j]!;
        single(theta, cache, v, o);
        for (let i = 0; i < N; i++) ref[i * k + j] = o[i]!;
      }
      expect(relErr(out.data, ref)).toBeLessThanOrEqual(EQ_TOL);
      const refAcc = ref.map((x, i) => x + base.data[i]!);
      expect(relErr(acc.data, refAcc)).toBeLessThanOrEqual(EQ_TOL);
    }
  });
});

describe('block sweeps: dispatch, fallback and errors', () => {
  const { m, rng, tr } = setup('vanilla', 'tanh', 32, 2, 1, 6, 9);
  const P = m.layout.cellSize;
  const M = tr.B * tr.T * tr.N;

  it("a full-length tangent block (readout rows) gives the cell-size result; 'auto' agrees with columns", () => {
    const k = 6;
    const Th = rand(rng, P, k);
    const full = matrix(m.layout.size, k, new Float64Array(m.layout.size * k).fill(3));
    full.data.set(Th.data);
    const a = trajectoryJvpBlock(m, tr, full, { method: 'block' });
    const b = trajectoryJvpBlock(m, tr, Th, { method: 'block' });
    expect(relErr(a.data, b.data)).toBe(0);
    const c = trajectoryJvpBlock(m, tr, Th);
    expect(relErr(c.data, trajectoryJvpBlock(m, tr, Th, { method: 'columns' }).data)).toBeLessThanOrEqual(EQ_TOL);
  });

  it('preferBlockSweep: never for k = 1; the documented thresholds of the active backend', () => {
    expect(preferBlockSweep(512, 1)).toBe(false);
    expect(preferBlockSweep(256, 16)).toBe(true);
    expect(preferBlockSweep(4, 3)).toBe(false);
    if (getBackend().name === 'native') expect(preferBlockSweep(32, 2)).toBe(true);
    else {
      expect(preferBlockSweep(32, 2)).toBe(false);
      expect(preferBlockSweep(64, 16)).toBe(true);
      expect(preferBlockSweep(128, 4)).toBe(false);
      expect(preferBlockSweep(256, 4)).toBe(true);
    }
  });

  it('a cell without block methods falls back to the column loop (identical result)', () => {
    const inner = m.cell;
    const plain: Cell = {
      spec: inner.spec, N: inner.N, D: inner.D, P: inner.P,
      forward: inner.forward.bind(inner), jvpH: inner.jvpH.bind(inner), vjpH: inner.vjpH.bind(inner),
      jvpTheta: inner.jvpTheta.bind(inner), vjpTheta: inner.vjpTheta.bind(inner),
      jacobianH: inner.jacobianH.bind(inner), jacobianTheta: inner.jacobianTheta.bind(inner),
      sites: inner.sites.bind(inner), hessianH: inner.hessianH.bind(inner), thirdH: inner.thirdH.bind(inner),
      hessianHTheta: inner.hessianHTheta.bind(inner),
    };
    const pm: Model = { ...m, cell: plain };
    expect(hasBlockSweep(plain)).toBe(false);
    const k = 3;
    const Th = rand(rng, P, k);
    const E = rand(rng, M, k);
    expect(relErr(trajectoryJvpBlock(pm, tr, Th, { method: 'block' }).data, trajectoryJvpBlock(m, tr, Th, { method: 'columns' }).data)).toBe(0);
    expect(relErr(trajectoryVjpBlock(pm, tr, E, { method: 'block' }).data, trajectoryVjpBlock(m, tr, E, { method: 'columns' }).data)).toBe(0);
  });

  it('stackSites: R × L site vectors and R × N factors; null when the site structure changes', () => {
    const st = stackSites(m, tr)!;
    expect(st.length).toBe(1);
    expect([st[0]!.U.rows, st[0]!.U.cols, st[0]!.beta.length]).toEqual([tr.T, 32 + 2 + 1, tr.T * 32]);
    const inner = m.cell;
    // the in-place writer (Cell.writeSites) gives exactly the per-step sites, stacked
    expect(typeof inner.writeSites).toBe('function');
    const plain = Object.create(inner) as Cell;
    (plain as { writeSites?: Cell['writeSites'] }).writeSites = undefined;
    const ref = stackSites({ ...m, cell: plain }, tr)!;
    expect(Array.from(st[0]!.U.data)).toEqual(Array.from(ref[0]!.U.data));
    expect(Array.from(st[0]!.beta)).toEqual(Array.from(ref[0]!.beta));
    expect(st[0]!.segments).toEqual(ref[0]!.segments);
    const odd = Object.create(inner) as Cell;
    (odd as { sites: Cell['sites'] }).sites = (th, c) => (c === tr.caches[2] ? [] : inner.sites(th, c));
    (odd as { writeSites?: Cell['writeSites'] }).writeSites = undefined; // a cell whose sites change structure has no in-place writer
    const om: Model = { ...m, cell: odd };
    expect(stackSites(om, tr)).toBeNull();
    // the block method then falls back to the column loop
    const Th = rand(rng, P, 2);
    expect(relErr(trajectoryJvpBlock(om, tr, Th, { method: 'block' }).data, trajectoryJvpBlock(m, tr, Th, { method: 'columns' }).data)).toBe(0);
  });

  it('k = 0 gives empty blocks; wrong shapes throw ShapeError; NaN/Inf throw NonFiniteError', () => {
    expect(trajectoryJvpBlock(m, tr, matrix(P, 0, new Float64Array(0)), { method: 'block' }).data.length).toBe(0);
    expect(trajectoryVjpBlock(m, tr, matrix(M, 0, new Float64Array(0)), { method: 'block' }).data.length).toBe(0);
    expect(() => trajectoryJvpBlock(m, tr, rand(rng, P + 1, 2))).toThrow(ShapeError);
    expect(() => trajectoryVjpBlock(m, tr, rand(rng, M - 1, 2))).toThrow(ShapeError);
    expect(() => trajectoryJvpBlock(m, tr, { rows: P, cols: 2, data: new Float64Array(P) })).toThrow(ShapeError);
    const bad = rand(rng, P, 2);
    bad.data[5] = NaN;
    expect(() => trajectoryJvpBlock(m, tr, bad)).toThrow(NonFiniteError);
    const badE = rand(rng, M, 2);
    badE.data[7] = Infinity;
    expect(() => trajectoryVjpBlock(m, tr, badE)).toThrow(NonFiniteError);
  });
});


describe.each(CELLS)('%s cell: per-column recurrences (recurrence: columns)', (cell) => {
  it('equal the block recurrences for the JVP and the VJP, random shapes (≤ 1e-13 relative); overwrite consumes E only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (N, D, B, T, k, seed) => {
          const { m, rng, tr } = setup(cell, 'tanh', N, D, B, T, seed);
          const sites = stackSites(m, tr)!;
          const Th = rand(rng, m.layout.cellSize, k);
          const a = jvpBlockSweep(m, tr, Th, sites, 'block');
          const b = jvpBlockSweep(m, tr, Th, sites, 'columns');
          expect(relErr(b.data, a.data)).toBeLessThan(EQ_TOL);
          const E = rand(rng, B * T * N, k);
          const E0 = E.data.slice();
          const c = vjpBlockSweep(m, tr, E, sites, 'block');
          expect(Array.from(E.data)).toEqual(Array.from(E0));
          const d = vjpBlockSweep(m, tr, E, sites, 'columns', true);
          expect(relErr(d.data, c.data)).toBeLessThan(EQ_TOL);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe.each(CELLS)('%s cell: trial-batched recurrences (recurrence: trials)', (cell) => {
  it('equal the per-trial block recurrences for the JVP and the VJP, random shapes (≤ 1e-13 relative), when the cell has them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (N, D, B, T, k, seed) => {
          const { m, rng, tr } = setup(cell, 'tanh', N, D, B, T, seed);
          if (!hasTrialSweep(m.cell)) return;
          const sites = stackSites(m, tr)!;
          const Th = rand(rng, m.layout.cellSize, k);
          expect(relErr(jvpBlockSweep(m, tr, Th, sites, 'trials').data, jvpBlockSweep(m, tr, Th, sites, 'block').data)).toBeLessThan(EQ_TOL);
          const E = rand(rng, B * T * N, k);
          expect(relErr(vjpBlockSweep(m, tr, E, sites, 'trials').data, vjpBlockSweep(m, tr, E, sites, 'block').data)).toBeLessThan(EQ_TOL);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('trial-batched recurrences: which cells', () => {
  it('vanilla, leaky and gru have them', () => {
    for (const cell of ['vanilla', 'leaky', 'gru'] as const) expect(hasTrialSweep(model(cell, 'tanh', 3, 1, 1).cell)).toBe(true);
  });
});

describe('gru cell: sites written in place', () => {
  it.each([[5, 0], [6, 3]])('N = %i, D = %i: writeSites stacks exactly the per-step sites (vectors, factors, segments)', (N, D) => {
    const { m, tr } = setup('gru', 'tanh', N, D, 2, 5, 11);
    expect(typeof m.cell.writeSites).toBe('function');
    const st = stackSites(m, tr)!;
    const plain = Object.create(m.cell) as Cell;
    (plain as { writeSites?: Cell['writeSites'] }).writeSites = undefined;
    const ref = stackSites({ ...m, cell: plain }, tr)!;
    expect(st.length).toBe(4);
    expect(ref.length).toBe(4);
    for (let s = 0; s < 4; s++) {
      expect(Array.from(st[s]!.U.data)).toEqual(Array.from(ref[s]!.U.data));
      expect(Array.from(st[s]!.beta)).toEqual(Array.from(ref[s]!.beta));
      expect(st[s]!.segments).toEqual(ref[s]!.segments);
    }
  });
});

/** The sNTK monitor: kernel statistics, critical directions, events on a small deterministic run. */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, defineSpec, rollout } from '../../src/models/index.js';
import { sntkSpectrum } from '../../src/sntk/dense.js';
import { generalEigen } from '../../src/linalg/index.js';
import { pitchforkTask } from '../../src/train/tasks/pitchfork.js';
import { trainRun } from '../../src/train/run.js';
import { createMonitor, monitorKernel, runOutcome, spanAlignment, zeroInputAnalysis, RankCollapseTracker } from '../../src/train/monitor/index.js';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'sntk-mon-'));
}

describe('monitorKernel', () => {
  const task = pitchforkTask({ seed: 3, hiddenSize: 5, T: 8, B: 3 });
  const model = task.student;

  it('dense PR and trace equal those of sntkSpectrum when every cell parameter is trainable (rel 1e-10)', () => {
    const k = monitorKernel(model, task, { target: 'output', mask: task.trainable, method: 'dense' });
    const spec = sntkSpectrum(model, rollout(model, task.X, { B: task.B, T: task.T }));
    let tr = 0, f2 = 0;
    for (const v of spec.values) {
      tr += v;
      f2 += v * v;
    }
    expect(Math.abs(k.trace - tr) / tr).toBeLessThan(1e-10);
    expect(Math.abs(k.pr - (tr * tr) / f2) / k.pr).toBeLessThan(1e-10);
    expect(Math.abs(k.top[0]! - spec.values[0]!) / spec.values[0]!).toBeLessThan(1e-10);
    expect(k.topShare).toBeCloseTo(spec.values[0]! / tr, 10);
    // top vector: unit norm, zero on the readout
    expect(Math.hypot(...k.topVector)).toBeCloseTo(1, 12);
    const cell = model.layout.cellSize;
    for (let i = cell; i < model.layout.size; i++) expect(k.topVector[i]).toBe(0);
  });

  it('the operator route agrees with the dense one (top eigenvalue rel 1e-6, PR within 4 standard errors + 2%)', () => {
    const d = monitorKernel(model, task, { mask: task.trainable, method: 'dense' });
    const o = monitorKernel(model, task, { mask: task.trainable, method: 'operator', probes: 64, top: 4 });
    expect(Math.abs(o.top[0]! - d.top[0]!) / d.top[0]!).toBeLessThan(1e-6);
    expect(Math.abs(o.trace - d.trace) / d.trace).toBeLessThan(1e-10); // exact trace
    expect(Math.abs(o.pr - d.pr)).toBeLessThan(4 * o.standardErrors!.pr + 0.02 * d.pr);
    let c = 0;
    for (let i = 0; i < d.topVector.length; i++) c += d.topVector[i]! * o.topVector[i]!;
    expect(Math.abs(c)).toBeGreaterThan(1 - 1e-6);
  });

  it('a frozen bias removes its columns: p = N² + N', () => {
    const t2 = pitchforkTask({ seed: 3, hiddenSize: 5, T: 8, B: 3, trainBias: false });
    const k = monitorKernel(t2.student, t2, { mask: t2.trainable, method: 'dense' });
    expect(k.params).toBe(30);
    const bOff = 30;
    for (let i = 0; i < 5; i++) expect(k.topVector[bOff + i]).toBe(0);
  });
});

describe('zeroInputAnalysis', () => {
  it('at b = 0, h* = 0: vec(D l rᵀ) is ∂λ_c/∂W (central differences, rel 1e-6) and B*ᵀl = (0, 0, l)', () => {
    const N = 4;
    const m = createModel(defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: 1, outputSize: 1 }));
    const W = [0.9, 0.2, -0.1, 0.05, 0.1, 0.5, 0.2, -0.2, 0.0, 0.3, 0.4, 0.1, 0.2, -0.1, 0.1, 0.3];
    m.params.set(W, 0);
    const z = zeroInputAnalysis(m, { seed: 1 });
    expect(z.points.length).toBe(1);
    const lam = z.critical!.re;
    expect(z.critical!.im).toBe(0);
    const top = (w: number[]) => {
      const e = generalEigen({ rows: N, cols: N, data: Float64Array.from(w) }, { vectors: false });
      let best = -Infinity;
      for (let i = 0; i < N; i++) if (e.im[i] === 0 && Math.abs(e.re[i]! - lam) < 0.05) best = Math.max(best, e.re[i]!);
      return best;
    };
    const h = 1e-6;
    const g = z.eigenMove[0]!;
    for (let p = 0; p < N * N; p++) {
      const wp = W.slice(), wm = W.slice();
      wp[p]! += h;
      wm[p]! -= h;
      const fd = (top(wp) - top(wm)) / (2 * h);
      expect(Math.abs(g[p]! - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
    // B*ᵀl: W part (D l)_i h*_j = 0, U part × x̄ = 0, b part D l = l
    const b = z.bStarL[0]!;
    for (let p = 0; p < N * N + N; p++) expect(Math.abs(b[p]!)).toBeLessThan(1e-14);
    const l = z.left!.re;
    for (let i = 0; i < N; i++) expect(b[N * N + N + i]).toBeCloseTo(l[i]!, 12);
  });

  it('off the origin (b ≠ 0, x̄ = 0): σ·lᵀ dh*/dθ equals B*ᵀl for every parameter (central differences of the Newton fixed point, rel 1e-6)', () => {
    // lᵀ(I − J*) = σ lᵀ, so lᵀ dh*/dθ = lᵀ(I − J*)⁻¹B* = (B*ᵀl)ᵀ/σ exactly; the W block of B*ᵀl is (D*l)h*ᵀ ≠ 0 here.
    const N = 4;
    const m = createModel(defineSpec({ cell: 'vanilla', hiddenSize: N, inputSize: 1, outputSize: 1 }));
    const W = [0.9, 0.2, -0.1, 0.05, 0.1, 0.5, 0.2, -0.2, 0.0, 0.3, 0.4, 0.1, 0.2, -0.1, 0.1, 0.3];
    m.params.set(W, 0);
    m.params.set([0.3, -0.2, 0.25, 0.1], N * N + N); // bias: moves h* off 0
    const z = zeroInputAnalysis(m, { seed: 1 });
    expect(z.points.length).toBe(1);
    const hStar = z.points[0]!.h;
    expect(z.hStarNorm!).toBeGreaterThan(0.2);
    const sigma = 1 - z.critical!.re;
    const l = z.left!.re;
    const b = z.bStarL[0]!;
    let wPart = 0;
    for (let p = 0; p < N * N; p++) wPart += b[p]! ** 2;
    expect(Math.sqrt(wPart)).toBeGreaterThan(0.05); // the W block is not negligible
    const cell = m.layout.cellSize;
    const eps = 1e-6;
    let maxRel = 0;
    for (let p = 0; p < cell; p++) {
      const sol = (sgn: number) => {
        const m2 = createModel(m.spec);
        m2.params.set(m.params);
        m2.params[p]! += sgn * eps;
        const z2 = zeroInputAnalysis(m2, { seed: 1 });
        expect(z2.points.length).toBe(1);
        return z2.points[0]!.h;
      };
      const hp = sol(1), hm = sol(-1);
      let fd = 0;
      for (let i = 0; i < N; i++) fd += l[i]! * (hp[i]! - hm[i]!) / (2 * eps);
      maxRel = Math.max(maxRel, Math.abs(sigma * fd - b[p]!) / Math.max(1, Math.abs(b[p]!)));
    }
    expect(hStar.length).toBe(N);
    expect(maxRel).toBeLessThan(1e-6);
  });

  it('spanAlignment is |cos| for one vector and scale invariant (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }), fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (a, b, s) => {
        const u = Float64Array.from(a), v = Float64Array.from(b);
        const nu = Math.hypot(...u), nv = Math.hypot(...v);
        fc.pre(nu > 1e-3 && nv > 1e-3);
        const c = Math.abs(u.reduce((x, y, i) => x + y * v[i]!, 0)) / (nu * nv);
        expect(spanAlignment(u, [v])!).toBeCloseTo(c, 10);
        expect(spanAlignment(u.map((x) => x * s), [v.map((x) => -x / s)])!).toBeCloseTo(c, 10);
        expect(spanAlignment(u, [v, u])!).toBeCloseTo(1, 10);
      }),
      { numRuns: 50 },
    );
  });
});

describe('RankCollapseTracker', () => {
  it('reports the onset when PR ≤ PR₀/factor and the minimum once PR recovers by 10%', () => {
    const t = new RankCollapseTracker(4);
    const prs = [20, 18, 9, 4.9, 3, 2.5, 2.6, 2.8, 10];
    const ev = prs.flatMap((p, i) => t.push(i, p));
    expect(ev.map((e) => [e.type, e.step])).toEqual([['rank-collapse-onset', 3], ['rank-collapse', 5]]);
    expect(ev[1]!.pr).toBe(2.5);
    expect(ev[1]!['detectedAt']).toBe(7);
  });
});

describe('monitor on a small deterministic run', () => {
  it('detects the learned pitchfork at zero input (1 → 3 fixed points) one step after the PR minimum', async () => {
    const dir = tmp();
    const cfg = { seed: 0, steps: 14, checkpointEvery: 5, task: { name: 'pitchfork' as const, hiddenSize: 8, T: 20, B: 8 }, optimizer: { kind: 'sgd' as const, learningRate: 0.5 } };
    const mon = createMonitor({ seed: 0, collapseFactor: 2 });
    const res = await trainRun(cfg, { outDir: dir, ...mon.hooks() });
    const bif = res.events.filter((e) => e.type === 'pitchfork');
    expect(bif).toHaveLength(1);
    expect(bif[0]!.step).toBe(8);
    expect(bif[0]!['fixedPointsBefore']).toBe(1);
    expect(bif[0]!['fixedPointsAfter']).toBe(3);
    expect(bif[0]!['s'] as number).toBeGreaterThan(0);
    expect(bif[0]!['s'] as number).toBeLessThanOrEqual(1);
    const o = runOutcome(dir);
    expect(o.rankCollapseStep).toBe(7);
    expect(o.prBefore! / o.prAfter!).toBeGreaterThan(2.5);
    expect(o.dominantAlignment!).toBeGreaterThan(0.9);
    expect(res.events.find((e) => e.type === 'rank-collapse')?.step).toBe(7);
    // eigenvalues.jsonl: one line per monitored step, full spectrum, Jacobian eigenvalues per fixed point
    const lines = readFileSync(join(dir, 'eigenvalues.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(14);
    expect(lines[0].full).toBe(true);
    expect(lines[0].sntk).toHaveLength(8 * 8 + 8 + 8);
    expect(lines[8].jacobian).toHaveLength(3);
    expect(lines[8].jacobian[0]).toHaveLength(8);
  }, 60000);
});

/**
 * The monitor's reading of a crossing: a fold reported as the imperfect pitchfork of the network's
 * symmetric part only when it is a small imperfection of it (cusp unfolding, docs/theory.md §7),
 * checked against the closed form of the one-unit map `h ↦ tanh(a h + β)`; and the sNTK on the
 * approach to a located crossing (where it samples, which minimum it reports).
 */
import { describe, expect, it } from 'vitest';
import { createModel, defineSpec, paramBlock, type Model } from '../../src/models/index.js';
import { zeroInputAnalysis } from '../../src/train/monitor/fixed.js';
import { CUSP_TOLERANCE, SMALL_IMPERFECTION, SYMMETRIC_REACH, isSmallImperfection, segmentBifurcations } from '../../src/train/monitor/events.js';
import { createMonitorCore, crossingApproach, type ApproachPath, type MonitorStepInput } from '../../src/train/monitor/core.js';
import { parseTrainConfig } from '../../src/train/config.js';
import type { Task } from '../../src/train/tasks/types.js';
import type { MonitorKernelResult } from '../../src/train/monitor/kernel.js';
import type { SegmentBifurcation } from '../../src/train/monitor/events.js';

const spec = defineSpec({ cell: 'vanilla', hiddenSize: 1, inputSize: 1, outputSize: 1 });

/** The one-unit network `h ↦ tanh(a h + β)` (input and readout weights 1). */
function unit(a: number, beta: number): Model {
  const m = createModel(spec);
  m.params[paramBlock(m.layout, 'W').offset] = a;
  m.params[paramBlock(m.layout, 'U').offset] = 1;
  m.params[paramBlock(m.layout, 'b').offset] = beta;
  m.params[paramBlock(m.layout, 'C').offset] = 1;
  return m;
}

/** Bisection for the root of a monotone function on [lo, hi]. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  let flo = f(lo);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2, fm = f(mid);
    if (Math.sign(fm) === Math.sign(flo)) [lo, flo] = [mid, fm];
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Closed form of the fold of `h = tanh(a h + β)`, β > 0, on the negative branch: with x = |h_f|,
 * `a_f = 1/(1 − x²)` where `x/(1 − x²) − atanh x = β`. The symmetric part (β = 0) has its
 * pitchfork at a = 1 with `b₃ = tanh‴(0)/6 = −1/3` (r = l = 1), `ν = dλ/da = 1`, and the
 * imperfection is `ε = tanh β`, so the cusp unfolding puts the fold at
 * `a − 1 = (27·(1/3)·ε²/4)^{1/3}` with cubic share `((1/3)·ε²/4)^{1/3}`.
 */
function closedForm(beta: number): { aFold: number; ratio: number; share: number } {
  const x = bisect((x) => x / (1 - x * x) - Math.atanh(x) - beta, 1e-9, 0.999);
  const aFold = 1 / (1 - x * x);
  const eps = Math.tanh(beta);
  return { aFold, ratio: (aFold - 1) / Math.cbrt((9 * eps * eps) / 4), share: Math.cbrt(eps * eps / 12) };
}

function foldOnSegment(beta: number, half: number): { seg: SegmentBifurcation; sExact: number } {
  const { aFold } = closedForm(beta);
  const a0 = aFold - half, a1 = aFold + half;
  const prev = unit(a0, beta), cur = unit(a1, beta);
  const zp = zeroInputAnalysis(prev, { seed: 0, fixedPoints: { nStarts: 24, scale: 2 } });
  const zc = zeroInputAnalysis(cur, { seed: 0, fixedPoints: { nStarts: 24, scale: 2 } });
  expect(zp.points.length).toBe(1);
  expect(zc.points.length).toBe(3);
  const segs = segmentBifurcations(prev, zp.points, cur, zc.points);
  const folds = segs.filter((e) => e.detectedAs === 'saddle-node');
  expect(folds).toHaveLength(1);
  return { seg: folds[0]!, sExact: (aFold - a0) / (a1 - a0) };
}

describe('imperfect pitchfork or saddle-node: the cusp unfolding of h ↦ tanh(a h + β)', () => {
  it('β = 0.01 (cubic share 0.020 ≤ 0.05): an imperfect pitchfork; cusp ratio and share equal the closed form (rel. 1e-6)', () => {
    const beta = 0.01;
    const cf = closedForm(beta);
    const { seg, sExact } = foldOnSegment(beta, 0.05);
    expect(Math.abs(seg.s - sExact)).toBeLessThan(1e-8);
    expect(seg.type).toBe('pitchfork');
    expect(seg.imperfect).toBe(true);
    // the located points (fold and symmetric pitchfork, each to ~1e-10 in s) and b₃ = −1/3 from the dynamics layer
    expect(Math.abs(seg.cubicShare! - cf.share) / cf.share).toBeLessThan(1e-6);
    expect(Math.abs(seg.cuspRatio! - cf.ratio) / cf.ratio).toBeLessThan(1e-6);
    expect(cf.share).toBeLessThan(SMALL_IMPERFECTION);
  });

  it('β = 0.04 (cubic share 0.051 > 0.05): within reach of the symmetric pitchfork, the unfolding predicts the fold (ratio within 4%), but beyond its perturbative range: a saddle-node', () => {
    const beta = 0.04;
    const cf = closedForm(beta);
    const { seg } = foldOnSegment(beta, 0.05);
    expect(cf.share).toBeGreaterThan(SMALL_IMPERFECTION);
    expect(seg.type).toBe('saddle-node');
    expect(seg.imperfect).toBeUndefined();
    expect(Math.abs(seg.cubicShare! - cf.share) / cf.share).toBeLessThan(1e-6);
    expect(Math.abs(seg.cuspRatio! - cf.ratio) / cf.ratio).toBeLessThan(1e-6);
    expect(Math.abs(seg.cuspRatio! - 1)).toBeLessThan(0.04);
  });

  it('β = 0.3: the symmetric part at the fold is far from its pitchfork (gap λ − 1 = a_f − 1 = 0.65 > SYMMETRIC_REACH): a saddle-node, no search', () => {
    const beta = 0.3;
    const cf = closedForm(beta);
    const { seg } = foldOnSegment(beta, 0.05);
    expect(seg.type).toBe('saddle-node');
    expect(Math.abs(seg.symmetricGap! - (cf.aFold - 1))).toBeLessThan(1e-8);
    expect(seg.symmetricGap!).toBeGreaterThan(SYMMETRIC_REACH);
    expect(seg.cuspRatio).toBeUndefined();
  });

  it('the decision does not depend on the step: the same fold on segments 20× apart in length gets the same label and figures', () => {
    for (const [beta, type] of [[0.01, 'pitchfork'], [0.04, 'saddle-node'], [0.3, 'saddle-node']] as const) {
      const short = foldOnSegment(beta, 0.01).seg, long = foldOnSegment(beta, 0.2).seg;
      expect(short.type).toBe(type);
      expect(long.type).toBe(type);
      expect(Math.abs(long.symmetricGap! - short.symmetricGap!)).toBeLessThan(1e-8);
      if (beta < 0.3) expect(Math.abs(long.cubicShare! - short.cubicShare!)).toBeLessThan(1e-8);
    }
  });

  it('isSmallImperfection: both conditions, at their thresholds', () => {
    expect(isSmallImperfection({ ratio: 1, cubicShare: SMALL_IMPERFECTION })).toBe(true);
    expect(isSmallImperfection({ ratio: 1, cubicShare: SMALL_IMPERFECTION * 1.01 })).toBe(false);
    expect(isSmallImperfection({ ratio: 1 + CUSP_TOLERANCE * 1.01, cubicShare: 0.001 })).toBe(false);
    expect(isSmallImperfection({ ratio: 1 - CUSP_TOLERANCE * 0.99, cubicShare: 0.001 })).toBe(true);
  });
});

describe('crossingApproach: the sNTK on the approach to a located crossing', () => {
  // three models on a line a = 0, 1, 2 (steps 10, 11, 12); the kernel's PR is a function of a
  const models = [0, 1, 2].map((a) => unit(a, 0));
  const path: ApproachPath = { earlier: { step: 10, model: models[0]! }, prev: { step: 11, model: models[1]! }, cur: { step: 12, model: models[2]! } };
  const aOf = (m: Model) => m.params[paramBlock(m.layout, 'W').offset]!;
  const fake = (prOf: (a: number) => number) => (m: Model): MonitorKernelResult => {
    const a = aOf(m), pr = prOf(a);
    const topVector = new Float64Array(m.params.length);
    topVector[paramBlock(m.layout, 'b').offset] = 1;
    return { method: 'dense', trials: 1, params: 3, trace: 1, pr, prOutput: null, top: [1, 1 / pr], topShare: 1 / pr, topVector, spectrum: null };
  };
  const event = (s: number): SegmentBifurcation => ({ type: 'saddle-node', s, eigenvalue: { re: 1, im: 0 }, criticality: null, coefficients: {}, detectedAs: 'saddle-node', h: new Float64Array(1) });

  it('samples the segment start and s* − 2^{−j} intervals (j = 0 … 6), on the previous segment where that is before the start, in order', () => {
    const seen: number[] = [];
    const r = crossingApproach(path, event(0.3), (m) => {
      seen.push(aOf(m));
      return fake(() => 3)(m);
    }, null);
    const want = [0, ...Array.from({ length: 7 }, (_, j) => 0.3 - 2 ** -j)].sort((x, y) => x - y);
    expect(seen.length).toBe(8);
    seen.forEach((a, i) => expect(Math.abs(a - (1 + want[i]!))).toBeLessThan(1e-12));
    expect(r.approachPr.map((p) => p.step)).toEqual(want.map((u) => 11 + u));
  });

  it('reports the smallest PR of the approach, where it is, and λ₂/λ₁ there', () => {
    const r = crossingApproach(path, event(0.5), fake((a) => 1 + (a - 1.25) ** 2), null);
    expect(r.crossingPrStep).toBe(11.25);
    expect(r.crossingPr).toBe(1);
    expect(r.crossingSecondOverFirst).toBe(1);
  });

  it('without an earlier observation, only the points on the current segment', () => {
    const r = crossingApproach({ ...path, earlier: null }, event(0.3), fake(() => 2), null);
    expect(r.approachPr.every((p) => p.step >= 11)).toBe(true);
    expect(r.approachPr.length).toBe(1 + 5); // s = 0 and s* − 2^{−j} > 0 for j = 2 … 6
  });
});

describe('the monitor core across a resume', () => {
  it('the observation before the previous one is part of its state: restored, the approach to a crossing that reaches back to it is the same', () => {
    const beta = 0.3;
    const { aFold } = closedForm(beta);
    const models = [aFold - 0.3, aFold - 0.1, aFold + 0.1].map((a) => unit(a, beta));
    const T = 12, B = 2;
    const X = Float64Array.from({ length: B * T }, (_, i) => (i % 5 === 0 ? -1 : 0));
    const task: Task = { name: 'fold', student: models[0]!, B, T, X, Y: new Float64Array(B * T), target: 'output', trainable: Uint8Array.from(models[0]!.params, (_, i) => (i < models[0]!.layout.cellSize ? 1 : 0)) };
    const config = parseTrainConfig({ seed: 0, steps: 3 });
    const input = (step: number): MonitorStepInput => ({ step, loss: 1, model: models[step]!, task, batch: task, natgrad: null, config });
    const a = createMonitorCore({ fixedPointStarts: 8 });
    a.observe(input(0));
    a.observe(input(1));
    const state = JSON.parse(JSON.stringify(a.getState()));
    expect(state.earlier.step).toBe(0);
    const fromA = a.observe(input(2)).events.find((e) => e['detectedAs'] === 'saddle-node')!;
    const b = createMonitorCore({ fixedPointStarts: 8 });
    b.setState(state);
    const fromB = b.observe(input(2)).events.find((e) => e['detectedAs'] === 'saddle-node')!;
    // the fold lies at s* = 0.5 of the last segment: the approach reaches back onto the segment from step 0
    const approach = fromA['approachPr'] as { step: number }[];
    expect(approach.some((p) => p.step < 1)).toBe(true);
    expect(fromB).toEqual(fromA);
  });
});

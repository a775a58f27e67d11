/** `sntk demo --bifurcation`: the task of each variant, its runs, its criteria on given outcomes, and the crossing figures read from a run folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoConfigs } from '../../src/train/demo.js';
import type { DemoRunOutcome, DemoSeedResult } from '../../src/train/demo.js';
import { demoExperiment, expectedTypes, variantChecks, variantThresholds } from '../../src/train/demo-variants.js';
import { crossingFigures, type CrossingFigures } from '../../src/train/demo-crossing.js';
import { comparisonTable } from '../../src/cli/commands/demo.js';

const crossing = (c: Partial<CrossingFigures>): CrossingFigures => ({ step: 20, located: true, stepAt: 20.5, pr: 1.5, secondOverFirst: 0.05, alignReal: 0.95, alignComplex: null, critical: { re: 0.9, im: 0 }, ...c });

const outcome = (o: Partial<DemoRunOutcome>): DemoRunOutcome => ({
  learningRate: 0.1, steps: 80, firstBifurcationStep: 21, bifurcationType: 'saddle-node', fixedPointsBefore: 1, fixedPointsAfter: 3,
  rankCollapseStep: 20, prBefore: 12, prAfter: 1.2, dominantAlignment: 0.95, dominantAlignmentBias: null, hStarAtMinimum: 0.1,
  maxLossJump: 0.001, lossIncreases: 0, stepsToTarget: 40, secondsPerStep: 0.01, finalLoss: 0.01, crossing: crossing({}), ...o,
});

/** Five seeds that pass every claim of the variant, with `ref` merged into every reference run. */
function seeds(ref: Partial<DemoRunOutcome>): DemoSeedResult[] {
  return Array.from({ length: 5 }, () => ({
    reference: outcome(ref),
    sgd: outcome({ lossIncreases: 8, maxLossJump: 0.5 }),
    natgrad: outcome({ lossIncreases: 1, maxLossJump: 0.01, stepsToTarget: 10 }),
  }));
}

const cost = { natgradOverSgd: 1.2, spread: [1.1, 1.3] as [number, number], rounds: 61, sgdSeconds: 0.01, natgradSeconds: 0.012, wallRatio: 1.2, wallSpread: [1.1, 1.3] as [number, number] };
const hopfRef = (c: Partial<CrossingFigures> = {}, o: Partial<DemoRunOutcome> = {}): Partial<DemoRunOutcome> => ({
  bifurcationType: 'neimark-sacker', fixedPointsBefore: 1, fixedPointsAfter: 1, prBefore: 12,
  crossing: crossing({ pr: 3, secondOverFirst: 0.7, alignReal: null, alignComplex: 0.98, critical: { re: 0.98, im: 0.2 }, ...c }), ...o,
});
const verdict = (b: 'saddle-node' | 'hopf', ref: Partial<DemoRunOutcome>, name: string) => variantChecks(b, seeds(ref), cost as never).checks.find((c) => c.name === name)!.verdict;

describe('demo variants: experiments', () => {
  it('every run of a variant uses its task; natgrad has k = 2 and damping 1/lr; the monitor takes 8 trials; pitchfork stays the default', () => {
    for (const b of ['saddle-node', 'hopf'] as const) {
      const c = demoConfigs(0, { experiment: demoExperiment(b) }) as unknown as Record<string, { task: { name: string }; optimizer: Record<string, unknown>; monitor: { trials: number } }>;
      for (const r of Object.values(c)) {
        expect(r.task.name).toBe(b);
        expect(r.monitor.trials).toBe(8);
      }
      expect(c['natgrad']!.optimizer).toMatchObject({ kind: 'natgrad', learningRate: 1, k: 2, damping: 1 });
      expect(c['reference']!.optimizer).toMatchObject({ kind: 'sgd', learningRate: 0.1 });
      expect(c['sgd']!.optimizer).toMatchObject({ kind: 'sgd', learningRate: 1 });
      expect((c['reference'] as unknown as { steps: number }).steps).toBe(b === 'hopf' ? 120 : 80);
    }
    const p = demoConfigs(0) as unknown as Record<string, { task: { name: string }; optimizer: Record<string, unknown>; monitor: { trials: unknown } }>;
    expect(p['reference']!.task.name).toBe('pitchfork');
    expect(p['natgrad']!.optimizer['damping']).toBeUndefined();
    expect(p['reference']!.monitor.trials).toBeNull();
    expect(expectedTypes('hopf')).toEqual(['hopf', 'neimark-sacker']);
  });
});

describe('demo variants: criteria at their thresholds (on the threshold PASS, just past it FAIL)', () => {
  it('all claims pass on passing outcomes; the 5-seed claims are not judged with one seed', () => {
    for (const b of ['saddle-node', 'hopf'] as const) {
      const c = variantChecks(b, seeds(b === 'hopf' ? hopfRef() : {}), cost as never);
      expect(c.checks.filter((k) => k.verdict === 'FAIL').map((k) => k.name)).toEqual([]);
      expect(c.ok).toBe(true);
      expect(variantChecks(b, seeds(b === 'hopf' ? hopfRef() : {}).slice(0, 1), cost as never).notJudged).toBe(3);
    }
  });

  it('saddle-node: type and fixed points, PR fall ≥ 4, PR ≤ 2, alignment ≥ 0.9', () => {
    const th = variantThresholds('saddle-node');
    expect(th).toMatchObject({ prFall: 4, prAtCrossing: 2, alignment: 0.9, rank: 1, fixedPoints: [1, 3] });
    expect(verdict('saddle-node', { bifurcationType: 'pitchfork' }, 'reference.saddle-node')).toBe('FAIL');
    expect(verdict('saddle-node', { fixedPointsAfter: 1 }, 'reference.saddle-node')).toBe('FAIL');
    expect(verdict('saddle-node', { bifurcationType: null, crossing: null }, 'reference.saddle-node')).toBe('FAIL');
    // PR₀ 12: fall exactly 4 at PR 3 (which fails the ≤ 2 claim, a separate check)
    expect(verdict('saddle-node', { crossing: crossing({ pr: 3 }) }, 'reference.prFallAtCrossing')).toBe('PASS');
    expect(verdict('saddle-node', { crossing: crossing({ pr: 3.0001 }) }, 'reference.prFallAtCrossing')).toBe('FAIL');
    expect(verdict('saddle-node', { crossing: crossing({ pr: 2 }) }, 'reference.prAtCrossing')).toBe('PASS');
    expect(verdict('saddle-node', { crossing: crossing({ pr: 2.0001 }) }, 'reference.prAtCrossing')).toBe('FAIL');
    expect(verdict('saddle-node', { crossing: crossing({ alignReal: 0.9 }) }, 'reference.channelAlignment')).toBe('PASS');
    expect(verdict('saddle-node', { crossing: crossing({ alignReal: 0.8999 }) }, 'reference.channelAlignment')).toBe('FAIL');
    // a real channel is judged on B*ᵀl, not on the complex span
    expect(verdict('saddle-node', { crossing: crossing({ alignReal: null, alignComplex: 1 }) }, 'reference.channelAlignment')).toBe('FAIL');
    // no crossing: every crossing claim fails
    expect(verdict('saddle-node', { crossing: null }, 'reference.prAtCrossing')).toBe('FAIL');
  });

  it('hopf: Neimark–Sacker 1 → 1, PR fall ≥ 3, PR ≤ 3.5, λ₂/λ₁ ≥ 0.5, complex alignment ≥ 0.9', () => {
    expect(variantThresholds('hopf')).toMatchObject({ prFall: 3, prAtCrossing: 3.5, secondOverFirst: 0.5, alignment: 0.9, rank: 2, fixedPoints: [1, 1] });
    expect(verdict('hopf', hopfRef({}, { bifurcationType: 'hopf' }), 'reference.hopf')).toBe('PASS');
    expect(verdict('hopf', hopfRef({}, { bifurcationType: 'saddle-node' }), 'reference.hopf')).toBe('FAIL');
    expect(verdict('hopf', hopfRef({}, { fixedPointsAfter: 3 }), 'reference.hopf')).toBe('FAIL');
    expect(verdict('hopf', hopfRef({ pr: 4 }), 'reference.prFallAtCrossing')).toBe('PASS');
    expect(verdict('hopf', hopfRef({ pr: 4.0001 }), 'reference.prFallAtCrossing')).toBe('FAIL');
    expect(verdict('hopf', hopfRef({ pr: 3.5 }), 'reference.prAtCrossing')).toBe('PASS');
    expect(verdict('hopf', hopfRef({ pr: 3.5001 }), 'reference.prAtCrossing')).toBe('FAIL');
    expect(verdict('hopf', hopfRef({ secondOverFirst: 0.5 }), 'reference.rankTwoAtCrossing')).toBe('PASS');
    expect(verdict('hopf', hopfRef({ secondOverFirst: 0.4999 }), 'reference.rankTwoAtCrossing')).toBe('FAIL');
    expect(verdict('hopf', hopfRef({ alignComplex: 0.9 }), 'reference.channelAlignment')).toBe('PASS');
    expect(verdict('hopf', hopfRef({ alignComplex: 0.8999 }), 'reference.channelAlignment')).toBe('FAIL');
    // the PR minimum past the crossing (on the cycle) is reported, never judged
    const rep = variantChecks('hopf', seeds(hopfRef({}, { rankCollapseStep: 79, firstBifurcationStep: 50, prAfter: 1.8 })), cost as never).checks.find((c) => c.name === 'reference.prMinimumFromCrossing')!;
    expect(rep.verdict).toBe('reported');
    expect(rep.values[0]).toBe('29 (PR 1.80)');
  });

  it('the natgrad claims are the pitchfork experiment’s: loss increases ≤ ¼, max jump ≥ 5× smaller, every seed reaches the target, cost ≤ 1.5', () => {
    const five = seeds({});
    five[0]!.natgrad = outcome({ lossIncreases: 11, maxLossJump: 0.01, stepsToTarget: 10 }); // 11 > 40/4
    expect(variantChecks('saddle-node', five, cost as never).checks.find((c) => c.name === 'natgrad.lossIncreases')!.verdict).toBe('FAIL');
    const never = seeds({});
    never[2]!.natgrad = outcome({ stepsToTarget: null });
    expect(variantChecks('saddle-node', never, cost as never).checks.find((c) => c.name === 'natgrad.stepsToTarget')!.verdict).toBe('FAIL');
    expect(variantChecks('saddle-node', seeds({}), { ...cost, natgradOverSgd: 1.51 } as never).checks.find((c) => c.name === 'natgrad.cost')!.verdict).toBe('FAIL');
  });
});

describe('the printed comparison of a seed', () => {
  it('has the crossing rows (PR, λ₂/λ₁, channel alignment) for a variant, and none for runs without crossing figures', () => {
    const withCrossing = comparisonTable(seeds({})[0]!);
    expect(withCrossing).toMatch(/crossing: PR \(approach min\)\s+1\.50/);
    expect(withCrossing).toMatch(/crossing: \|cos\(top, channel\)\|\s+0\.950/);
    const plain = seeds({})[0]!;
    for (const k of ['reference', 'sgd', 'natgrad'] as const) delete plain[k].crossing;
    expect(comparisonTable(plain)).not.toMatch(/crossing:/);
  });

  it('leaves out a row that has no value in any run (the pitchfork bias channel under another normal form) and keeps it when one run has it', () => {
    const none = seeds({})[0]!;
    for (const k of ['reference', 'sgd', 'natgrad'] as const) none[k].dominantAlignmentBias = null;
    expect(comparisonTable(none)).not.toMatch(/\(0,0,D\*l\)/);
    none.sgd.dominantAlignmentBias = 0.5;
    expect(comparisonTable(none)).toMatch(/\|cos\(top, \(0,0,D\*l\)\)\|\s+–\s+0\.500\s+–/);
  });
});

describe('crossingFigures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sntk-crossing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without the located kernel on the event (older runs): reads PR, λ₂/λ₁, the alignment and the critical eigenvalue at the step before the first bifurcation', () => {
    const rows = [
      { step: 0, loss: 1, pr: 10, alignBStarL: 0.2, alignEigenMove: 0.1, criticalRe: 0.9, criticalIm: 0.2 },
      { step: 1, loss: 0.9, pr: 2.5, alignBStarL: null, alignEigenMove: 0.97, criticalRe: 0.98, criticalIm: 0.19 },
      { step: 2, loss: 0.5, pr: 2, alignBStarL: null, alignEigenMove: 0.99, criticalRe: 1.01, criticalIm: 0.19 },
    ];
    writeFileSync(join(dir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'eigenvalues.jsonl'), [0, 1, 2].map((s) => JSON.stringify({ step: s, sntk: [4, s === 1 ? 3 : 1, 0.5], pr: 1 })).join('\n') + '\n');
    writeFileSync(join(dir, 'events.json'), JSON.stringify([
      { type: 'rank-collapse-onset', step: 1 },
      { type: 'neimark-sacker', step: 2, fromStep: 1, stepAt: 1.4 },
    ]));
    const c = crossingFigures(dir)!;
    expect(c).toEqual({ step: 1, located: false, stepAt: 1.4, pr: 2.5, secondOverFirst: 0.75, alignReal: null, alignComplex: 0.97, critical: { re: 0.98, im: 0.19 } });
    writeFileSync(join(dir, 'events.json'), JSON.stringify([{ type: 'loss-spike', step: 2 }]));
    expect(crossingFigures(dir)).toBeNull();
  });

  it('with the located kernel on the event: its PR, λ₂/λ₁ and channel alignment, as a real or a complex channel by the event eigenvalue', () => {
    const ev = (eigenvalue: { re: number; im: number }) => [
      { type: 'saddle-node', step: 2, fromStep: 1, stepAt: 1.4, eigenvalue, crossingPr: 1.1, crossingSecondOverFirst: 0.02, channelAlignment: 0.995 },
      { type: 'saddle-node', step: 3, fromStep: 2, stepAt: 2.5, eigenvalue, crossingPr: 9, crossingSecondOverFirst: 0.9, channelAlignment: 0.1 },
    ];
    writeFileSync(join(dir, 'events.json'), JSON.stringify(ev({ re: 1, im: 0 })));
    expect(crossingFigures(dir)).toEqual({ step: 1, located: true, stepAt: 1.4, pr: 1.1, secondOverFirst: 0.02, alignReal: 0.995, alignComplex: null, critical: { re: 0.98, im: 0.19 } });
    writeFileSync(join(dir, 'events.json'), JSON.stringify(ev({ re: 0.9, im: 0.44 })));
    expect(crossingFigures(dir)).toMatchObject({ located: true, pr: 1.1, alignReal: null, alignComplex: 0.995 });
  });
});

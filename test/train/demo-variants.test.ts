/** `sntk demo --bifurcation`: the task of each variant and its criteria on given outcomes. */
import { describe, expect, it } from 'vitest';
import { demoConfigs } from '../../src/train/demo.js';
import { demoExperiment, expectedTypes, variantChecks } from '../../src/train/demo-variants.js';
import type { DemoSeedResult } from '../../src/train/demo.js';
import type { RunOutcome } from '../../src/train/monitor/outcome.js';

const outcome = (o: Partial<RunOutcome>): RunOutcome => ({
  learningRate: 0.1, steps: 80, firstBifurcationStep: 20, bifurcationType: 'saddle-node', fixedPointsBefore: 1, fixedPointsAfter: 3,
  rankCollapseStep: 21, prBefore: 12, prAfter: 1.2, dominantAlignment: 0.95, dominantAlignmentBias: 0.95, hStarAtMinimum: 0.1,
  maxLossJump: 0.001, lossIncreases: 0, stepsToTarget: 40, secondsPerStep: 0.01, finalLoss: 0.01, ...o,
});

describe('demo variants', () => {
  it('every run of a variant uses its task; pitchfork stays the default', () => {
    for (const b of ['saddle-node', 'hopf'] as const) {
      const c = demoConfigs(0, { experiment: demoExperiment(b) });
      for (const r of Object.values(c)) expect((r as { task: { name: string } }).task.name).toBe(b);
    }
    expect((demoConfigs(0).reference as { task: { name: string } }).task.name).toBe('pitchfork');
    expect(expectedTypes('hopf')).toEqual(['hopf', 'neimark-sacker']);
  });

  it('hopf: a Neimark–Sacker with PR 2.2 passes the type and collapse checks; the same PR fails for a saddle-node', () => {
    const seed = (prAfter: number, type: string): DemoSeedResult => ({
      reference: outcome({ bifurcationType: type, prAfter, fixedPointsAfter: 1 }),
      sgd: outcome({ lossIncreases: 8, maxLossJump: 0.5 }),
      natgrad: outcome({ lossIncreases: 1, maxLossJump: 0.01 }),
    });
    const five = [2.2, 1.9, 2.1, 2.0, 2.4].map((pr) => seed(pr, 'neimark-sacker'));
    const h = variantChecks('hopf', five, null);
    expect(h.checks.find((c) => c.name === 'reference.hopf')!.pass).toBe(true);
    expect(h.checks.find((c) => c.name === 'reference.prCollapse')!.pass).toBe(true);
    expect(h.passed).toBe(h.judged);
    expect(h.ok).toBe(true);
    // with one seed the claims stated over 5 seeds are not judged
    expect(variantChecks('hopf', five.slice(0, 1), null).notJudged).toBe(2);
    const s = variantChecks('saddle-node', [seed(2.2, 'saddle-node')], null);
    expect(s.checks.find((c) => c.name === 'reference.prCollapse')!.verdict).toBe('FAIL');
    expect(s.checks.find((c) => c.name === 'reference.saddle-node')!.pass).toBe(true);
    const wrong = variantChecks('saddle-node', [seed(1.1, 'pitchfork')], null);
    expect(wrong.checks.find((c) => c.name === 'reference.saddle-node')!.verdict).toBe('FAIL');
  });
});

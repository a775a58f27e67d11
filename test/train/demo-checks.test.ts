/** The demo's criteria across seeds: each verdict follows its threshold, both ways; multi-seed claims are not judged below 5 seeds. */
import { describe, it, expect } from 'vitest';
import { demoChecks, formatDemoChecks, medianWithInfinity } from '../../src/train/demo-checks.js';
import type { DemoSeedResult } from '../../src/train/demo.js';
import type { StepCostRatio } from '../../src/train/cost.js';
import type { RunOutcome } from '../../src/train/monitor/outcome.js';

function outcome(o: Partial<RunOutcome>): RunOutcome {
  return {
    learningRate: 0.1, steps: 80, firstBifurcationStep: 40, bifurcationType: 'pitchfork', fixedPointsBefore: 1, fixedPointsAfter: 3,
    rankCollapseStep: 39, prBefore: 25, prAfter: 4, dominantAlignment: 0.5, dominantAlignmentBias: 0.99, hStarAtMinimum: 0.2,
    maxLossJump: -1e-4, lossIncreases: 0, stepsToTarget: 50, secondsPerStep: 0.003, finalLoss: 0.01, ...o,
  };
}

function seed(ref: Partial<RunOutcome> = {}, sgd: Partial<RunOutcome> = {}, ng: Partial<RunOutcome> = {}): DemoSeedResult {
  return {
    reference: outcome(ref),
    sgd: outcome({ learningRate: 1, maxLossJump: 0.5, lossIncreases: 3, stepsToTarget: 10, ...sgd }),
    natgrad: outcome({ learningRate: 1, maxLossJump: -1e-5, lossIncreases: 0, stepsToTarget: 20, ...ng }),
  };
}

const cost = (ratio: number): StepCostRatio => ({ sgdSeconds: 0.002, natgradSeconds: 0.002 * ratio, natgradOverSgd: ratio, spread: [ratio - 0.1, ratio + 0.1], wallRatio: 3, wallSpread: [1, 5], rounds: 61 });
const five = (s: DemoSeedResult = seed()) => [s, seed(), seed(), seed(), seed()];
const verdict = (c: ReturnType<typeof demoChecks>, name: string) => c.checks.find((k) => k.name === name)!;

describe('demoChecks', () => {
  it('all judged criteria pass on 5 seeds that meet them; the full B*ᵀl alignment and ‖h*‖ are reported, not judged', () => {
    const c = demoChecks(five(), cost(1.2));
    expect(c.ok).toBe(true);
    expect(c.judged).toBe(8);
    expect(c.passed).toBe(8);
    expect(c.notJudged).toBe(0);
    // dominantAlignment 0.5 would fail a judged ≥ 0.9: it is only reported
    expect(verdict(c, 'reference.dominantAlignment').verdict).toBe('reported');
    expect(verdict(c, 'reference.dominantAlignment').values).toEqual([0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(verdict(c, 'reference.hStarAtMinimum').verdict).toBe('reported');
    expect(verdict(c, 'natgrad.runSecondsPerStep').verdict).toBe('reported');
    expect(verdict(c, 'reference.prFall').values).toEqual([6.25, 6.25, 6.25, 6.25, 6.25]);
    expect(verdict(c, 'reference.collapseAtCrossing').values).toEqual([-1, -1, -1, -1, -1]);
    expect(verdict(c, 'natgrad.cost').aggregate).toEqual({ median: 1.2, q25: cost(1.2).spread[0], q75: cost(1.2).spread[1], rounds: 61 });
    expect(formatDemoChecks(c)).toMatch(/^checks over 5 seed\(s\): 8\/8 judged checks passed\n/);
  });

  it('with fewer than 5 seeds the multi-seed claims are "not judged (needs --seeds 5)", never FAIL', () => {
    // one seed on which sgd never spiked: the jump claim would fail if it were judged
    const c = demoChecks([seed({}, { maxLossJump: -1e-4, lossIncreases: 0 })], cost(1.2));
    for (const name of ['natgrad.lossIncreases', 'natgrad.maxLossJump', 'natgrad.stepsToTarget']) {
      expect(verdict(c, name).verdict).toBe('not judged');
      expect(verdict(c, name).reason).toBe('needs --seeds 5');
    }
    expect(c.notJudged).toBe(3);
    expect(c.judged).toBe(5);
    expect(c.ok).toBe(true);
    const text = formatDemoChecks(c);
    expect(text).toContain('not judged (needs --seeds 5)');
    expect(text).not.toContain('FAIL');
    // the same outcomes on 5 seeds are judged, and the jump claim fails
    const c5 = demoChecks(five(seed({}, { maxLossJump: -1e-4 })).map(() => seed({}, { maxLossJump: -1e-4 })), cost(1.2));
    expect(verdict(c5, 'natgrad.maxLossJump').verdict).toBe('FAIL');
    expect(c5.ok).toBe(false);
  });

  it('each threshold fails just past it', () => {
    const fail = (s: DemoSeedResult[], r: number, name: string) => {
      const c = demoChecks(s, cost(r));
      expect(verdict(c, name).verdict).toBe('FAIL');
      expect(c.passed).toBe(c.judged - 1);
      expect(c.ok).toBe(false);
      expect(formatDemoChecks(c)).toContain('FAIL');
    };
    fail(five(seed({ dominantAlignmentBias: 0.8999 })), 1.2, 'reference.dominantAlignmentBias');
    fail(five(seed({ prAfter: 25 / 3.99 })), 1.2, 'reference.prFall');
    fail(five(seed({ rankCollapseStep: 37 })), 1.2, 'reference.collapseAtCrossing');
    fail(five(seed({ bifurcationType: 'saddle-node' })), 1.2, 'reference.pitchfork');
    fail(five(seed({}, {}, { lossIncreases: 4 })), 1.2, 'natgrad.lossIncreases'); // 4 > 15/4
    fail([0, 1, 2, 3, 4].map((i) => seed({}, {}, { maxLossJump: i < 3 ? 0.2 : -1 })), 1.2, 'natgrad.maxLossJump');
    fail(five(seed({}, {}, { stepsToTarget: null })), 1.2, 'natgrad.stepsToTarget');
    fail(five(), 1.51, 'natgrad.cost');
  });

  it('boundary values pass: bias alignment 0.9, fall 4×, offset ±2, ¼ of the up-steps, 5× smaller jump, cost 1.5', () => {
    const s = seed({ dominantAlignmentBias: 0.9, prAfter: 6.25, rankCollapseStep: 42 }, { lossIncreases: 4, maxLossJump: 0.5 }, { lossIncreases: 1, maxLossJump: 0.1 });
    const c = demoChecks([s, s, s, s, s], cost(1.5));
    expect(c.passed).toBe(c.judged);
    expect(c.ok).toBe(true);
  });

  it('the cost check fails without a timing; the runs\' own secondsPerStep never decide it', () => {
    expect(verdict(demoChecks([seed()], null), 'natgrad.cost').verdict).toBe('FAIL');
    const slowRuns = demoChecks([seed({}, { secondsPerStep: 0.001 }, { secondsPerStep: 0.01 })], cost(1.1));
    expect(verdict(slowRuns, 'natgrad.cost').verdict).toBe('PASS');
    expect(verdict(slowRuns, 'natgrad.runSecondsPerStep').values).toEqual([10]);
  });

  it('a never-reached reference counts as +∞ in the median; sgd without any jump cannot show a 5× reduction', () => {
    expect(medianWithInfinity([3, null, 5])).toBe(5);
    expect(medianWithInfinity([null, null, 5])).toBeNull();
    expect(medianWithInfinity([1, 2, 3, 4])).toBe(2.5);
    expect(medianWithInfinity([])).toBeNull();
    const c = demoChecks(five(seed({ stepsToTarget: null }, { maxLossJump: -1e-4 })).map(() => seed({ stepsToTarget: null }, { maxLossJump: -1e-4 })), cost(1));
    expect(verdict(c, 'natgrad.stepsToTarget').verdict).toBe('PASS');
    expect(verdict(c, 'natgrad.maxLossJump').verdict).toBe('FAIL');
  });
});

/** The demo's criteria across seeds: each verdict follows its threshold, both ways. */
import { describe, it, expect } from 'vitest';
import { demoChecks, formatDemoChecks, medianWithInfinity } from '../../src/train/demo-checks.js';
import type { DemoSeedResult } from '../../src/train/demo.js';
import type { RunOutcome } from '../../src/train/monitor/outcome.js';

function outcome(o: Partial<RunOutcome>): RunOutcome {
  return {
    learningRate: 0.1, steps: 80, firstBifurcationStep: 40, bifurcationType: 'pitchfork', fixedPointsBefore: 1, fixedPointsAfter: 3,
    rankCollapseStep: 39, prBefore: 25, prAfter: 4, dominantAlignment: 0.95, dominantAlignmentBias: 0.99, hStarAtMinimum: 0.2,
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

const verdict = (c: ReturnType<typeof demoChecks>, name: string) => c.checks.find((k) => k.name === name)!;

describe('demoChecks', () => {
  it('all criteria pass on outcomes that meet them', () => {
    const c = demoChecks([seed(), seed(), seed()], 1.2);
    expect(c.passed).toBe(c.total);
    expect(c.total).toBe(8);
    expect(verdict(c, 'reference.prFall').values).toEqual([6.25, 6.25, 6.25]);
    expect(verdict(c, 'reference.collapseAtCrossing').values).toEqual([-1, -1, -1]);
    expect(verdict(c, 'natgrad.cost').aggregate).toEqual({ medianRunRatio: 1, interleaved: 1.2 });
    expect(formatDemoChecks(c)).toMatch(/^checks over 3 seed\(s\): 8\/8 passed/);
  });

  it('each threshold fails just past it', () => {
    const fail = (s: DemoSeedResult[], cost: number, name: string) => {
      const c = demoChecks(s, cost);
      expect(verdict(c, name).pass).toBe(false);
      expect(c.passed).toBe(c.total - 1);
      expect(formatDemoChecks(c)).toContain('FAIL');
    };
    fail([seed(), seed({ dominantAlignment: 0.8999 })], 1.2, 'reference.dominantAlignment');
    fail([seed(), seed({ prAfter: 25 / 3.99 })], 1.2, 'reference.prFall');
    fail([seed(), seed({ rankCollapseStep: 37 })], 1.2, 'reference.collapseAtCrossing');
    fail([seed({ bifurcationType: 'saddle-node' }), seed()], 1.2, 'reference.pitchfork');
    fail([seed({}, {}, { lossIncreases: 2 }), seed()], 1.2, 'natgrad.lossIncreases'); // 2 > 6/4
    fail([seed({}, {}, { maxLossJump: 0.2 }), seed({}, {}, { maxLossJump: 0.2 })], 1.2, 'natgrad.maxLossJump');
    fail([seed({}, {}, { stepsToTarget: null }), seed()], 1.2, 'natgrad.stepsToTarget');
    fail([seed(), seed()], 1.51, 'natgrad.cost');
    fail([seed({}, { secondsPerStep: 0.002 }, { secondsPerStep: 0.0031 }), seed({}, { secondsPerStep: 0.002 }, { secondsPerStep: 0.0031 })], 1.2, 'natgrad.cost'); // runs 1.55×
  });

  it('boundary values pass: alignment 0.9, fall 4×, offset ±2, ¼ of the up-steps, 5× smaller jump, cost 1.5', () => {
    const c = demoChecks(
      [seed({ dominantAlignment: 0.9, prAfter: 6.25, rankCollapseStep: 42 }, { lossIncreases: 4, maxLossJump: 0.5 }, { lossIncreases: 1, maxLossJump: 0.1 })],
      1.5,
    );
    expect(c.passed).toBe(c.total);
  });

  it('a never-reached reference counts as +∞ in the median; sgd without any jump cannot show a 5× reduction', () => {
    expect(medianWithInfinity([3, null, 5])).toBe(5);
    expect(medianWithInfinity([null, null, 5])).toBeNull();
    expect(medianWithInfinity([1, 2, 3, 4])).toBe(2.5);
    expect(medianWithInfinity([])).toBeNull();
    const c = demoChecks([seed({ stepsToTarget: null }, { maxLossJump: -1e-4 })], 1);
    expect(verdict(c, 'natgrad.stepsToTarget').pass).toBe(true);
    expect(verdict(c, 'natgrad.maxLossJump').pass).toBe(false);
  });
});

/**
 * The student–teacher demo for each normal form, as experiments (`DemoExperiment`, demo.ts):
 * `pitchfork` (the default and the calibrated one, tasks/pitchfork.ts), `saddle-node` (a learned
 * latch, tasks/saddle-node.ts) and `hopf` (a learned oscillation from a quiescent start,
 * tasks/hopf.ts; the monitor analyses the leaky cell's map, so the crossing shows as a
 * Neimark–Sacker of the map, the flow's Hopf). The saddle-node and Hopf experiments share the
 * pitchfork's runs (GD lr 0.1, GD lr 1, low-rank natural gradient lr 1 with k = 2, which covers a
 * complex pair) and judge their own claims (docs/theory.md §8 and §11): the first bifurcation is of
 * the variant's type, the PR collapses at the crossing to ≈ 1 (real, rank-one channel) or ≈ 2
 * (complex, rank-two channel), the top sNTK direction lies in the channel subspace, and natgrad
 * removes most loss spikes.
 */
import type { DemoExperiment, DemoSeedResult } from './demo.js';
import { PITCHFORK_EXPERIMENT } from './demo.js';
import type { DemoChecks, DemoCriterion } from './demo-checks.js';
import { PITCHFORK_CRITERIA, demoChecks, perSeed } from './demo-checks.js';
import type { StepCostRatio } from './cost.js';

/** The normal forms the demo can learn through. */
export const DEMO_BIFURCATIONS = ['pitchfork', 'saddle-node', 'hopf'] as const;
/** One of `DEMO_BIFURCATIONS`. */
export type DemoBifurcation = (typeof DEMO_BIFURCATIONS)[number];

/** Bifurcation types the monitor may report for the variant (map analysis: Hopf → Neimark–Sacker). Cost O(1). */
export function expectedTypes(bifurcation: DemoBifurcation): string[] {
  return bifurcation === 'hopf' ? ['hopf', 'neimark-sacker'] : [bifurcation];
}

/** The pitchfork experiment's criteria of these names (shared claims, stated once). Cost O(criteria). */
function pitchforkCriteria(...names: string[]): DemoCriterion[] {
  return PITCHFORK_CRITERIA.filter((c) => names.includes(c.name));
}

/**
 * The claims of the saddle-node or Hopf experiment, as data: the first bifurcation at zero input on
 * the reference (GD lr 0.1) path is of the variant's type on every seed; the PR minimum lies within
 * 2 monitored steps of it; the PR at its minimum is ≤ 1.5 (saddle-node) or ≤ 2.5 (Hopf); the top
 * sNTK direction lies in the channel subspace (|cos| ≥ 0.9 with `B*ᵀl`, or with the span of the real
 * and imaginary parts for a complex pair); over 5 seeds natgrad's summed loss increases ≤ ¼ of
 * sgd's and its median max loss jump ≥ 5× smaller. Cost O(1).
 */
export function variantCriteria(bifurcation: Exclude<DemoBifurcation, 'pitchfork'>): DemoCriterion[] {
  const types = expectedTypes(bifurcation);
  const limit = bifurcation === 'hopf' ? 2.5 : 1.5;
  return [
    {
      name: `reference.${bifurcation}`,
      requirement: `the first bifurcation at zero input is a ${types.join(' / ')} on every seed`,
      kind: 'judged',
      evaluate: (seeds) => {
        const ref = seeds.map((s) => s.reference);
        return perSeed(
          ref.map((o) => (o.bifurcationType === null ? null : `${o.bifurcationType} ${o.fixedPointsBefore}→${o.fixedPointsAfter}`)),
          ref.map((o) => o.bifurcationType !== null && types.includes(o.bifurcationType)),
        );
      },
    },
    ...pitchforkCriteria('reference.collapseAtCrossing'),
    {
      name: 'reference.prCollapse',
      requirement: `state-space PR at its minimum ≤ ${limit} (${bifurcation === 'hopf' ? '≈ 2: complex, rank-two channel' : '≈ 1: real, rank-one channel'}) on every seed`,
      kind: 'judged',
      evaluate: (seeds) => {
        const pr = seeds.map(({ reference: o }) => o.prAfter);
        return perSeed(pr, pr.map((x) => x !== null && x <= limit));
      },
    },
    {
      name: 'reference.dominantAlignment',
      requirement: '|cos(top sNTK direction, channel subspace)| ≥ 0.9 at the PR minimum on every seed',
      kind: 'judged',
      evaluate: (seeds) => {
        const a = seeds.map(({ reference: o }) => o.dominantAlignment);
        return perSeed(a, a.map((x) => x !== null && x >= 0.9));
      },
    },
    // natgrad against GD at lr 1: the pitchfork experiment's own criteria, unchanged
    ...pitchforkCriteria('natgrad.lossIncreases', 'natgrad.maxLossJump'),
  ];
}

/** The experiment of a variant: the pitchfork's runs on the variant's task, with its own claims. Cost O(1). */
export function demoExperiment(bifurcation: DemoBifurcation): DemoExperiment {
  if (bifurcation === 'pitchfork') return PITCHFORK_EXPERIMENT;
  return {
    name: bifurcation,
    title: `${bifurcation} student–teacher: reference GD (lr 0.1), GD and low-rank natural gradient (lr 1, k = 2)`,
    base: { ...PITCHFORK_EXPERIMENT.base, task: { name: bifurcation } },
    runs: PITCHFORK_EXPERIMENT.runs,
    criteria: variantCriteria(bifurcation),
  };
}

/** The variant's claims judged on `seeds` (`demoChecks` with the experiment's criteria). Cost O(seeds). */
export function variantChecks(bifurcation: DemoBifurcation, seeds: readonly DemoSeedResult[], cost: StepCostRatio | null): DemoChecks {
  return demoChecks(seeds, cost, demoExperiment(bifurcation).criteria);
}

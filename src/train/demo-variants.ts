/**
 * The student–teacher demo for each normal form, as experiments (`DemoExperiment`, demo.ts):
 * `pitchfork` (the default and the calibrated one, tasks/pitchfork.ts), `saddle-node` (a learned
 * latch, tasks/saddle-node.ts) and `hopf` (a learned oscillation from a quiescent start,
 * tasks/hopf.ts; the monitor analyses the leaky cell's map, so the crossing shows as a
 * Neimark–Sacker of the map, the flow's Hopf). docs/theory.md §11 gives the mechanisms.
 *
 * The saddle-node and Hopf experiments run the pitchfork's three arms — GD at lr 0.1
 * (`reference`), GD at lr 1 (`sgd`), the low-rank natural gradient at lr 1 with k = 2 (`natgrad`;
 * two directions cover a complex pair) — with two changes, both stated in the criteria's text:
 * - natgrad's damping is fixed at `λ̄ = 1/η` (= 1) instead of `Λ₃`: inside the top-two Fisher
 *   subspace the step is then `(F + 1/η)⁻¹ g` — plain GD where the curvature is below the GD scale
 *   `1/η`, a Gauss–Newton step above it. `λ̄ = Λ₃` damps the top two directions relative to the
 *   third; in these tasks the channel carries the learning signal and dominates the Fisher long
 *   before the crossing (the Hopf's rank-two channel from the first step), so `Λ₃ ≪ Λ₁` throughout
 *   and that step crawls (measured on seed 0: Hopf 0.68·L₀ after 80 steps, slower than the
 *   reference; saddle-node median 42 steps to 0.1·L₀ over seeds 0–4);
 * - the monitor takes the sNTK over the first 8 trials (the pitchfork: all 32), a 4× cheaper dense
 *   kernel per monitored step;
 * - the Hopf runs take `HOPF_STEPS` = 120 steps (its student starts further from the boundary).
 *
 * Claims (thresholds fixed before the runs, judged per seed unless stated): the first bifurcation
 * at zero input on the reference path is of the variant's type (saddle-node: 1 → 3 fixed points;
 * Hopf / Neimark–Sacker: the origin persists, 1 → 1); at the smallest PR on the training path's approach to it
 * (monitor/core.ts `crossingApproach`; docs/theory.md §11) the state-space PR has fallen ≥ 4× (saddle-node) / ≥ 3× (Hopf, whose floor is 2, not 1) from its
 * first value and is ≤ 2 (fewer than two effective directions: a rank-one channel) / ≤ 3.5 with
 * `λ₂/λ₁ ≥ 0.5` (two comparable directions: the rank-two channel of the pair); the top sNTK
 * direction there lies in the channel subspace (|cos| ≥ 0.9 with `B*ᵀl`, or with span{Re, Im
 * dλ/dθ}); the PR minimum's position relative to the crossing is reported; over 5 seeds natgrad's
 * summed loss increases ≤ ¼ of GD's at the same rate, its median max loss jump ≥ 5× smaller, every
 * natgrad seed reaches 0.1·L₀ with a median below the reference's, and its step costs ≤ 1.5× GD's.
 */
import type { DemoExperiment, DemoRunOutcome, DemoSeedResult } from './demo.js';
import { PITCHFORK_EXPERIMENT } from './demo.js';
import type { DemoChecks, DemoCriterion } from './demo-checks.js';
import { PITCHFORK_CRITERIA, demoChecks, perSeed } from './demo-checks.js';
import type { StepCostRatio } from './cost.js';
import { runOutcome } from './monitor/outcome.js';
import { crossingFigures } from './demo-crossing.js';

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

/** The thresholds of a variant's per-seed claims (see the module comment). */
export interface VariantThresholds {
  /** Fixed points before → after the first bifurcation. */
  fixedPoints: [number, number];
  /** PR₀ / PR at the crossing (the approach's smallest), at least. */
  prFall: number;
  /** PR at the crossing, at most. */
  prAtCrossing: number;
  /** `λ₂/λ₁` at the crossing, at least (null: not judged). */
  secondOverFirst: number | null;
  /** |cos(top direction at the crossing, channel subspace at the located point)|, at least. */
  alignment: number;
  /** The channel's rank (1: `B*ᵀl`; 2: span{Re, Im dλ/dθ}). */
  rank: 1 | 2;
}

/** The thresholds of the saddle-node and Hopf claims. Cost O(1). */
export function variantThresholds(bifurcation: Exclude<DemoBifurcation, 'pitchfork'>): VariantThresholds {
  return bifurcation === 'hopf'
    ? { fixedPoints: [1, 1], prFall: 3, prAtCrossing: 3.5, secondOverFirst: 0.5, alignment: 0.9, rank: 2 }
    : { fixedPoints: [1, 3], prFall: 4, prAtCrossing: 2, secondOverFirst: null, alignment: 0.9, rank: 1 };
}

/** The reference run's crossing figures (null when it had no bifurcation). */
const crossingOf = (o: DemoRunOutcome) => o.crossing ?? null;

/**
 * The claims of the saddle-node or Hopf experiment, as data (thresholds: `variantThresholds`; the
 * module comment says why). Cost O(1).
 */
export function variantCriteria(bifurcation: Exclude<DemoBifurcation, 'pitchfork'>): DemoCriterion[] {
  const types = expectedTypes(bifurcation);
  const th = variantThresholds(bifurcation);
  const [fb, fa] = th.fixedPoints;
  const channel = th.rank === 2 ? 'span{Re, Im dλ/dθ} (rank two)' : 'B*ᵀl (rank one)';
  const out: DemoCriterion[] = [
    {
      name: `reference.${bifurcation}`,
      requirement: `the first bifurcation at zero input is a ${types.join(' / ')}, ${fb} → ${fa} fixed points, on every seed`,
      kind: 'judged',
      evaluate: (seeds) => {
        const ref = seeds.map((s) => s.reference);
        return perSeed(
          ref.map((o) => (o.bifurcationType === null ? null : `${o.bifurcationType} ${o.fixedPointsBefore}→${o.fixedPointsAfter}`)),
          ref.map((o) => o.bifurcationType !== null && types.includes(o.bifurcationType) && o.fixedPointsBefore === fb && o.fixedPointsAfter === fa),
        );
      },
    },
    {
      name: 'reference.prFallAtCrossing',
      requirement: `state-space PR at the crossing (the smallest on the training path's approach to it) ≥ ${th.prFall}× below its first value, on every seed`,
      kind: 'judged',
      evaluate: (seeds) => {
        const f = seeds.map(({ reference: o }) => {
          const c = crossingOf(o);
          return c && c.pr !== null && c.pr > 0 && o.prBefore !== null ? o.prBefore / c.pr : null;
        });
        return perSeed(f, f.map((x) => x !== null && x >= th.prFall));
      },
    },
    {
      name: 'reference.prAtCrossing',
      requirement: `state-space PR at the crossing (the smallest on the approach) ≤ ${th.prAtCrossing} (${th.rank === 2 ? '≈ 2: the rank-two channel of the complex pair' : '≈ 1: a rank-one channel'}), on every seed`,
      kind: 'judged',
      evaluate: (seeds) => {
        const p = seeds.map(({ reference: o }) => crossingOf(o)?.pr ?? null);
        return perSeed(p, p.map((x) => x !== null && x <= th.prAtCrossing));
      },
    },
  ];
  if (th.secondOverFirst !== null) {
    const min = th.secondOverFirst;
    out.push({
      name: 'reference.rankTwoAtCrossing',
      requirement: `λ₂/λ₁ of the sNTK at the crossing ≥ ${min} (two comparable directions: growth rate and frequency), on every seed`,
      kind: 'judged',
      evaluate: (seeds) => {
        const r = seeds.map(({ reference: o }) => crossingOf(o)?.secondOverFirst ?? null);
        return perSeed(r, r.map((x) => x !== null && x >= min));
      },
    });
  }
  out.push(
    {
      name: 'reference.channelAlignment',
      requirement: `|cos(top sNTK direction at the crossing, ${channel} at the located bifurcation)| ≥ ${th.alignment}, on every seed`,
      kind: 'judged',
      evaluate: (seeds) => {
        const a = seeds.map(({ reference: o }) => {
          const c = crossingOf(o);
          return c ? (th.rank === 2 ? c.alignComplex : c.alignReal) : null;
        });
        return perSeed(a, a.map((x) => x !== null && x >= th.alignment));
      },
    },
    {
      name: 'reference.prMinimumFromCrossing',
      requirement: `PR-minimum step − first-bifurcation step, and the PR minimum (${bifurcation === 'hopf' ? 'on the learned cycle the phase stays neutral, so the kernel stays collapsed past the crossing' : 'the ghost of the fold collapses the kernel just before it'})`,
      kind: 'reported',
      evaluate: (seeds) => ({
        values: seeds.map(({ reference: o }) => (o.rankCollapseStep === null || o.firstBifurcationStep === null ? null : `${o.rankCollapseStep - o.firstBifurcationStep} (PR ${o.prAfter === null ? '–' : o.prAfter.toFixed(2)})`)),
        heldOn: null,
        held: true,
      }),
    },
    // natgrad against GD at lr 1: the pitchfork experiment's own criteria, unchanged
    ...pitchforkCriteria('natgrad.lossIncreases', 'natgrad.maxLossJump', 'natgrad.stepsToTarget', 'natgrad.cost', 'natgrad.runSecondsPerStep'),
  );
  return out;
}

/**
 * Steps of the Hopf experiment's runs (the pitchfork's: 80). The Hopf student starts at radial gain
 * 0.55, far enough from the boundary that its sNTK is not yet collapsed (tasks/hopf.ts); GD at
 * lr 0.1 then needs ≈ 60–105 steps to cross.
 */
export const HOPF_STEPS = 120;

/** `runOutcome` plus the sNTK at the crossing (`crossingFigures`). Cost O(file sizes). */
export function variantOutcome(dir: string): DemoRunOutcome {
  return { ...runOutcome(dir), crossing: crossingFigures(dir) };
}

/**
 * The experiment of a variant: the pitchfork's three arms on the variant's task with natgrad's
 * damping fixed at `1/η` and the monitor over 8 trials (module comment), with its own claims. Cost O(1).
 */
export function demoExperiment(bifurcation: DemoBifurcation): DemoExperiment {
  if (bifurcation === 'pitchfork') return PITCHFORK_EXPERIMENT;
  const natgrad = PITCHFORK_EXPERIMENT.runs.natgrad['optimizer'] as Record<string, unknown>;
  const lr = natgrad['learningRate'] as number;
  return {
    name: bifurcation,
    title: `${bifurcation} student–teacher: reference GD (lr 0.1), GD and low-rank natural gradient (lr 1, k = 2, damping 1/lr)`,
    base: { ...PITCHFORK_EXPERIMENT.base, ...(bifurcation === 'hopf' ? { steps: HOPF_STEPS } : {}), task: { name: bifurcation }, monitor: { trials: 8 } },
    runs: { ...PITCHFORK_EXPERIMENT.runs, natgrad: { optimizer: { ...natgrad, damping: 1 / lr } } },
    criteria: variantCriteria(bifurcation),
    outcome: variantOutcome,
  };
}

/** The variant's claims judged on `seeds` (`demoChecks` with the experiment's criteria). Cost O(seeds). */
export function variantChecks(bifurcation: DemoBifurcation, seeds: readonly DemoSeedResult[], cost: StepCostRatio | null): DemoChecks {
  return demoChecks(seeds, cost, demoExperiment(bifurcation).criteria);
}

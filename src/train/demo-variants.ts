/**
 * The student–teacher demo for each normal form: `pitchfork` (the default, tasks/pitchfork.ts),
 * `saddle-node` (a learned latch, tasks/saddle-node.ts) and `hopf` (a learned oscillation from a
 * quiescent start, tasks/hopf.ts; the monitor analyses the leaky cell's map, so the crossing shows
 * as a Neimark–Sacker of the map, the flow's Hopf). For saddle-node and Hopf the criteria are
 * judged here, with the thresholds next to each check; the pitchfork keeps demo-checks.ts.
 */
import type { DemoSeedResult } from './demo.js';
import type { DemoCheck, DemoChecks } from './demo-checks.js';
import { demoChecks, medianWithInfinity } from './demo-checks.js';

/** The normal forms the demo can learn through. */
export const DEMO_BIFURCATIONS = ['pitchfork', 'saddle-node', 'hopf'] as const;
/** One of `DEMO_BIFURCATIONS`. */
export type DemoBifurcation = (typeof DEMO_BIFURCATIONS)[number];

/** The task config of a demo variant (merged under `task` of every run). */
export function demoTaskConfig(bifurcation: DemoBifurcation): { name: DemoBifurcation } {
  return { name: bifurcation };
}

/** Bifurcation types the monitor may report for the variant (map analysis: Hopf → Neimark–Sacker). */
export function expectedTypes(bifurcation: DemoBifurcation): string[] {
  return bifurcation === 'hopf' ? ['hopf', 'neimark-sacker'] : [bifurcation];
}

function perSeed(name: string, requirement: string, values: (number | string | null)[], held: boolean[]): DemoCheck {
  const heldOn = held.filter(Boolean).length;
  return { name, requirement, values, heldOn, pass: heldOn === held.length };
}

/**
 * The variant's criteria over seeds: the first bifurcation on the reference (GD lr 0.1) path is of
 * the variant's type on every seed; the PR minimum lies within 2 monitored steps of it; the PR
 * collapses to ≤ 1.5 (saddle-node: a real, rank-one channel) or ≤ 2.5 (Hopf: the rank-two complex
 * channel); the top sNTK direction lies in the channel subspace (|cos| with B*ᵀl, or with the span
 * of its real and imaginary parts, ≥ 0.9); natgrad's summed loss increases ≤ ¼ of sgd's and its
 * median max loss jump ≥ 5× smaller. The pitchfork delegates to `demoChecks`. Cost O(seeds).
 */
export function variantChecks(bifurcation: DemoBifurcation, seeds: readonly DemoSeedResult[], costRatio: number | null): DemoChecks {
  if (bifurcation === 'pitchfork') return demoChecks(seeds, costRatio);
  const ref = seeds.map((s) => s.reference);
  const sgd = seeds.map((s) => s.sgd);
  const ng = seeds.map((s) => s.natgrad);
  const types = expectedTypes(bifurcation);
  const checks: DemoCheck[] = [];
  checks.push(
    perSeed(
      `reference.${bifurcation}`,
      `the first bifurcation at zero input is a ${types.join(' / ')} on every seed`,
      ref.map((o) => (o.bifurcationType === null ? null : `${o.bifurcationType} ${o.fixedPointsBefore}→${o.fixedPointsAfter}`)),
      ref.map((o) => o.bifurcationType !== null && types.includes(o.bifurcationType)),
    ),
  );
  const offsets = ref.map((o) => (o.rankCollapseStep === null || o.firstBifurcationStep === null ? null : o.rankCollapseStep - o.firstBifurcationStep));
  checks.push(perSeed('reference.collapseAtCrossing', '|rankCollapseStep − firstBifurcationStep| ≤ 2 on every seed', offsets, offsets.map((d) => d !== null && Math.abs(d) <= 2)));
  const limit = bifurcation === 'hopf' ? 2.5 : 1.5;
  const prMin = ref.map((o) => o.prAfter);
  checks.push(perSeed('reference.prCollapse', `state-space PR at its minimum ≤ ${limit} (${bifurcation === 'hopf' ? '≈ 2: complex, rank-two channel' : '≈ 1: real, rank-one channel'}) on every seed`, prMin, prMin.map((x) => x !== null && x <= limit)));
  // the span of B*ᵀl (Re and Im for a complex pair); the monitor's alignEigenMove metric holds the
  // alignment with span{Re, Im dλ/dθ} (monitor/fixed.ts)
  const align = ref.map((o) => o.dominantAlignment);
  checks.push(perSeed('reference.dominantAlignment', '|cos(top sNTK direction, channel subspace)| ≥ 0.9 at the PR minimum on every seed', align, align.map((x) => x !== null && x >= 0.9)));
  const upSgd = sgd.reduce((a, o) => a + o.lossIncreases, 0);
  const upNg = ng.reduce((a, o) => a + o.lossIncreases, 0);
  checks.push({ name: 'natgrad.lossIncreases', requirement: "natgrad's summed lossIncreases ≤ ¼ of sgd's", values: ng.map((o) => o.lossIncreases), aggregate: { sgd: upSgd, natgrad: upNg }, heldOn: null, pass: upNg <= upSgd / 4 });
  const jumpSgd = medianWithInfinity(sgd.map((o) => o.maxLossJump));
  const jumpNg = medianWithInfinity(ng.map((o) => o.maxLossJump));
  checks.push({
    name: 'natgrad.maxLossJump',
    requirement: "median maxLossJump of natgrad ≥ 5× smaller than sgd's",
    values: ng.map((o) => o.maxLossJump),
    aggregate: { sgdMedian: jumpSgd, natgradMedian: jumpNg },
    heldOn: null,
    pass: jumpSgd !== null && jumpNg !== null && jumpSgd > 0 && jumpNg <= jumpSgd / 5,
  });
  const passed = checks.filter((c) => c.pass).length;
  return { seeds: seeds.length, checks, passed, total: checks.length };
}

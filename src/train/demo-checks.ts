/**
 * The demo's claims checked across seeds: each criterion of an experiment (for the pitchfork
 * experiment, docs/theory.md §7) evaluated on the per-seed outcomes of `runDemo`, with the
 * measured values next to the verdict, so that `sntk demo --seeds n` reports which claims held on
 * this machine and by how much — including the ones that did not.
 *
 * Verdicts: `PASS` / `FAIL` for a judged claim; `not judged` for a claim stated over several seeds
 * (`minSeeds`) when fewer ran; `reported` for a figure shown for information only.
 */
import type { DemoSeedResult } from './demo.js';
import type { StepCostRatio } from './cost.js';

/** The verdict of one criterion. */
export type DemoVerdict = 'PASS' | 'FAIL' | 'not judged' | 'reported';

/** One criterion: what it requires, the values it was judged on, and its verdict. */
export interface DemoCheck {
  /** Short identifier, e.g. `reference.pitchfork`. */
  name: string;
  /** The requirement in words. */
  requirement: string;
  /** Per-seed values (null where a run produced none) or aggregates, as judged. */
  values: (number | string | null)[];
  /** Aggregate figures the verdict is based on (medians, sums), if any. */
  aggregate?: Record<string, number | null>;
  /** Seeds on which a per-seed criterion held (null for aggregate-only criteria). */
  heldOn: number | null;
  verdict: DemoVerdict;
  /** Why a claim was not judged (e.g. `needs --seeds 5`). */
  reason?: string;
  /** True only for a judged claim that held. */
  pass: boolean;
}

/** What a criterion computes from the outcomes; `runDemoChecks` turns it into a `DemoCheck`. */
export interface CriterionResult {
  values: (number | string | null)[];
  aggregate?: Record<string, number | null>;
  heldOn: number | null;
  /** Whether the claim held (ignored for `reported` criteria). */
  held: boolean;
}

/** One claim of an experiment, as data: `sntk demo` judges each on the outcomes of every seed. */
export interface DemoCriterion {
  name: string;
  requirement: string;
  /** `judged` (PASS/FAIL) or `reported` (shown, never judged). */
  kind: 'judged' | 'reported';
  /** The claim is stated over this many seeds; with fewer it is `not judged` (default 1). */
  minSeeds?: number;
  evaluate(seeds: readonly DemoSeedResult[], cost: StepCostRatio | null): CriterionResult;
}

/** What `demoChecks` returns. */
export interface DemoChecks {
  seeds: number;
  checks: DemoCheck[];
  /** Judged checks that passed / judged checks. */
  passed: number;
  judged: number;
  /** Checks not judged for want of seeds. */
  notJudged: number;
  /** Every check, including the reported and not judged ones. */
  total: number;
  /** True when no judged check failed. */
  ok: boolean;
}

/** Median of finite numbers (null entries count as +∞, e.g. a run that never reached the target); null for none. */
export function medianWithInfinity(xs: readonly (number | null)[]): number | null {
  if (xs.length === 0) return null;
  const v = xs.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b);
  const m = v.length >> 1;
  const med = v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  return Number.isFinite(med) ? med : null;
}

/** A per-seed criterion's result: the values, and on how many seeds the claim held (all must). Cost O(seeds). */
export function perSeed(values: (number | string | null)[], held: boolean[]): CriterionResult {
  const heldOn = held.filter(Boolean).length;
  return { values, heldOn, held: heldOn === held.length };
}

/** The number of seeds over which the pitchfork experiment states its aggregate claims. */
export const CLAIM_SEEDS = 5;

/**
 * The pitchfork experiment's criteria (thresholds as calibrated, docs/theory.md §7): pitchfork
 * 1 → 3 on every seed; |PR-minimum step − first bifurcation step| ≤ 2; PR fall ≥ 4×; |cos(top sNTK
 * direction, (0, 0, D*l))| ≥ 0.9 at the PR minimum on every seed (the bias block of `B*ᵀl`; the
 * full `B*ᵀl` alignment and ‖h*‖ are reported, not judged); over 5 seeds: natgrad's summed loss
 * increases ≤ ¼ of sgd's, its median max loss jump ≥ 5× smaller, every natgrad seed reaching the
 * target with a median steps-to-target below the reference's; natgrad/sgd step cost ≤ 1.5 as the
 * median ratio of one interleaved repeated timing (the runs' own `secondsPerStep` are reported).
 */
export const PITCHFORK_CRITERIA: readonly DemoCriterion[] = [
  {
    name: 'reference.pitchfork',
    requirement: 'a pitchfork at zero input, 1 → 3 fixed points, on every seed',
    kind: 'judged',
    evaluate: (seeds) => {
      const ref = seeds.map((s) => s.reference);
      return perSeed(
        ref.map((o) => (o.bifurcationType === null ? null : `${o.bifurcationType} ${o.fixedPointsBefore}→${o.fixedPointsAfter}`)),
        ref.map((o) => o.bifurcationType === 'pitchfork' && o.fixedPointsBefore === 1 && o.fixedPointsAfter === 3),
      );
    },
  },
  {
    name: 'reference.collapseAtCrossing',
    requirement: '|rankCollapseStep − firstBifurcationStep| ≤ 2 on every seed',
    kind: 'judged',
    evaluate: (seeds) => {
      const d = seeds.map(({ reference: o }) => (o.rankCollapseStep === null || o.firstBifurcationStep === null ? null : o.rankCollapseStep - o.firstBifurcationStep));
      return perSeed(d, d.map((x) => x !== null && Math.abs(x) <= 2));
    },
  },
  {
    name: 'reference.prFall',
    requirement: 'state-space PR falls ≥ 4× from its initial value on every seed',
    kind: 'judged',
    evaluate: (seeds) => {
      const f = seeds.map(({ reference: o }) => (o.prBefore !== null && o.prAfter !== null && o.prAfter > 0 ? o.prBefore / o.prAfter : null));
      return perSeed(f, f.map((x) => x !== null && x >= 4));
    },
  },
  {
    name: 'reference.dominantAlignmentBias',
    requirement: '|cos(top sNTK direction, (0, 0, D*l))| ≥ 0.9 at the PR minimum on every seed',
    kind: 'judged',
    evaluate: (seeds) => {
      const a = seeds.map((s) => s.reference.dominantAlignmentBias);
      return perSeed(a, a.map((x) => x !== null && x >= 0.9));
    },
  },
  {
    name: 'reference.dominantAlignment',
    requirement: '|cos(top sNTK direction, B*ᵀl)| at the PR minimum (the full B*ᵀl, with its W block (D*l)h*ᵀ)',
    kind: 'reported',
    evaluate: (seeds) => ({ values: seeds.map((s) => s.reference.dominantAlignment), heldOn: null, held: true }),
  },
  {
    name: 'reference.hStarAtMinimum',
    requirement: '‖h*‖ of the fixed point nearest criticality at the PR minimum (how far the trained bias moved it off the origin)',
    kind: 'reported',
    evaluate: (seeds) => ({ values: seeds.map((s) => s.reference.hStarAtMinimum), heldOn: null, held: true }),
  },
  {
    name: 'natgrad.lossIncreases',
    requirement: "natgrad's summed lossIncreases ≤ ¼ of sgd's",
    kind: 'judged',
    minSeeds: CLAIM_SEEDS,
    evaluate: (seeds) => {
      const up = (k: 'sgd' | 'natgrad') => seeds.reduce((a, s) => a + s[k].lossIncreases, 0);
      return { values: seeds.map((s) => s.natgrad.lossIncreases), aggregate: { sgd: up('sgd'), natgrad: up('natgrad') }, heldOn: null, held: up('natgrad') <= up('sgd') / 4 };
    },
  },
  {
    name: 'natgrad.maxLossJump',
    requirement: "median maxLossJump of natgrad ≥ 5× smaller than sgd's (a negative jump: the loss never rose)",
    kind: 'judged',
    minSeeds: CLAIM_SEEDS,
    evaluate: (seeds) => {
      const js = medianWithInfinity(seeds.map((s) => s.sgd.maxLossJump));
      const jn = medianWithInfinity(seeds.map((s) => s.natgrad.maxLossJump));
      return {
        values: seeds.map((s) => s.natgrad.maxLossJump),
        aggregate: { sgdMedian: js, natgradMedian: jn },
        heldOn: null,
        held: js !== null && jn !== null && js > 0 && jn <= js / 5,
      };
    },
  },
  {
    name: 'natgrad.stepsToTarget',
    requirement: "every natgrad seed reaches 0.1·L₀, with a median stepsToTarget below the reference runs'",
    kind: 'judged',
    minSeeds: CLAIM_SEEDS,
    evaluate: (seeds) => {
      const reached = seeds.map((s) => s.natgrad.stepsToTarget);
      const mn = medianWithInfinity(reached);
      const mr = medianWithInfinity(seeds.map((s) => s.reference.stepsToTarget));
      return {
        values: reached,
        aggregate: { natgradMedian: mn, referenceMedian: mr },
        heldOn: reached.filter((x) => x !== null).length,
        held: reached.every((x) => x !== null) && mn !== null && (mr === null || mn < mr),
      };
    },
  },
  {
    name: 'natgrad.cost',
    requirement: "natgrad's step ≤ 1.5× sgd's: median CPU-time ratio of one interleaved repeated timing on the same state",
    kind: 'judged',
    evaluate: (_seeds, cost) => ({
      values: cost ? [cost.natgradOverSgd] : [null],
      aggregate: (cost ? { median: cost.natgradOverSgd, q25: cost.spread[0], q75: cost.spread[1], rounds: cost.rounds } : { median: null }) as Record<string, number | null>,
      heldOn: null,
      held: cost !== null && Number.isFinite(cost.natgradOverSgd) && cost.natgradOverSgd <= 1.5,
    }),
  },
  {
    name: 'natgrad.runSecondsPerStep',
    requirement: "natgrad/sgd of the runs' own median secondsPerStep, per seed (taken minutes apart: information only)",
    kind: 'reported',
    evaluate: (seeds) => ({
      values: seeds.map((s) => (s.natgrad.secondsPerStep !== null && s.sgd.secondsPerStep !== null && s.sgd.secondsPerStep > 0 ? s.natgrad.secondsPerStep / s.sgd.secondsPerStep : null)),
      heldOn: null,
      held: true,
    }),
  },
];

/**
 * Evaluates `criteria` (default the pitchfork experiment's) on `seeds` (one `DemoSeedResult` per
 * seed) and the interleaved step cost. A criterion with `minSeeds` above the number of seeds is
 * `not judged` (never FAIL). Cost O(seeds · criteria).
 */
export function demoChecks(seeds: readonly DemoSeedResult[], cost: StepCostRatio | null, criteria: readonly DemoCriterion[] = PITCHFORK_CRITERIA): DemoChecks {
  const checks: DemoCheck[] = criteria.map((c) => {
    const r = c.evaluate(seeds, cost);
    const need = c.minSeeds ?? 1;
    const base = { name: c.name, requirement: c.requirement, values: r.values, ...(r.aggregate ? { aggregate: r.aggregate } : {}), heldOn: r.heldOn };
    if (c.kind === 'reported') return { ...base, verdict: 'reported' as const, pass: false };
    if (seeds.length < need) return { ...base, verdict: 'not judged' as const, reason: `needs --seeds ${need}`, pass: false };
    return { ...base, verdict: r.held ? ('PASS' as const) : ('FAIL' as const), pass: r.held };
  });
  const judged = checks.filter((c) => c.verdict === 'PASS' || c.verdict === 'FAIL').length;
  const passed = checks.filter((c) => c.verdict === 'PASS').length;
  const notJudged = checks.filter((c) => c.verdict === 'not judged').length;
  return { seeds: seeds.length, checks, passed, judged, notJudged, total: checks.length, ok: passed === judged };
}

/** A value as the checks print it (3 decimals, small numbers in exponent form, – for none). */
export function formatCheckValue(x: number | string | null): string {
  return x === null ? '–' : typeof x === 'string' ? x : Number.isInteger(x) ? String(x) : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(1) : x.toFixed(3);
}

/** The verdict as printed: `PASS`, `FAIL`, `not judged (needs --seeds 5)` or `reported`. */
export function verdictText(k: DemoCheck): string {
  return k.verdict === 'not judged' && k.reason ? `not judged (${k.reason})` : k.verdict;
}

/** The checks as printed lines (the verdict, the requirement, the values). */
export function formatDemoChecks(c: DemoChecks): string {
  const nj = c.notJudged ? `, ${c.notJudged} not judged (stated over ${CLAIM_SEEDS} seeds: run with --seeds ${CLAIM_SEEDS})` : '';
  const lines = [`checks over ${c.seeds} seed(s): ${c.passed}/${c.judged} judged checks passed${nj}`];
  for (const k of c.checks) {
    const held = k.heldOn === null ? '' : ` (${k.heldOn}/${c.seeds})`;
    const agg = k.aggregate ? '  ' + Object.entries(k.aggregate).map(([n, v]) => `${n} ${formatCheckValue(v)}`).join(', ') : '';
    lines.push(`  ${verdictText(k)}  ${k.requirement}${held}: ${k.values.map(formatCheckValue).join(', ')}${agg}`);
  }
  return lines.join('\n');
}

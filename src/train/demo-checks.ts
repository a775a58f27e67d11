/**
 * The demo's claims checked across seeds: each criterion of the pitchfork experiment (the
 * measured claims of docs/theory.md §11) evaluated on the per-seed outcomes of `runDemo`, with the
 * measured values next to the verdict, so that `sntk demo --seeds n` reports which claims held on
 * this machine and by how much — including the ones that did not.
 */
import type { DemoSeedResult } from './demo.js';

/** One criterion: what it requires, the values it was judged on, and whether it held. */
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
  pass: boolean;
}

/** What `demoChecks` returns. */
export interface DemoChecks {
  seeds: number;
  checks: DemoCheck[];
  /** Number of checks that passed / all. */
  passed: number;
  total: number;
}

/** Median of finite numbers (null entries count as +∞, e.g. a run that never reached the target); null for none. */
export function medianWithInfinity(xs: readonly (number | null)[]): number | null {
  if (xs.length === 0) return null;
  const v = xs.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b);
  const m = v.length >> 1;
  const med = v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
  return Number.isFinite(med) ? med : null;
}

function perSeed(name: string, requirement: string, values: (number | string | null)[], held: boolean[]): DemoCheck {
  const heldOn = held.filter(Boolean).length;
  return { name, requirement, values, heldOn, pass: heldOn === held.length };
}

/**
 * Evaluates the experiment's criteria on `seeds` (one `DemoSeedResult` per seed) and the
 * interleaved step cost ratio natgrad/sgd. Thresholds (docs/theory.md §11): pitchfork 1 → 3 on every
 * seed; |PR-minimum step − first bifurcation step| ≤ 2; PR fall ≥ 4×; dominant alignment ≥ 0.9;
 * natgrad's summed loss increases ≤ ¼ of sgd's; median max loss jump ≥ 5× smaller (natgrad's
 * median ≤ sgd's / 5 with sgd's > 0); every natgrad seed reaches the target with a median
 * steps-to-target below the reference's; natgrad/sgd step cost ≤ 1.5, both as the median of the
 * per-seed ratios of the runs' `secondsPerStep` and as the interleaved timing `costRatio` (the
 * runs' medians are taken minutes apart, so on a loaded machine only the latter is robust). Cost O(seeds).
 *
 * @param seeds - the per-seed results of {@link runDemo}.
 * @param costRatio - the interleaved natgrad/sgd step-cost ratio, or null.
 * @returns each criterion with its values and verdict, and how many passed.
 */
export function demoChecks(seeds: readonly DemoSeedResult[], costRatio: number | null): DemoChecks {
  const ref = seeds.map((s) => s.reference);
  const sgd = seeds.map((s) => s.sgd);
  const ng = seeds.map((s) => s.natgrad);
  const checks: DemoCheck[] = [];

  checks.push(
    perSeed(
      'reference.pitchfork',
      'a pitchfork at zero input, 1 → 3 fixed points, on every seed',
      ref.map((o) => (o.bifurcationType === null ? null : `${o.bifurcationType} ${o.fixedPointsBefore}→${o.fixedPointsAfter}`)),
      ref.map((o) => o.bifurcationType === 'pitchfork' && o.fixedPointsBefore === 1 && o.fixedPointsAfter === 3),
    ),
  );
  const offsets = ref.map((o) => (o.rankCollapseStep === null || o.firstBifurcationStep === null ? null : o.rankCollapseStep - o.firstBifurcationStep));
  checks.push(perSeed('reference.collapseAtCrossing', '|rankCollapseStep − firstBifurcationStep| ≤ 2 on every seed', offsets, offsets.map((d) => d !== null && Math.abs(d) <= 2)));
  const falls = ref.map((o) => (o.prBefore !== null && o.prAfter !== null && o.prAfter > 0 ? o.prBefore / o.prAfter : null));
  checks.push(perSeed('reference.prFall', 'state-space PR falls ≥ 4× from its initial value on every seed', falls, falls.map((x) => x !== null && x >= 4)));
  const align = ref.map((o) => o.dominantAlignment);
  checks.push(perSeed('reference.dominantAlignment', '|cos(top sNTK direction, B*ᵀl)| ≥ 0.9 at the PR minimum on every seed', align, align.map((x) => x !== null && x >= 0.9)));

  const upSgd = sgd.reduce((a, o) => a + o.lossIncreases, 0);
  const upNg = ng.reduce((a, o) => a + o.lossIncreases, 0);
  checks.push({
    name: 'natgrad.lossIncreases',
    requirement: "natgrad's summed lossIncreases ≤ ¼ of sgd's",
    values: ng.map((o) => o.lossIncreases),
    aggregate: { sgd: upSgd, natgrad: upNg },
    heldOn: null,
    pass: upNg <= upSgd / 4,
  });
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
  const reached = ng.map((o) => o.stepsToTarget);
  const medNg = medianWithInfinity(reached);
  const medRef = medianWithInfinity(ref.map((o) => o.stepsToTarget));
  checks.push({
    name: 'natgrad.stepsToTarget',
    requirement: "every natgrad seed reaches 0.1·L₀, with a median stepsToTarget below the reference runs'",
    values: reached,
    aggregate: { natgradMedian: medNg, referenceMedian: medRef },
    heldOn: reached.filter((x) => x !== null).length,
    pass: reached.every((x) => x !== null) && medNg !== null && (medRef === null || medNg < medRef),
  });
  const ratios = seeds.map((s) => (s.natgrad.secondsPerStep !== null && s.sgd.secondsPerStep !== null && s.sgd.secondsPerStep > 0 ? s.natgrad.secondsPerStep / s.sgd.secondsPerStep : null));
  const medRatio = ratios.some((x) => x === null) ? null : medianWithInfinity(ratios);
  checks.push({
    name: 'natgrad.cost',
    requirement: "natgrad's secondsPerStep ≤ 1.5× sgd's: the median of the per-seed run ratios and the interleaved timing",
    values: ratios,
    aggregate: { medianRunRatio: medRatio, interleaved: costRatio },
    heldOn: ratios.filter((x) => x !== null && x <= 1.5).length,
    pass: costRatio !== null && costRatio <= 1.5 && medRatio !== null && medRatio <= 1.5,
  });
  const passed = checks.filter((c) => c.pass).length;
  return { seeds: seeds.length, checks, passed, total: checks.length };
}

const fmt = (x: number | string | null): string => (x === null ? '–' : typeof x === 'string' ? x : Number.isInteger(x) ? String(x) : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(1) : x.toFixed(3));

/**
 * The checks as printed lines (`PASS`/`FAIL`, the requirement, the values).
 *
 * @param c - the result of {@link demoChecks}.
 * @returns one line per criterion, as `sntk demo` prints them.
 */
export function formatDemoChecks(c: DemoChecks): string {
  const few = c.seeds < 5 ? ' (the experiment states its claims over 5 seeds: run with --seeds 5; sgd may not spike on a single seed)' : '';
  const lines = [`checks over ${c.seeds} seed(s): ${c.passed}/${c.total} passed${few}`];
  for (const k of c.checks) {
    const held = k.heldOn === null ? '' : ` (${k.heldOn}/${c.seeds})`;
    const agg = k.aggregate ? '  ' + Object.entries(k.aggregate).map(([n, v]) => `${n} ${fmt(v)}`).join(', ') : '';
    lines.push(`  ${k.pass ? 'PASS' : 'FAIL'}  ${k.requirement}${held}: ${k.values.map(fmt).join(', ')}${agg}`);
  }
  return lines.join('\n');
}

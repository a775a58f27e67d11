/**
 * How well the top sNTK direction at the PR minimum aligns with `B*ᵀl` on the `reference` runs of
 * `sntk demo`, over many seeds, and why it varies:
 *
 *   npx tsx examples/reference-alignment.ts              # seeds 0–19 (≈ 20 s per seed, native BLAS)
 *   npx tsx examples/reference-alignment.ts --seeds 5 --json
 *
 * `B*ᵀl = [vec((D* l) h*ᵀ) (W), 0 (U, at zero input), D* l (b)]` at the zero-input fixed point
 * `h*` nearest criticality. With a trained bias, `h*` moves off the origin during training, and the
 * W block of `B*ᵀl` grows with `‖h*‖`, while the top sNTK direction stays (to |cos| ≳ 0.95) in the
 * bias block: trials spend time on both sides of the teacher's attractors, so the `(D l) h_{t−1}ᵀ`
 * contributions to the slow mode's sensitivity largely cancel over the batch. A direction purely
 * along `D* l` in b has `|cos| = 1/√(1 + ‖h*‖²)` with `B*ᵀl` exactly, so the alignment falls as the
 * fixed point moves; the summary gives the Spearman rank correlation of `|cos(top, B*ᵀl)|` with
 * `‖h*‖` over the seeds. Prints one row per seed and a summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMonitor, demoConfigs, parseTrainConfig, trainRun, tryRegisterNativeBackend } from 'sntk';
import { runOutcome } from 'sntk/train';

if (process.env.SNTK_BACKEND !== 'js') tryRegisterNativeBackend();

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '20' }, json: { type: 'boolean', default: false } } });
const n = Number(values.seeds);
if (!Number.isInteger(n) || n < 1) throw new Error(`--seeds must be a positive integer, got ${values.seeds}`);

interface Row {
  seed: number;
  crossing: number | null;
  prMinimum: number | null;
  prFall: number | null;
  alignBStarL: number | null;
  alignBias: number | null;
  hStar: number | null;
}

/** Spearman rank correlation of two equal-length samples (no ties expected in continuous data). */
function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (x: readonly number[]) => {
    const order = x.map((_, i) => i).sort((i, j) => x[i]! - x[j]!);
    const r = new Array<number>(x.length);
    order.forEach((i, k) => (r[i] = k));
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const m = a.length;
  let d2 = 0;
  for (let i = 0; i < m; i++) d2 += (ra[i]! - rb[i]!) ** 2;
  return 1 - (6 * d2) / (m * (m * m - 1));
}

const rows: Row[] = [];
const root = mkdtempSync(join(tmpdir(), 'sntk-align-'));
try {
  for (let seed = 0; seed < n; seed++) {
    const input = demoConfigs(seed).reference;
    const cfg = parseTrainConfig(input);
    const dir = join(root, `seed-${seed}`);
    const mon = createMonitor({ ...cfg.monitor, seed: cfg.seed });
    await trainRun(input, { outDir: dir, ...mon.hooks() });
    const o = runOutcome(dir);
    const row: Row = {
      seed,
      crossing: o.firstBifurcationStep,
      prMinimum: o.rankCollapseStep,
      prFall: o.prBefore !== null && o.prAfter !== null ? o.prBefore / o.prAfter : null,
      alignBStarL: o.dominantAlignment,
      alignBias: o.dominantAlignmentBias,
      hStar: o.hStarAtMinimum,
    };
    rows.push(row);
    if (!values.json) {
      const f = (x: number | null, d = 3) => (x === null ? '–' : x.toFixed(d)).padStart(7);
      if (seed === 0) console.log('seed  cross  PR-min     fall  cos(B*l)   cos(b)     ‖h*‖');
      console.log(`${String(seed).padStart(4)}  ${String(row.crossing ?? '–').padStart(5)}  ${String(row.prMinimum ?? '–').padStart(6)}  ${f(row.prFall, 1)}  ${f(row.alignBStarL)}  ${f(row.alignBias)}  ${f(row.hStar, 2)}`);
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const ok = rows.filter((r) => r.alignBStarL !== null);
const atLeast = ok.filter((r) => r.alignBStarL! >= 0.9).length;
const biasAtLeast = rows.filter((r) => r.alignBias !== null && r.alignBias >= 0.9).length;
const paired = ok.filter((r) => r.hStar !== null);
const rho = paired.length >= 3 ? spearman(paired.map((r) => r.alignBStarL!), paired.map((r) => r.hStar!)) : null;
const summary = { seeds: n, alignBStarLAtLeast09: atLeast, alignBiasAtLeast09: biasAtLeast, spearmanAlignVsHStar: rho };
if (values.json) console.log(JSON.stringify({ rows, summary }, null, 2));
else console.log(`\n|cos(top, B*ᵀl)| ≥ 0.9 on ${atLeast}/${n} seeds; |cos(top, D*l in b)| ≥ 0.9 on ${biasAtLeast}/${n}; Spearman(|cos(top, B*ᵀl)|, ‖h*‖) = ${rho === null ? '–' : rho.toFixed(2)}`);

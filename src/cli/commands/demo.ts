/**
 * `sntk demo [--out dir] [--seeds n] [--set json] [--json]`: the pitchfork student–teacher
 * experiment end to end (src/train/demo.ts): per seed the `reference` (GD lr 0.1), `sgd` (GD lr 1)
 * and `natgrad` (low-rank natural gradient, lr 1, k = 2, Fisher on a rotating 4-trial block) runs,
 * a run folder and an HTML report per run, a comparison page per seed, and a printed comparison.
 * `--json` prints `{reference, sgd, natgrad, cost, checks}` of the first seed (and `seeds: [...]` with
 * --seeds); `cost` = the sgd and natgrad step times measured interleaved (robust to machine load);
 * `checks` = the experiment's criteria judged over all seeds (demo-checks.ts), printed as PASS/FAIL.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { emit, showProgress, type CommonOptions } from '../context.js';
import { InputError, UsageError } from '../../errors.js';
import { DEMO_RUNS, runDemo } from '../../train/demo.js';
import { demoChecks, formatDemoChecks } from '../../train/demo-checks.js';
import type { DemoSeedResult } from '../../train/demo.js';
import type { RunOutcome } from '../../train/monitor/outcome.js';
import { buildReport, comparisonPage, writeReport } from '../../report/index.js';
import { setNativeThreads } from '../../linalg/native.js';
import { assertWritableFolder, writeFileAtomic } from '../../util/atomic-write.js';
import { withRunFolderLock } from '../../util/lock.js';

/** Largest `--seeds` (each seed is three monitored runs, about a minute; the results are kept in memory). */
export const MAX_DEMO_SEEDS = 1000;

interface DemoCliOptions extends CommonOptions {
  out: string;
  blasThreads?: string;
  seeds?: string;
  set?: string;
  fisherTrials?: string;
  report?: boolean;
}

function parseSet(text: string): Record<string, unknown> {
  const src = existsSync(text) ? readFileSync(text, 'utf8') : text;
  let v: unknown;
  try {
    v = JSON.parse(src, (key, value: unknown) => {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') throw new UsageError(`--set: the key '${key}' is not allowed`);
      return value;
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--set must be a JSON object or a JSON file: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError('--set must be a JSON object');
  return v as Record<string, unknown>;
}

const f = (x: number | null, d = 3): string => (x === null ? '–' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(d));

/** The printed comparison of one seed's three runs. */
export function comparisonTable(r: DemoSeedResult): string {
  const rows: [string, (o: RunOutcome) => string][] = [
    ['learning rate', (o) => String(o.learningRate)],
    ['first bifurcation', (o) => (o.firstBifurcationStep === null ? '–' : `${o.bifurcationType} @ ${o.firstBifurcationStep}`)],
    ['fixed points', (o) => `${o.fixedPointsBefore ?? '–'} → ${o.fixedPointsAfter ?? '–'}`],
    ['PR min step', (o) => String(o.rankCollapseStep ?? '–')],
    ['PR before → min', (o) => `${f(o.prBefore, 2)} → ${f(o.prAfter, 2)}`],
    ['|cos(top, B*ᵀl)|', (o) => f(o.dominantAlignment)],
    ['|cos(top, D*l in b)|', (o) => f(o.dominantAlignmentBias)],
    ['‖h*‖ at PR min', (o) => f(o.hStarAtMinimum)],
    ['max loss jump', (o) => f(o.maxLossJump, 4)],
    ['loss increases', (o) => String(o.lossIncreases)],
    ['steps to 0.1·L₀', (o) => String(o.stepsToTarget ?? 'never')],
    ['s/step (optimizer)', (o) => f(o.secondsPerStep, 5)],
    ['final loss', (o) => f(o.finalLoss, 5)],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const cells = rows.map(([, g]) => DEMO_RUNS.map((n) => g(r[n])));
  const w = DEMO_RUNS.map((n, j) => Math.max(n.length, ...cells.map((c) => c[j]!.length)));
  const line = (a: string, bs: string[]) => a.padEnd(w0) + '  ' + bs.map((b, j) => b.padStart(w[j]!)).join('  ');
  return [line('', [...DEMO_RUNS]), ...rows.map(([name], i) => line(name, cells[i]!))].join('\n');
}

/** Registers `sntk demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the pitchfork student–teacher experiment: reference GD (lr 0.1), GD and low-rank natural gradient (lr 1) through a learned bifurcation, with run folders, reports and a comparison')
    .option('--out <dir>', 'output folder (run folders seed-<s>/<run>, reports, comparison pages)', 'sntk-demo')
    .option('--seeds <n>', 'number of seeds (0 … n−1); adds "seeds" to --json')
    .option('--set <json>', 'JSON object (or file) merged into every run config, e.g. {"task":{"trainBias":false,"T":120}}')
    .option('--fisher-trials <n>', "natgrad's rotating Fisher block (trials per step; 'all' for the full batch)", '4')
    .option('--blas-threads <n>', 'OpenBLAS threads with the native backend; the demo problem is small, and one thread avoids hand-off overhead and spinning workers that distort the per-step timings', '1')
    .option('--no-report', 'skip the HTML reports and comparison pages')
    .option('--json', 'print {reference, sgd, natgrad} (and seeds) as one JSON object')
    .option('--quiet', 'no progress output')
    .action(async (opts: DemoCliOptions) => {
      const seeds = opts.seeds === undefined ? 1 : Number(opts.seeds);
      if (!Number.isInteger(seeds) || seeds < 1 || seeds > MAX_DEMO_SEEDS) throw new UsageError(`--seeds must be an integer in 1..${MAX_DEMO_SEEDS}, got "${opts.seeds}"`);
      const ftText = opts.fisherTrials ?? '4';
      const fisherTrials = ftText === 'all' ? null : Number(ftText);
      if (fisherTrials !== null && (!Number.isInteger(fisherTrials) || fisherTrials < 1)) throw new UsageError(`--fisher-trials must be a positive integer or 'all', got "${ftText}"`);
      const blasThreads = Number(opts.blasThreads ?? '1');
      if (!Number.isInteger(blasThreads) || blasThreads < 1) throw new UsageError(`--blas-threads must be a positive integer, got "${opts.blasThreads}"`);
      setNativeThreads(blasThreads);
      const overrides = opts.set ? parseSet(opts.set) : undefined;
      assertWritableFolder(opts.out);
      await withRunFolderLock(opts.out, () => demoLocked(opts, seeds, fisherTrials, overrides));
    });
}

/** The demo proper, run under the lock of its output folder. */
async function demoLocked(opts: DemoCliOptions, seeds: number, fisherTrials: number | null, overrides: Record<string, unknown> | undefined): Promise<void> {
  const tty = showProgress(opts);
  const res = await runDemo({
    out: opts.out,
    seeds,
    fisherTrials,
    ...(overrides ? { overrides } : {}),
    onStep: tty
      ? ({ seed, name, step, steps }) => process.stderr.write(`\rdemo seed ${seed} ${name.padEnd(9)} step ${step + 1}/${steps}   `)
      : undefined,
  });
  if (tty) process.stderr.write('\n');
  const pages: string[] = [];
  if (opts.report !== false) {
    for (let s = 0; s < res.folders.length; s++) {
      const dirs = res.folders[s]!;
      for (const name of DEMO_RUNS) writeReport(await buildReport(dirs[name], { title: `sntk demo: seed ${s}, ${name}` }), join(dirs[name], 'report'));
      const page = await comparisonPage(
        DEMO_RUNS.map((name) => ({ name, folder: dirs[name] })),
        { out: join(opts.out, `seed-${s}`), title: `sntk demo: seed ${s} — reference vs sgd vs natgrad` },
      );
      if (page.written) pages.push(page.written.html);
    }
  }
  const first = res.seeds[0];
  if (!first) throw new InputError('demo: no seed ran');
  const checks = demoChecks(res.seeds, res.cost.natgradOverSgd);
  writeFileAtomic(join(opts.out, 'checks.json'), JSON.stringify({ checks, cost: res.cost, seeds: res.seeds }, null, 2) + '\n');
  const json: Record<string, unknown> = { reference: first.reference, sgd: first.sgd, natgrad: first.natgrad, cost: res.cost, checks };
  if (opts.seeds !== undefined) json['seeds'] = res.seeds;
  emit(opts, json, () =>
    [
      ...res.seeds.map((r, s) => `seed ${s}\n${comparisonTable(r)}`),
      '',
      's/step times the optimizer step alone (fused sweep + update; the monitor is excluded).',
      `step cost timed interleaved (seed 0, no monitor): sgd ${f(res.cost.sgdSeconds, 5)} s, natgrad ${f(res.cost.natgradSeconds, 5)} s, natgrad/sgd ${res.cost.natgradOverSgd.toFixed(2)}×`,
      '',
      formatDemoChecks(checks),
      '',
      `runs: ${opts.out}/seed-*/{${DEMO_RUNS.join(',')}}, checks: ${join(opts.out, 'checks.json')}${pages.length ? `   comparison: ${pages.join(', ')}` : ''}`,
      `total ${res.seconds.toFixed(1)} s`,
    ].join('\n'),
  );
}

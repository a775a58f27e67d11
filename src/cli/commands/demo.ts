/**
 * `sntk demo [--out dir] [--seeds n] [--jobs n] [--set json] [--json] [--quiet]`: the pitchfork
 * student–teacher experiment end to end (src/train/demo.ts): per seed the `reference` (GD lr 0.1),
 * `sgd` (GD lr 1) and `natgrad` (low-rank natural gradient, lr 1, k = 2, Fisher on a rotating
 * 4-trial block) runs in parallel worker processes, a run folder and an HTML report per run, a
 * comparison page per seed, `index.html` with the checks and links, and a printed comparison.
 * `--json` prints `{reference, sgd, natgrad, cost, checks, seconds}` of the first seed (and
 * `seeds: [...]` with --seeds); `checks` = the experiment's criteria judged over all seeds
 * (demo-checks.ts). Exit status 1 when a judged check fails, 0 otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { Option, type Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { createProgress } from '../progress.js';
import { InputError, SntkError, UsageError } from '../../errors.js';
import { DEMO_RUNS, PITCHFORK_EXPERIMENT, runDemo } from '../../train/demo.js';
import { demoChecks, formatDemoChecks } from '../../train/demo-checks.js';
import { DEMO_BIFURCATIONS, demoExperiment, type DemoBifurcation } from '../../train/demo-variants.js';
import type { DemoRunOutcome, DemoSeedResult } from '../../train/demo.js';
import type { StepCostRatio } from '../../train/cost.js';
import { setNativeThreads } from '../../linalg/native.js';
import { assertWritableFolder, writeFileAtomic } from '../../util/atomic-write.js';
import { withRunFolderLock } from '../../util/lock.js';

/** Largest `--seeds` (each seed is three monitored runs, about a minute; the results are kept in memory). */
export const MAX_DEMO_SEEDS = 1000;

/** A judged check of the demo failed (exit status 1). */
export class DemoCheckFailedError extends SntkError {}

interface DemoCliOptions extends CommonOptions {
  out: string;
  blasThreads?: string;
  seeds?: string;
  jobs?: string;
  set?: string;
  fisherTrials?: string;
  report?: boolean;
  bifurcation: DemoBifurcation;
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

function positiveInt(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return n;
}

const f = (x: number | null, d = 3): string => (x === null ? '–' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : x.toFixed(d));

/** One line on the judged step cost (`StepCostRatio`). */
export function costLine(c: StepCostRatio): string {
  return (
    `step cost, interleaved on the same state (seed 0, ${c.rounds} rounds, no monitor): CPU per step sgd ${f(c.sgdSeconds, 5)} s, natgrad ${f(c.natgradSeconds, 5)} s; ` +
    `natgrad/sgd median ${c.natgradOverSgd.toFixed(2)}× (quartiles ${c.spread[0].toFixed(2)}–${c.spread[1].toFixed(2)}); on the wall clock ${c.wallRatio.toFixed(2)}× (quartiles ${c.wallSpread[0].toFixed(2)}–${c.wallSpread[1].toFixed(2)})`
  );
}

/** The printed comparison of one seed's three runs. */
export function comparisonTable(r: DemoSeedResult): string {
  const rows: [string, (o: DemoRunOutcome) => string][] = [
    ['learning rate', (o) => String(o.learningRate)],
    ['first bifurcation', (o) => (o.firstBifurcationStep === null ? '–' : `${o.bifurcationType} @ ${o.firstBifurcationStep}`)],
    ['fixed points', (o) => `${o.fixedPointsBefore ?? '–'} → ${o.fixedPointsAfter ?? '–'}`],
    ['PR min step', (o) => String(o.rankCollapseStep ?? '–')],
    ['PR before → min', (o) => `${f(o.prBefore, 2)} → ${f(o.prAfter, 2)}`],
    ['|cos(top, (0,0,D*l))|', (o) => f(o.dominantAlignmentBias)],
    ['|cos(top, B*ᵀl)| (reported)', (o) => f(o.dominantAlignment)],
    ['‖h*‖ at PR min (reported)', (o) => f(o.hStarAtMinimum)],
    // the normal-form variants: the sNTK on the approach to the located crossing (demo-crossing.ts)
    ...(DEMO_RUNS.some((n) => r[n].crossing !== undefined)
      ? ([
          ['crossing: PR (approach min)', (o) => f(o.crossing?.pr ?? null, 2)],
          ['crossing: λ₂/λ₁', (o) => f(o.crossing?.secondOverFirst ?? null)],
          ['crossing: |cos(top, channel)|', (o) => f(o.crossing ? (o.crossing.alignReal ?? o.crossing.alignComplex) : null)],
        ] as [string, (o: DemoRunOutcome) => string][])
      : []),
    ['max loss jump*', (o) => f(o.maxLossJump, 4)],
    ['loss increases', (o) => String(o.lossIncreases)],
    ['steps to 0.1·L₀', (o) => String(o.stepsToTarget ?? 'never')],
    ['s/step (run median)', (o) => f(o.secondsPerStep, 5)],
    ['final loss', (o) => f(o.finalLoss, 5)],
  ];
  // a row with no value in any run (e.g. the pitchfork's bias-channel alignment under the other
  // normal forms) is left out
  const filled = rows.map(([name, g]) => [name, DEMO_RUNS.map((n) => g(r[n]))] as const).filter(([, c]) => c.some((v) => v !== '–'));
  const w0 = Math.max(...filled.map((x) => x[0].length));
  const cells = filled.map(([, c]) => c);
  const w = DEMO_RUNS.map((n, j) => Math.max(n.length, ...cells.map((c) => c[j]!.length)));
  const line = (a: string, bs: string[]) => a.padEnd(w0) + '  ' + bs.map((b, j) => b.padStart(w[j]!)).join('  ');
  return [line('', [...DEMO_RUNS]), ...filled.map(([name], i) => line(name, cells[i]!))].join('\n');
}

/** Registers `sntk demo`. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(`the ${PITCHFORK_EXPERIMENT.title}, through a learned bifurcation: run folders, reports, index.html with the checks, and a printed comparison. Exit status 1 when a judged check fails, 0 otherwise.`)
    .option('--out <dir>', 'output folder (run folders seed-<s>/<run>, reports, comparison pages, index.html, checks.json)', 'sntk-demo')
    .option('--seeds <n>', 'number of seeds (0 … n−1); the multi-seed claims are judged from 5; adds "seeds" to --json')
    .option('--jobs <n>', 'worker processes running the independent runs in parallel (default: the number of runs, at most max(3, cores))')
    .option('--set <json>', 'JSON object (or file) merged into every run config, e.g. {"task":{"trainBias":false,"T":120}}')
    .option('--fisher-trials <n>', "natgrad's rotating Fisher block (trials per step; 'all' for the full batch)", '4')
    .option('--blas-threads <n>', 'OpenBLAS threads per process with the native backend; the demo problem is small, and one thread avoids hand-off overhead and spinning workers that distort the timings', '1')
    .addOption(new Option('--bifurcation <type>', 'normal form learned through: pitchfork (flip-flop, calibrated), saddle-node (latch), hopf (oscillation, leaky cell)').choices([...DEMO_BIFURCATIONS]).default('pitchfork'))
    .option('--no-report', 'skip the HTML reports, comparison pages and index.html')
    .option('--json', 'print {reference, sgd, natgrad, cost, checks, seconds} (and seeds) as one JSON object')
    .option('--quiet', 'no progress output')
    .addHelpText('after', '\nExit status: 0 when every judged check passed, 1 when a judged check failed, 2 for bad usage or input.\nClaims stated over 5 seeds show "not judged (needs --seeds 5)" with fewer seeds.')
    .action(async (opts: DemoCliOptions) => {
      const seeds = opts.seeds === undefined ? 1 : Number(opts.seeds);
      if (!Number.isInteger(seeds) || seeds < 1 || seeds > MAX_DEMO_SEEDS) throw new UsageError(`--seeds must be an integer in 1..${MAX_DEMO_SEEDS}, got "${opts.seeds}"`);
      const ftText = opts.fisherTrials ?? '4';
      const fisherTrials = ftText === 'all' ? null : Number(ftText);
      if (fisherTrials !== null && (!Number.isInteger(fisherTrials) || fisherTrials < 1)) throw new UsageError(`--fisher-trials must be a positive integer or 'all', got "${ftText}"`);
      const blasThreads = positiveInt(opts.blasThreads, 1, '--blas-threads');
      const runs = 3 * seeds;
      const jobs = positiveInt(opts.jobs, Math.min(runs, Math.max(3, availableParallelism())), '--jobs');
      setNativeThreads(blasThreads);
      const overrides = opts.set ? parseSet(opts.set) : undefined;
      assertWritableFolder(opts.out);
      await withRunFolderLock(opts.out, async () => {
        const experiment = demoExperiment(opts.bifurcation);
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        // progress over all monitored steps of all runs (the runs may go in parallel)
        const done = new Map<string, number>();
        let totalSteps = 0;
        let progress: ReturnType<typeof createProgress> | null = null;
        const res = await runDemo({
          out: opts.out,
          seeds,
          fisherTrials,
          experiment,
          jobs,
          workerBlasThreads: blasThreads,
          ...(overrides ? { overrides } : {}),
          onStep: ({ seed, name, step, steps }) => {
            if (!progress) {
              totalSteps = runs * steps;
              progress = createProgress(opts, `demo (${runs} runs, ${Math.min(jobs, runs)} at a time)`, totalSteps);
            }
            done.set(`${seed}/${name}`, step + 1);
            let sum = 0;
            for (const v of done.values()) sum += v;
            progress.update(sum, `seed ${seed} ${name} step ${step + 1}/${steps}`);
          },
        });
        (progress as ReturnType<typeof createProgress> | null)?.finish(`${runs} runs in ${res.runSeconds.toFixed(1)} s, step cost timed in ${res.costSeconds.toFixed(1)} s`);
        const checks = demoChecks(res.seeds, res.cost, experiment.criteria);
        const pages: string[] = [];
        let index: string | null = null;
        if (opts.report !== false) {
          // plotting (vega, resvg) loads only here, so that `import 'sntk'` stays light
          const { buildReport, comparisonPage, demoIndexHtml, writeReport } = await import('../../report/index.js');
          const rep = createProgress(opts, 'demo reports', res.folders.length * (DEMO_RUNS.length + 1));
          let k = 0;
          const seedLinks: { seed: number; comparison: string | null; runs: { name: string; report: string | null; folder: string }[] }[] = [];
          for (let s = 0; s < res.folders.length; s++) {
            const dirs = res.folders[s]!;
            const runLinks: { name: string; report: string | null; folder: string }[] = [];
            for (const name of DEMO_RUNS) {
              const w = writeReport(await buildReport(dirs[name], { title: `sntk demo: seed ${s}, ${name}` }), join(dirs[name], 'report'));
              runLinks.push({ name, report: relative(opts.out, w.html), folder: relative(opts.out, dirs[name]) || '.' });
              rep.update(++k, `seed ${s} ${name}`);
            }
            const page = await comparisonPage(
              DEMO_RUNS.map((name) => ({ name, folder: dirs[name] })),
              { out: join(opts.out, `seed-${s}`), title: `sntk demo: seed ${s} — reference vs sgd vs natgrad` },
            );
            rep.update(++k, `seed ${s} comparison`);
            if (page.written) pages.push(page.written.html);
            seedLinks.push({ seed: s, comparison: page.written ? relative(opts.out, page.written.html) : null, runs: runLinks });
          }
          rep.finish();
          index = join(opts.out, 'index.html');
          writeFileAtomic(
            index,
            demoIndexHtml({
              title: `sntk demo: ${experiment.title}`,
              checks,
              facts: [
                `${seeds} seed(s), ${runs} runs in ${res.jobs} process(es); wall time ${res.seconds.toFixed(1)} s (runs ${res.runSeconds.toFixed(1)} s, step-cost timing ${res.costSeconds.toFixed(1)} s).`,
                costLine(res.cost),
                'max loss jump: the largest rise of the loss between consecutive steps; a negative value means the loss never rose (it is then the smallest decrease).',
              ],
              seeds: seedLinks,
            }),
          );
        }
        const first = res.seeds[0];
        if (!first) throw new InputError('demo: no seed ran');
        const wall = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        writeFileAtomic(join(opts.out, 'checks.json'), JSON.stringify({ checks, cost: res.cost, seeds: res.seeds }, null, 2) + '\n');
        const json: Record<string, unknown> = { reference: first.reference, sgd: first.sgd, natgrad: first.natgrad, cost: res.cost, checks, seconds: wall, cpuSeconds: (cpu.user + cpu.system) / 1e6 + res.workerCpuSeconds };
        if (opts.seeds !== undefined) json['seeds'] = res.seeds;
        emit(opts, json, () =>
          [
            ...res.seeds.map((r, s) => `seed ${s}\n${comparisonTable(r)}`),
            '',
            '* max loss jump: the largest rise of the loss between consecutive steps; negative means the loss never rose.',
            's/step (run median) times the optimizer step alone in each run (information: runs on a busy machine are not comparable).',
            costLine(res.cost),
            '',
            formatDemoChecks(checks),
            '',
            `runs: ${opts.out}/seed-*/{${DEMO_RUNS.join(',')}}, checks: ${join(opts.out, 'checks.json')}${index ? `, index: ${index}` : ''}`,
            `wall time ${wall.toFixed(1)} s (${res.jobs > 1 ? `${res.jobs} worker processes` : 'in this process'}); CPU ${((cpu.user + cpu.system) / 1e6 + res.workerCpuSeconds).toFixed(1)} s (workers ${res.workerCpuSeconds.toFixed(1)} s)`,
          ].join('\n'),
        );
        if (!checks.ok) {
          const failed = checks.checks.filter((c) => c.verdict === 'FAIL').map((c) => c.name);
          throw new DemoCheckFailedError(`demo: ${failed.length} judged check(s) failed: ${failed.join(', ')}`);
        }
      });
    });
}

/**
 * `sntk train --config run.json [--out dir] [--resume] [--json] [--no-report]`: a monitored training
 * run (config validated by zod before any work; see src/train/config.ts for every field and its
 * default) written to a run folder — config.json, metrics.jsonl/.csv, events.json,
 * eigenvalues.jsonl, checkpoints, summary.json — and finally its HTML report in `<run>/report/`.
 * A NaN loss stops the run (exit code 1) keeping the last good checkpoint, and says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { createProgress } from '../progress.js';
import { InputError, SntkError, UsageError } from '../../errors.js';
import { parseTrainConfig } from '../../train/config.js';
import { trainRun } from '../../train/run.js';
import { createMonitor } from '../../train/monitor/monitor.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { loadTaskData } from '../../io/train-data.js';
import { assertWritableFolder, removeStaleTemps } from '../../util/atomic-write.js';
import { withRunFolderLock } from '../../util/lock.js';

/** The run stopped on a non-finite loss (exit code 1: a failure of the computation, not of the input). */
export class TrainingStoppedError extends SntkError {}

interface TrainCliOptions extends CommonOptions {
  config: string;
  out?: string;
  resume?: boolean;
  forceConfig?: boolean;
  report?: boolean;
}

/** Reads a JSON config file; InputError naming it when missing or malformed. */
export function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new InputError(`${path}: no such config file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Makes the file paths of a `data` task absolute (relative ones are taken from the config file's
 * folder), so the run folder's config.json stays valid for --resume from anywhere. In place.
 */
function absolutiseDataPaths(raw: unknown, base: string): void {
  const task = (raw as { task?: Record<string, unknown> } | null)?.task;
  if (!task || task['name'] !== 'data') return;
  const file = (v: unknown, pathOnly: boolean) => typeof v === 'string' && (pathOnly || /\.(npy|npz|safetensors)$/i.test(v)) && !isAbsolute(v) ? resolve(base, v) : v;
  for (const [k, pathOnly] of [['file', true], ['teacher', true], ['inputs', false], ['targets', false], ['mask', false]] as const) {
    if (k in task) task[k] = file(task[k], pathOnly);
  }
}

/** Registers `sntk train`. */
export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train with the sNTK monitor (loss, PR, top direction, fixed points, bifurcation and rank-collapse events) and write a run folder with its report')
    .requiredOption('--config <file>', 'run config JSON (every field optional; unknown fields are errors)')
    .option('--out <dir>', 'run folder (default: runs/<task>-<optimizer>-seed<seed>)')
    .option('--resume', 'continue the run in --out from its latest valid checkpoint (same config)')
    .option('--force-config', 'with --resume: continue even though the config differs from the run\'s')
    .option('--no-report', 'do not write the HTML report')
    .option('--json', 'print the summary as one JSON object')
    .option('--quiet', 'no progress output')
    .action(async (opts: TrainCliOptions) => {
      const raw = readConfigFile(opts.config);
      absolutiseDataPaths(raw, dirname(resolve(opts.config)));
      const config = parseTrainConfig(raw);
      const taskData = config.task.name === 'data' ? loadTaskData(config.task, dirname(resolve(opts.config))) : undefined;
      const out = opts.out ?? join('runs', `${config.task.name}-${config.optimizer.kind}-seed${config.seed}`);
      if (opts.resume && !existsSync(out)) throw new UsageError(`--resume: ${out} does not exist`);
      if (opts.forceConfig && !opts.resume) throw new UsageError('--force-config applies with --resume only');
      assertWritableFolder(out);
      // one lock over the run and its report (trainRun takes it too; the lock is re-entrant)
      const { res, report } = await withRunFolderLock(out, async () => {
        const progress = createProgress(opts, 'train', config.steps);
        const mon = config.monitor.enabled ? createMonitor({ ...config.monitor, seed: config.seed }).hooks() : {};
        const res = await trainRun(config, {
          outDir: out,
          ...(taskData ? { taskData } : {}),
          resume: opts.resume === true,
          forceConfig: opts.forceConfig === true,
          onNotice: (m) => process.stderr.write(`sntk: resume: ${m}\n`),
          ...mon,
          onStep: (info) => {
            progress.update(info.step + 1, `loss ${info.loss.toPrecision(4)}`);
            return mon.onStep?.(info);
          },
        });
        progress.finish(`${res.summary.status}, final loss ${res.summary.finalLoss === null ? '–' : Number(res.summary.finalLoss).toPrecision(4)}`);
        let report: string | null = null;
        if (opts.report !== false && res.summary.status === 'nan' && res.summary.nanStep === 0) {
          process.stderr.write('sntk: no report: the run stopped before its first monitored step\n');
        } else if (opts.report !== false) {
          const { buildReport, writeReport } = await import('../../report/index.js'); // plotting loads lazily
          const bundle = await buildReport(out, { title: `sntk train: ${out}` });
          removeStaleTemps(join(out, 'report')); // left by a killed earlier report
          report = writeReport(bundle, join(out, 'report')).html;
        }
        return { res, report };
      });
      const s = res.summary;
      const result = { out, report, ...s, params: undefined };
      emit(opts, result, () =>
        [
          `run:        ${out}`,
          `status:     ${s.status} — ${s.message}`,
          `loss:       ${s.initialLoss} → ${s.finalLoss}`,
          `max jump:   ${s.maxLossJump}   increases > 10%: ${s.lossIncreases}   steps to 0.1·L₀: ${s.stepsToTarget ?? 'not reached'}`,
          `s/step:     ${s.secondsPerStep?.toExponential(3)} (optimizer step only; the monitor is excluded)`,
          `events:     ${res.events.filter((e) => e.type !== 'loss-increase').map((e) => `${e.type}@${e.step}`).join(', ') || 'none'}`,
          ...(report ? [`report:     ${report}`] : []),
        ].join('\n'),
      );
      if (s.status === 'nan') throw new TrainingStoppedError(`training stopped: ${s.message}`);
    });
}

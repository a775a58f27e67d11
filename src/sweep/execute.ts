/**
 * One sweep run, in the process that trains it: an ordinary monitored `trainRun` (the same
 * monitor as `sntk train`) into `<out>/runs/<id>`, under the run lock. A folder whose
 * `summary.json` exists for the same config is done and skipped; one with checkpoints is resumed
 * from the latest (bit-identical: src/train/run.ts); otherwise the run starts fresh. So running a
 * job twice, or after an interruption, gives the same folder. The run's HTML report (no PNGs) is
 * written to `<run>/report/report.html` unless disabled.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseTrainConfig, type TrainConfig } from '../train/config.js';
import { trainRun, type TrainSummary } from '../train/run.js';
import { createMonitor } from '../train/monitor/monitor.js';
import { buildReport, writeReport } from '../report/index.js';
import { waitForRunFolderLock } from '../util/lock.js';

/** What happened to a run. */
export type RunAction = 'skipped' | 'trained' | 'resumed';

/** The result of `executeSweepRun`. */
export interface RunExecution {
  action: RunAction;
  summary: TrainSummary;
}

/** Folder of run `id` in sweep folder `out`. */
export function runDir(out: string, id: string): string {
  return join(out, 'runs', id);
}

/** The config.json text `trainRun` writes for `config`. */
function configText(config: TrainConfig): string {
  return JSON.stringify(config, null, 1) + '\n';
}

/** The run's summary when the folder holds a finished run of `config`, else null. Cost: two small file reads. */
export function finishedSummary(dir: string, config: TrainConfig): TrainSummary | null {
  const s = join(dir, 'summary.json');
  const c = join(dir, 'config.json');
  if (!existsSync(s) || !existsSync(c) || readFileSync(c, 'utf8') !== configText(config)) return null;
  try {
    return JSON.parse(readFileSync(s, 'utf8')) as TrainSummary;
  } catch {
    return null;
  }
}

/** True if the folder holds at least one training checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => /^checkpoint-\d+\.json$/.test(f));
}

/** Options of `executeSweepRun`. */
export interface ExecuteOptions {
  /** Write the run's HTML report (default true). */
  report?: boolean;
  /** Called at every monitored step; throwing aborts the run (the checkpoints written so far stay). */
  onStep?: (step: number, steps: number) => void;
  /** Called when another process holds the run's lock and this one waits for it. */
  onWait?: (holder: string) => void;
}

/**
 * Trains, resumes or skips the run of `configInput` in `dir` (see the module comment). Throws
 * InputError/UsageError for a bad config or a folder holding a different run. Cost: one training
 * run (nothing when done) plus its report.
 */
export async function executeSweepRun(configInput: unknown, dir: string, opts: ExecuteOptions = {}): Promise<RunExecution> {
  const config = parseTrainConfig(configInput);
  const lock = await waitForRunFolderLock(dir, opts.onWait ? { onWait: opts.onWait, command: 'sweep' } : { command: 'sweep' });
  try {
    let action: RunAction = 'skipped';
    let summary = finishedSummary(dir, config);
    if (!summary) {
      const resume = hasCheckpoint(dir);
      action = resume ? 'resumed' : 'trained';
      const mon = config.monitor.enabled ? createMonitor({ ...config.monitor, seed: config.seed }).hooks() : {};
      const res = await trainRun(config, {
        outDir: dir,
        resume,
        ...mon,
        onStep: (info) => {
          lock.touch();
          opts.onStep?.(info.step, config.steps);
          return mon.onStep?.(info);
        },
      });
      summary = res.summary;
    }
    if (opts.report !== false && (action !== 'skipped' || !existsSync(join(dir, 'report', 'report.html')))) {
      writeReport(await buildReport(dir, { png: false, title: `sntk sweep run ${dir}` }), join(dir, 'report'));
    }
    return { action, summary };
  } finally {
    lock.release();
  }
}

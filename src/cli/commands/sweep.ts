/**
 * `sntk sweep --config sweep.json --out DIR [--workers n | --queue redis://…]`: expands a sweep file
 * (src/sweep/spec.ts) into runs, trains each into `DIR/runs/<id>` (id = hash of the resolved config)
 * on a local pool of worker processes or through a BullMQ queue taken by `sntk worker`, then writes
 * `DIR/summary.jsonl`, `DIR/summary.csv` and the sweep page `DIR/report/index.html`. Restartable:
 * finished runs are skipped, interrupted ones resumed. Exit 1 when a run failed (the others finish).
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { createProgress } from '../progress.js';
import { SntkError, UsageError } from '../../errors.js';
import { readConfigFile } from './train.js';
import { parseSweepFile } from '../../sweep/spec.js';
import { expandSweep } from '../../sweep/expand.js';
import { writeSweepManifest } from '../../sweep/folder.js';
import { defaultWorkers, runLocalSweep, type SweepCounts } from '../../sweep/local-pool.js';
import { DEFAULT_QUEUE_NAME, runQueueSweep } from '../../sweep/queue.js';
import { checkRedisUrl } from '../../sweep/redis.js';
import { summaryRow, writeSummary } from '../../sweep/summary.js';
import { writeSweepPage } from '../../report/sweep-page.js';

/** Some runs of the sweep failed (exit code 1; the summary says which and why). */
export class SweepRunsFailedError extends SntkError {}

interface SweepCliOptions extends CommonOptions {
  config: string;
  out: string;
  workers?: string;
  queue?: string;
  queueName?: string;
  retries?: string;
  jobTimeout?: string;
  maxRuns?: string;
  report?: boolean;
}

/** Parses a positive integer option; UsageError naming it otherwise. */
export function positiveInt(name: string, text: string | undefined, dflt: number): number {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got "${text}"`);
  return n;
}

/** Registers `sntk sweep`. */
export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run a grid of training runs (axes × seeds over a base config) locally or on a Redis/BullMQ queue; writes DIR/runs/<id>, DIR/summary.{csv,jsonl} and the sweep page')
    .requiredOption('--config <file>', 'sweep file: {base, axes, seeds, metrics, maxRuns} (docs/sweeps.md)')
    .requiredOption('--out <dir>', 'sweep folder (reused: finished runs are skipped, interrupted ones resumed)')
    .option('--workers <n>', `local worker processes, one BLAS thread each (default: core count, ${defaultWorkers()} here)`)
    .option('--queue <url>', 'put the runs on a BullMQ queue at this Redis URL (redis://host:port) for `sntk worker`s sharing --out')
    .option('--queue-name <name>', 'queue name', DEFAULT_QUEUE_NAME)
    .option('--retries <n>', 'retries of a run whose worker died or timed out (default: 1 local, 2 queue)')
    .option('--job-timeout <s>', 'per-run time limit in seconds (the run is killed and retried from its checkpoints)')
    .option('--max-runs <n>', 'largest grid accepted (default: the file\'s maxRuns, 10000)')
    .option('--no-report', 'do not write run reports and the sweep page')
    .option('--json', 'print the result as one JSON object')
    .option('--quiet', 'no progress output')
    .action(async (opts: SweepCliOptions) => {
      const workers = positiveInt('--workers', opts.workers, defaultWorkers());
      if (opts.queue !== undefined && opts.workers !== undefined) throw new UsageError('--workers is for the local pool; with --queue, start `sntk worker` processes instead');
      if (opts.queue !== undefined) checkRedisUrl(opts.queue);
      const retries = opts.retries === undefined ? (opts.queue ? 2 : 1) : Number(opts.retries);
      if (!Number.isInteger(retries) || retries < 0) throw new UsageError(`--retries must be a non-negative integer, got "${opts.retries}"`);
      const timeoutS = opts.jobTimeout === undefined ? null : Number(opts.jobTimeout);
      if (timeoutS !== null && !(timeoutS > 0 && Number.isFinite(timeoutS))) throw new UsageError(`--job-timeout must be a positive number of seconds, got "${opts.jobTimeout}"`);
      const maxRuns = opts.maxRuns === undefined ? undefined : positiveInt('--max-runs', opts.maxRuns, 1);
      const spec = parseSweepFile(readConfigFile(opts.config));
      const runs = expandSweep(spec, maxRuns !== undefined ? { maxRuns } : {});
      writeSweepManifest(opts.out, spec, runs, basename(opts.config).replace(/\.json$/i, ''));
      const started = Date.now();
      const progress = createProgress(opts, 'sweep', runs.length);
      let last: SweepCounts = { total: runs.length, done: 0, skipped: 0, running: 0, failed: 0, retried: 0 };
      const onUpdate = (c: SweepCounts): void => {
        last = c;
        progress.update(c.done + c.failed, `done ${c.done}  running ${c.running}  failed ${c.failed}${c.retried ? `  retried ${c.retried}` : ''}`);
      };
      const report = opts.report !== false;
      const common = { retries, report, onUpdate, ...(timeoutS !== null ? { timeoutMs: timeoutS * 1000 } : {}) };
      const outcomes = opts.queue
        ? await runQueueSweep(runs, opts.out, { url: opts.queue, queueName: opts.queueName ?? DEFAULT_QUEUE_NAME, ...common })
        : await runLocalSweep(runs, opts.out, { workers, ...common });
      const seconds = (Date.now() - started) / 1000;
      progress.finish();
      const rows = runs.map((r) => {
        const o = outcomes.get(r.id);
        return summaryRow(opts.out, r, o && !o.ok ? o.message : null);
      });
      const failed = rows.filter((r) => r.status === 'failed');
      const files = writeSummary(opts.out, rows, spec.axes.map((a) => a.path));
      // trained or resumed by this invocation (queue mode sees the runs finish in the folder, not how)
      const trained = rows.filter((r) => r.status !== 'failed' && r.status !== 'pending').length - last.skipped;
      // a finished sweep run again does nothing: no run, no rewritten file
      const pagePath = join(opts.out, 'report', 'index.html');
      const nothingDone = last.skipped === runs.length && existsSync(pagePath);
      const page = report ? (nothingDone ? pagePath : (await writeSweepPage(opts.out)).html) : null;
      const result = {
        out: opts.out,
        mode: opts.queue ? 'queue' : 'local',
        runs: runs.length,
        trained,
        skipped: last.skipped,
        failed: failed.length,
        retried: last.retried,
        seconds,
        runsPerMinute: trained > 0 ? (60 * trained) / seconds : null,
        summary: files,
        page,
        failures: failed.map((r) => ({ id: r.id, error: r.error })),
      };
      emit(opts, result, () =>
        [
          `sweep:    ${opts.out} (${runs.length} runs; ${result.mode}${opts.queue ? ` ${opts.queue}` : last.skipped === runs.length ? ', nothing to do' : `, ${Math.min(workers, runs.length - last.skipped)} workers`})`,
          `runs:     ${trained} trained, ${last.skipped} already done, ${failed.length} failed${last.retried ? `, ${last.retried} retried` : ''}`,
          `time:     ${seconds.toFixed(1)} s${result.runsPerMinute ? ` (${result.runsPerMinute.toFixed(1)} runs/min)` : ''}`,
          `summary:  ${files.csv}, ${files.jsonl}`,
          ...(page ? [`page:     ${page}`] : []),
          ...failed.map((r) => `failed:   ${r.id}: ${r.error}`),
        ].join('\n'),
      );
      if (failed.length) throw new SweepRunsFailedError(`${failed.length} of ${runs.length} runs failed (first: ${failed[0]!.id}: ${String(failed[0]!.error).split('\n')[0]}); see ${join(opts.out, 'summary.csv')}`);
    });
}

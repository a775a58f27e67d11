/**
 * The sweep's results: `DIR/summary.jsonl` and `DIR/summary.csv`, one row per run in grid order —
 * id, status, the run's axis values (one column per axis path), its final metrics and events read
 * back from the run folder by `runOutcome` (first bifurcation step and type, PR before and at its
 * minimum, collapse factor = PR before / PR minimum, loss increases > 10 %, largest loss jump,
 * steps to 0.1·L₀) and, for a failed run, the error message. Timings are left out, so the same
 * sweep run anywhere (local pool or queue workers) gives byte-identical summaries.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOutcome } from '../train/monitor/outcome.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { SweepRun } from './expand.js';
import { finishedSummary, runDir } from './execute.js';

/** Status of a run in the summary. */
export type SweepRunStatus = 'completed' | 'nan' | 'stopped' | 'failed' | 'pending';

/** The metric and event columns of a summary row, in order. */
export const SUMMARY_COLUMNS = [
  'steps',
  'initialLoss',
  'finalLoss',
  'firstBifurcationStep',
  'bifurcationType',
  'prBefore',
  'prMin',
  'collapseFactor',
  'rankCollapseStep',
  'dominantAlignment',
  'lossIncreases',
  'maxLossJump',
  'stepsToTarget',
] as const;

/** One row of the summary: `id`, `status`, the axis values by path, the columns above, `error`. */
export type SweepRow = Record<string, unknown> & { id: string; status: SweepRunStatus; error: string | null };

/**
 * The summary row of `run` (folder `<out>/runs/<id>`): read from the folder when the run is finished,
 * `failed` with `failure` as its error, else `pending`. Throws InputError for a malformed folder.
 * Cost O(run folder size).
 */
export function summaryRow(out: string, run: SweepRun, failure: string | null = null): SweepRow {
  const dir = runDir(out, run.id);
  const row: SweepRow = { id: run.id, status: 'pending', ...run.axes, error: null };
  for (const c of SUMMARY_COLUMNS) row[c] = null;
  const s = finishedSummary(dir, run.config);
  if (failure !== null && !s) return { ...row, status: 'failed', error: failure };
  if (!s || !existsSync(join(dir, 'metrics.jsonl'))) return row;
  const o = runOutcome(dir);
  const collapse = o.prBefore !== null && o.prAfter !== null && o.prAfter > 0 ? o.prBefore / o.prAfter : null;
  Object.assign(row, {
    status: s.status,
    steps: o.steps,
    initialLoss: s.initialLoss,
    finalLoss: o.finalLoss,
    firstBifurcationStep: o.firstBifurcationStep,
    bifurcationType: o.bifurcationType,
    prBefore: o.prBefore,
    prMin: o.prAfter,
    collapseFactor: collapse,
    rankCollapseStep: o.rankCollapseStep,
    dominantAlignment: o.dominantAlignment,
    lossIncreases: o.lossIncreases,
    maxLossJump: o.maxLossJump,
    stepsToTarget: o.stepsToTarget,
    error: s.status === 'completed' ? null : s.message,
  });
  return row;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Column order of the summary: id, status, axis paths, metric columns, error. */
export function summaryColumns(axisPaths: readonly string[]): string[] {
  return ['id', 'status', ...axisPaths, ...SUMMARY_COLUMNS, 'error'];
}

/** Writes `text` to `path` atomically unless the file already holds exactly that; true if written. */
export function writeIfChanged(path: string, text: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  writeFileAtomic(path, text);
  return true;
}

/**
 * Writes `summary.jsonl` and `summary.csv` into `out` (atomically; files already holding the same
 * text are left untouched); returns their paths. Cost O(rows).
 */
export function writeSummary(out: string, rows: readonly SweepRow[], axisPaths: readonly string[]): { jsonl: string; csv: string } {
  const cols = summaryColumns(axisPaths);
  const ordered = rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c] ?? null])));
  const jsonl = join(out, 'summary.jsonl');
  const csv = join(out, 'summary.csv');
  writeIfChanged(jsonl, ordered.map((r) => JSON.stringify(r)).join('\n') + (ordered.length ? '\n' : ''));
  writeIfChanged(csv, [cols.join(','), ...ordered.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n');
  return { jsonl, csv };
}

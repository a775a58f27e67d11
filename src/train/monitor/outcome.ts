/**
 * The outcome of one monitored run, as `sntk demo --json` prints it (docs/theory.md §11): read back from the
 * run folder (`config.json`, `metrics.jsonl`, `events.json`, `summary.json`), so it is the same
 * for a resumed run as for an uninterrupted one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.js';
import { isBifurcationEvent } from './core.js';

/** One run's outcome (field meanings: docs/theory.md §11, `sntk demo`). */
export interface RunOutcome {
  learningRate: number;
  steps: number;
  /** Monitored step at which the first bifurcation was seen (the later end of its segment), or null. */
  firstBifurcationStep: number | null;
  bifurcationType: string | null;
  /** Number of zero-input fixed points before / after that bifurcation (first / last monitored step without one). */
  fixedPointsBefore: number | null;
  fixedPointsAfter: number | null;
  /** Step of the state-space PR minimum. */
  rankCollapseStep: number | null;
  /** State-space PR at the first monitored step. */
  prBefore: number | null;
  /** State-space PR at its minimum. */
  prAfter: number | null;
  /** |cos| of the top sNTK direction with B*ᵀl at the PR minimum. */
  dominantAlignment: number | null;
  /**
   * Diagnostic (not in the list): |cos| of the same top direction with the bias-block part
   * of `B*ᵀl` (`D* l`) at the PR minimum; it differs from `dominantAlignment` when the fixed point
   * has moved off the origin (`hStarAtMinimum`).
   */
  dominantAlignmentBias: number | null;
  /** ‖h*‖ of the fixed point nearest criticality at the PR minimum (diagnostic). */
  hStarAtMinimum: number | null;
  maxLossJump: number | null;
  lossIncreases: number;
  stepsToTarget: number | null;
  /** Median seconds of one optimizer step (fused sweep + update; the monitor excluded). */
  secondsPerStep: number | null;
  finalLoss: number | null;
}

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new InputError(`${path}: missing`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

type Row = Record<string, unknown> & { step: number };

/** The outcome of the run in `dir`. Throws InputError naming a missing or malformed file. Cost O(file sizes). */
export function runOutcome(dir: string): RunOutcome {
  const config = readJson(join(dir, 'config.json')) as { steps: number; optimizer: { learningRate: number } };
  const summary = readJson(join(dir, 'summary.json')) as Record<string, unknown>;
  const events = (existsSync(join(dir, 'events.json')) ? readJson(join(dir, 'events.json')) : []) as Row[];
  const mpath = join(dir, 'metrics.jsonl');
  if (!existsSync(mpath)) throw new InputError(`${mpath}: missing`);
  const rows = readFileSync(mpath, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as Row;
      } catch {
        throw new InputError(`${mpath}: line ${i + 1} is not valid JSON`);
      }
    })
    .sort((a, b) => a.step - b.step);
  const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
  const bif = events.filter((e) => isBifurcationEvent(String(e['type']))).sort((a, b) => a.step - b.step)[0];
  const fpAt = (step: number): number | null => num(rows.find((r) => r.step === step)?.['fixedPoints']);
  let before: number | null = null, after: number | null = null;
  if (bif) {
    before = num(bif['fixedPointsBefore']) ?? fpAt(Number(bif['fromStep']));
    after = num(bif['fixedPointsAfter']) ?? fpAt(bif.step);
  } else if (rows.length) {
    before = num(rows[0]!['fixedPoints']);
    after = num(rows[rows.length - 1]!['fixedPoints']);
  }
  let minRow: Row | null = null;
  for (const r of rows) {
    const pr = num(r['pr']);
    if (pr !== null && (minRow === null || pr < (num(minRow['pr']) as number))) minRow = r;
  }
  return {
    learningRate: config.optimizer.learningRate,
    steps: Number(summary['steps'] ?? config.steps),
    firstBifurcationStep: bif ? bif.step : null,
    bifurcationType: bif ? String(bif['type']) : null,
    fixedPointsBefore: before,
    fixedPointsAfter: after,
    rankCollapseStep: minRow ? minRow.step : null,
    prBefore: rows.length ? num(rows[0]!['pr']) : null,
    prAfter: minRow ? num(minRow['pr']) : null,
    dominantAlignment: minRow ? num(minRow['alignBStarL']) : null,
    dominantAlignmentBias: minRow ? num(minRow['alignBiasL']) : null,
    hStarAtMinimum: minRow ? num(minRow['hStarNorm']) : null,
    maxLossJump: num(summary['maxLossJump']),
    lossIncreases: Number(summary['lossIncreases'] ?? 0),
    stepsToTarget: num(summary['stepsToTarget']),
    secondsPerStep: num(summary['secondsPerStep']),
    finalLoss: num(summary['finalLoss']),
  };
}

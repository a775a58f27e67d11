/**
 * The sNTK at a learned crossing, read back from a monitored run folder (docs/theory.md §8, §11).
 * The monitor takes the kernel of the network at the located crossing itself — the point `θ(s*)`
 * of the training path's segment where the first bifurcation event lies — and records on the event
 * its state-space PR (`crossingPr`), the ratio `λ₂/λ₁` of its two largest eigenvalues
 * (`crossingSecondOverFirst`) and the |cos| of its top parameter direction with the channel
 * subspace there (`channelAlignment`): `B*ᵀl` for a real mode, span{Re, Im dλ/dθ} for a complex
 * pair, both taken at the located point (before a fold, the fold's own fixed point does not exist
 * at any iterate). Runs recorded without these fields fall back to the last monitored step before
 * the crossing (its `fromStep`: `metrics.jsonl`, `eigenvalues.jsonl`, and the channel of the fixed
 * point nearest criticality there). These are the figures a crossing is judged on where the PR
 * minimum is not at the crossing: past a Hopf the trajectories run on a limit cycle whose phase is
 * neutral, so the trajectory sNTK stays collapsed (onto the frequency direction) after it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { isBifurcationEvent } from './monitor/core.js';
import { readJsonlRepairing } from '../util/jsonl.js';

/** The sNTK figures at the first bifurcation of a run (see the module comment). */
export interface CrossingFigures {
  /** The last monitored step before the crossing (`fromStep` of the event). */
  step: number;
  /** True when the figures are the kernel's at the located crossing; false: at `step` (older runs). */
  located: boolean;
  /** Where the crossing lies, in (fractional) steps. */
  stepAt: number;
  /** State-space PR at the crossing. */
  pr: number | null;
  /** `λ₂/λ₁` of the sNTK at the crossing (1: two equal directions, 0: rank one). */
  secondOverFirst: number | null;
  /** |cos(top sNTK direction, B*ᵀl)| at the crossing (real channel; null for a complex pair). */
  alignReal: number | null;
  /** |cos(top sNTK direction, span{Re, Im dλ/dθ})| at the crossing (complex channel; null for a real mode). */
  alignComplex: number | null;
  /** Critical eigenvalue of the fixed point nearest criticality at `step`. */
  critical: { re: number; im: number } | null;
}

type Row = Record<string, unknown> & { step: number };

/** The rows of a JSONL log (a torn last line of an interrupted run dropped; util/jsonl.ts). */
function readRows(path: string): Row[] {
  if (!existsSync(path)) throw new InputError(`${path}: missing`);
  return readJsonlRepairing(path).rows as Row[];
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/**
 * The crossing figures of the run in `dir` (see the module comment), or null when the run has no
 * bifurcation event. Throws InputError naming a missing or malformed file. Cost O(file sizes).
 */
export function crossingFigures(dir: string): CrossingFigures | null {
  const evPath = join(dir, 'events.json');
  if (!existsSync(evPath)) return null;
  let events: Row[];
  try {
    events = JSON.parse(readFileSync(evPath, 'utf8')) as Row[];
  } catch (e) {
    throw new InputError(`${evPath}: not valid JSON (${(e as Error).message})`);
  }
  const bif = events.filter((e) => isBifurcationEvent(String(e['type']))).sort((a, b) => a.step - b.step)[0];
  if (!bif) return null;
  const step = num(bif['fromStep']) ?? bif.step - 1;
  const row = readRows(join(dir, 'metrics.jsonl')).find((r) => r.step === step);
  const re = num(row?.['criticalRe']), im = num(row?.['criticalIm']);
  const evIm = num((bif['eigenvalue'] as { im?: unknown } | undefined)?.im);
  const complex = evIm !== null ? evIm !== 0 : im !== null && im !== 0;
  const critical = re === null ? null : { re, im: im ?? 0 };
  const stepAt = num(bif['stepAt']) ?? bif.step;
  if ('crossingPr' in bif) {
    const align = num(bif['channelAlignment']);
    return { step, located: true, stepAt, pr: num(bif['crossingPr']), secondOverFirst: num(bif['crossingSecondOverFirst']), alignReal: complex ? null : align, alignComplex: complex ? align : null, critical };
  }
  const eig = existsSync(join(dir, 'eigenvalues.jsonl')) ? readRows(join(dir, 'eigenvalues.jsonl')).find((r) => r.step === step) : undefined;
  const spec = (eig?.['sntk'] as number[] | undefined) ?? [];
  return {
    step,
    located: false,
    stepAt,
    pr: num(row?.['pr']),
    secondOverFirst: spec.length >= 2 && spec[0]! > 0 ? spec[1]! / spec[0]! : null,
    alignReal: complex ? null : num(row?.['alignBStarL']),
    alignComplex: complex ? num(row?.['alignEigenMove']) : null,
    critical,
  };
}

/**
 * The sNTK at a learned crossing, read back from a monitored run folder (docs/theory.md §8, §11):
 * at the last monitored step before the first bifurcation event (its `fromStep`), the state-space
 * PR, the ratio `λ₂/λ₁` of the two largest sNTK eigenvalues (`eigenvalues.jsonl`), and the |cos|
 * of the sNTK's top parameter direction with the channel subspace of the fixed point nearest
 * criticality — `B*ᵀl` for a real mode (`alignBStarL`), span{Re, Im dλ/dθ} for a complex pair
 * (`alignEigenMove`). These are the figures a crossing is judged on where the PR minimum is not at
 * the crossing: past a Hopf the trajectories run on a limit cycle whose phase is neutral, so the
 * trajectory sNTK stays collapsed (onto the frequency direction) after the crossing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { isBifurcationEvent } from './monitor/core.js';
import { readJsonlRepairing } from '../util/jsonl.js';

/** The sNTK figures at the step before the first bifurcation of a run. */
export interface CrossingFigures {
  /** The last monitored step before the crossing (`fromStep` of the event). */
  step: number;
  /** Where the crossing lies, in (fractional) steps. */
  stepAt: number;
  /** State-space PR at `step`. */
  pr: number | null;
  /** `λ₂/λ₁` of the sNTK at `step` (1: two equal directions, 0: rank one). */
  secondOverFirst: number | null;
  /** |cos(top sNTK direction, B*ᵀl)| at `step` (real channel). */
  alignReal: number | null;
  /** |cos(top sNTK direction, span{Re, Im dλ/dθ})| at `step` (complex channel; null for a real mode). */
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
  const eig = existsSync(join(dir, 'eigenvalues.jsonl')) ? readRows(join(dir, 'eigenvalues.jsonl')).find((r) => r.step === step) : undefined;
  const spec = (eig?.['sntk'] as number[] | undefined) ?? [];
  const re = num(row?.['criticalRe']), im = num(row?.['criticalIm']);
  const complex = im !== null && im !== 0;
  return {
    step,
    stepAt: num(bif['stepAt']) ?? bif.step,
    pr: num(row?.['pr']),
    secondOverFirst: spec.length >= 2 && spec[0]! > 0 ? spec[1]! / spec[0]! : null,
    alignReal: num(row?.['alignBStarL']),
    alignComplex: complex ? num(row?.['alignEigenMove']) : null,
    critical: re === null ? null : { re, im: im ?? 0 },
  };
}

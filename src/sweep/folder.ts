/**
 * The sweep folder: `DIR/sweep.json` (the manifest: the sweep file as parsed, its axes, and the
 * runs with their ids and axis values), `DIR/runs/<id>/` (ordinary run folders),
 * `DIR/summary.jsonl` + `DIR/summary.csv`, and the sweep page `DIR/report/index.html`. The
 * manifest is what marks a folder as a sweep (`sntk report DIR` reads it).
 */
import { join } from 'node:path';
import { writeIfChanged } from './summary.js';
import type { SweepRun } from './expand.js';
import type { SweepSpec } from './spec.js';

/** Format tag of `sweep.json`. */
export const SWEEP_MANIFEST_FORMAT = 'sntk-sweep-folder/1';

/** What `sweep.json` holds. */
export interface SweepManifest {
  format: typeof SWEEP_MANIFEST_FORMAT;
  name: string;
  axes: { path: string; values: unknown[] }[];
  metrics: string[];
  runs: { id: string; index: number; axes: Record<string, unknown> }[];
  /** The sweep file as parsed (defaults filled). */
  file: unknown;
}

/** Writes `DIR/sweep.json` for `spec` and its runs (atomically; left untouched when unchanged). Cost O(runs). */
export function writeSweepManifest(out: string, spec: SweepSpec, runs: readonly SweepRun[], name: string): string {
  const m: SweepManifest = {
    format: SWEEP_MANIFEST_FORMAT,
    name: spec.file.name ?? name,
    axes: spec.axes,
    metrics: spec.file.metrics,
    runs: runs.map((r) => ({ id: r.id, index: r.index, axes: r.axes })),
    file: spec.file,
  };
  const path = join(out, 'sweep.json');
  writeIfChanged(path, JSON.stringify(m, null, 1) + '\n');
  return path;
}

/**
 * Replays an exported explorer run in Node (`npx tsx web/tools/replay.ts run.json`): the same
 * settings through the explorer engine (pure TypeScript backend, as in the browser) and through
 * the library's `trainRun` + `createMonitor` (what `sntk train` / `sntk demo` run), and prints a
 * JSON comparison with the browser's numbers: `{ steps, maxRelDiff, bitwiseEqual,
 * libraryMaxRelDiff, markerSteps, browserMarkerSteps, monitorEvery }` (relative differences per
 * metric). The library run uses the run's monitor cadence (`monitorEvery`); its metrics rows are
 * the monitored steps, compared with the browser's rows of the same steps.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '../../src/linalg/registry.js';
import '../../src/linalg/index.js';
import { Experiment, toTrainConfig, type RunExport, type StepMetrics } from '../src/engine.js';
import { trainRun } from '../../src/train/run.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { createMonitor } from '../../src/train/monitor/monitor.js';

setBackend('js');
const file = process.argv[2];
if (!file) throw new Error('usage: replay.ts <exported run JSON>');
const run = JSON.parse(readFileSync(file, 'utf8')) as RunExport;
const n = run.metrics.length;
const ex = new Experiment({ ...run.settings, steps: Math.max(n, 1) });
for (let i = 0; i < n; i++) ex.step();
const keys = ['loss', 'gradNorm', 'updateNorm', 'pr', 'prOutput', 'topEigenvalue', 'trace', 'sigma', 'alignBStarL'] as const;
const monitorEvery = run.settings.monitorEvery ?? 1;
const maxRel: Record<string, number> = {};
let bitwise = 0, total = 0;
for (const k of keys) {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const a = run.metrics[i]![k as keyof StepMetrics] as number | null;
    const b = ex.history[i]![k as keyof StepMetrics] as number | null;
    total++;
    if (a === b) bitwise++;
    if (a === null || b === null) m = a === b ? m : Infinity;
    else m = Math.max(m, Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));
  }
  maxRel[k] = m;
}
// The library's run (what `sntk train` / `sntk demo` do): trainRun + createMonitor, same config.
const dir = mkdtempSync(join(tmpdir(), 'sntk-replay-'));
const libMaxRel: Record<string, number> = {};
try {
  const config = parseTrainConfig({ ...toTrainConfig({ ...run.settings, steps: n }), monitorEvery, checkpointEvery: 100000 });
  const mon = createMonitor({ ...config.monitor, seed: config.seed });
  await trainRun(config, { outDir: dir, ...mon.hooks() });
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number | null>);
  const byStep = new Map(rows.map((r) => [r['step'], r]));
  for (const k of keys) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const row = byStep.get(run.metrics[i]!.step);
      if (!row || run.metrics[i]!.monitored === false) continue;
      const a = run.metrics[i]![k as keyof StepMetrics] as number | null;
      const b = row[k] ?? null;
      if (a === null || b === null) m = a === b ? m : Infinity;
      else m = Math.max(m, Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));
    }
    libMaxRel[k] = m;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const markerSteps = ex.markers.map((m) => m.step);
console.log(JSON.stringify({ steps: n, maxRelDiff: maxRel, bitwiseEqual: `${bitwise}/${total}`, libraryMaxRelDiff: libMaxRel, markerSteps, browserMarkerSteps: run.markers.map((m) => m.step), monitorEvery }));

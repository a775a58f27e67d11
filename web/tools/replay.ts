/**
 * Replays an exported explorer run in Node (`npx tsx web/tools/replay.ts run.json`): the same
 * settings through the explorer engine (pure TypeScript backend, as in the browser) and through
 * the library's `trainRun`, and prints a JSON comparison with the browser's numbers:
 * `{ steps, maxRelDiff: {loss, gradNorm, updateNorm, pr, topEigenvalue}, bitwiseEqual, trainRunLossMaxRelDiff }`.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setBackend } from '../../src/linalg/registry.js';
import '../../src/linalg/index.js';
import { Experiment, toTrainConfig, type RunExport, type StepMetrics } from '../src/engine.js';
import { trainRun } from '../../src/train/run.js';

setBackend('js');
const file = process.argv[2];
if (!file) throw new Error('usage: replay.ts <exported run JSON>');
const run = JSON.parse(readFileSync(file, 'utf8')) as RunExport;
const n = run.metrics.length;
const ex = new Experiment({ ...run.settings, steps: Math.max(n, 1) });
for (let i = 0; i < n; i++) ex.step();
const keys = ['loss', 'gradNorm', 'updateNorm', 'pr', 'topEigenvalue'] as const;
const maxRel: Record<string, number> = {};
let bitwise = 0, total = 0;
for (const k of keys) {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const a = run.metrics[i]![k as keyof StepMetrics] as number;
    const b = ex.history[i]![k as keyof StepMetrics] as number;
    total++;
    if (a === b) bitwise++;
    m = Math.max(m, Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));
  }
  maxRel[k] = m;
}
const dir = mkdtempSync(join(tmpdir(), 'sntk-replay-'));
let trainRunLossMaxRelDiff = NaN;
try {
  const res = await trainRun({ ...toTrainConfig({ ...run.settings, steps: n }), checkpointEvery: 100000 }, { outDir: dir });
  trainRunLossMaxRelDiff = 0;
  for (let i = 0; i < n; i++) trainRunLossMaxRelDiff = Math.max(trainRunLossMaxRelDiff, Math.abs(res.losses[i]! - run.metrics[i]!.loss) / Math.abs(res.losses[i]!));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const markerSteps = ex.markers.map((m) => m.step);
console.log(JSON.stringify({ steps: n, maxRelDiff: maxRel, bitwiseEqual: `${bitwise}/${total}`, trainRunLossMaxRelDiff, markerSteps, browserMarkerSteps: run.markers.map((m) => m.step) }));

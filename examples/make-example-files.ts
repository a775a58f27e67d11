/**
 * Writes the small example files the README uses: a random vanilla tanh RNN with 16 units, 1 input
 * and 1 readout (`vanilla-16.json`), a batch of 4 pulse-input trials of 60 steps (`pulses.json`,
 * `[B][T][D]`), and two checkpoints of the demo's `reference` run (seed 0) with the bias frozen at
 * 0 (`pitchfork-a.json`, `pitchfork-b.json`): the last checkpoint with one zero-input fixed point
 * and the next one, with three. tanh is odd and b = 0, so h = 0 stays a fixed point and the
 * straight path between the two goes through a (perfect) pitchfork, which `sntk continuation`
 * detects and `--switch` follows. Run: `npx tsx examples/make-example-files.ts`.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng, defineSpec, demoConfigs, findFixedPoints, modelSystem, modelToJson, randomModel, readModelFile, trainRun } from 'sntk';

const here = import.meta.dirname;
const model = randomModel(defineSpec({ cell: 'vanilla', hiddenSize: 16, inputSize: 1, outputSize: 1 }), 7, { gain: 1.3, inputScale: 2 });
writeFileSync(join(here, 'vanilla-16.json'), modelToJson(model));
const rng = createRng(11);
const trials: number[][][] = [];
for (let b = 0; b < 4; b++) {
  const trial: number[][] = [];
  for (let t = 0; t < 60; t++) trial.push([rng.uniform() < 0.05 || t === 2 + b ? (rng.uniform() < 0.5 ? -1 : 1) : 0]);
  trials.push(trial);
}
writeFileSync(join(here, 'pulses.json'), JSON.stringify(trials) + '\n');

// the pitchfork pair: train the reference run without the monitor, checkpoints every 5 steps
const runDir = mkdtempSync(join(tmpdir(), 'sntk-example-'));
const cfg = { ...demoConfigs(0, { overrides: { task: { trainBias: false } } }).reference, checkpointEvery: 5, monitor: { enabled: false } };
await trainRun(cfg, { outDir: runDir });
const steps = readdirSync(runDir)
  .map((f) => /^model-(\d+)\.json$/.exec(f))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => Number(m[1]))
  .sort((a, b) => a - b);
const count = (step: number): number => findFixedPoints(modelSystem(readModelFile(join(runDir, `model-${step}.json`)))).points.length;
let pair: [number, number] | null = null;
for (let k = 0; k + 1 < steps.length && !pair; k++) if (count(steps[k]!) === 1 && count(steps[k + 1]!) === 3) pair = [steps[k]!, steps[k + 1]!];
if (!pair) throw new Error('no checkpoint pair with 1 → 3 zero-input fixed points');
copyFileSync(join(runDir, `model-${pair[0]}.json`), join(here, 'pitchfork-a.json'));
copyFileSync(join(runDir, `model-${pair[1]}.json`), join(here, 'pitchfork-b.json'));
rmSync(runDir, { recursive: true, force: true });
console.log(`wrote examples/vanilla-16.json, examples/pulses.json, and examples/pitchfork-{a,b}.json (steps ${pair[0]} and ${pair[1]})`);

/**
 * Writes the small example files the README uses: a random vanilla tanh RNN with 16 units, 1 input
 * and 1 readout (`vanilla-16.json`) and a batch of 4 pulse-input trials of 60 steps (`pulses.json`,
 * `[B][T][D]`). Run: `npx tsx examples/make-example-files.ts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng, defineSpec, modelToJson, randomModel } from 'sntk';

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
console.log('wrote examples/vanilla-16.json and examples/pulses.json');

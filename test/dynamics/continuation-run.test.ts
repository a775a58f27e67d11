/** `sntk continuation --run DIR`: the path through a run folder's checkpoints, events in training steps. */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { createModel, defineSpec } from '../../src/models/index.js';
import { writeModelFile } from '../../src/io/index.js';
import { stepAtS } from '../../src/cli/commands/continuation.js';

let run = '';

beforeAll(() => {
  // h ↦ tanh(w h) with w = 0.5, 0.9, 1.3 at steps 0, 10, 20 (written out of order): the
  // pitchfork w = 1 is at s = 1.25 on the checkpoint path, i.e. training step 12.5
  run = join(mkdtempSync(join(tmpdir(), 'sntk-run-')), 'run');
  mkdirSync(run);
  for (const [step, w] of [[20, 1.3], [0, 0.5], [10, 0.9]] as const) {
    const m = createModel(defineSpec({ cell: 'vanilla', hiddenSize: 1, inputSize: 1 }));
    m.params[0] = w;
    writeModelFile(m, join(run, `model-${step}.json`));
  }
  writeFileSync(join(run, 'events.json'), JSON.stringify([{ type: 'pitchfork', step: 13, stepAt: 12.4 }, { type: 'rank-collapse', step: 12 }]));
});

describe('sntk continuation --run', () => {
  it('continues through the checkpoints in step order and reports the pitchfork at its training step', async () => {
    const r = await runCli(['continuation', '--run', run, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.run.checkpointSteps).toEqual([0, 10, 20]);
    expect(j.run.monitorEvents).toEqual([{ type: 'pitchfork', step: 13, stepAt: 12.4 }]);
    const pf = j.events.find((e: { type: string }) => e.type === 'pitchfork');
    expect(pf.s).toBeCloseTo(1.25, 6);
    expect(pf.step).toBeCloseTo(12.5, 5);
    // the per-segment detector (every fixed point of both ends) finds it on the segment 10 → 20 too
    const seg = j.run.segmentEvents.find((e: { type: string }) => e.type === 'pitchfork');
    expect(seg.fromStep).toBe(10);
    expect(seg.toStep).toBe(20);
    expect(seg.step).toBeCloseTo(12.5, 4);
    const text = await runCli(['continuation', '--run', run]);
    expect(text.out).toMatch(/pitchfork\s+s = 1\.25\d*\s+training step ≈ 12\.50/);
    expect(text.out).toContain('monitor (events.json): pitchfork at step 13 (≈ 12.40)');
  });

  it('stepAtS maps the path parameter to training steps linearly per segment', () => {
    expect(stepAtS([0, 10, 30], 0)).toBe(0);
    expect(stepAtS([0, 10, 30], 1.5)).toBe(20);
    expect(stepAtS([0, 10, 30], 2)).toBe(30);
  });

  it('bad usage: --run with --model, a missing folder, a folder with one checkpoint (exit 2)', async () => {
    const both = await runCli(['continuation', '--run', run, '--model', join(run, 'model-0.json')]);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--run takes the whole path/);
    const missing = await runCli(['continuation', '--run', join(run, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no such run folder/);
    const one = join(mkdtempSync(join(tmpdir(), 'sntk-run-')), 'one');
    mkdirSync(one);
    writeModelFile(createModel(defineSpec({ cell: 'vanilla', hiddenSize: 1, inputSize: 1 })), join(one, 'model-0.json'));
    const r = await runCli(['continuation', '--run', one]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/at least two checkpointed models/);
    const none = await runCli(['continuation']);
    expect(none.code).toBe(2);
  });
});

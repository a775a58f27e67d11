import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainRun, parseTrainConfig, metricsCsv } from '../../src/train/index.js';
import type { TrainConfigInput } from '../../src/train/index.js';
import { InputError } from '../../src/errors.js';
import { createRng } from '../../src/linalg/random.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'sntk-train-'));
const smallTask = { name: 'pitchfork' as const, hiddenSize: 6, T: 15, B: 4 };

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

describe('config validation', () => {
  it('fills defaults (the calibrated pitchfork run)', () => {
    const c = parseTrainConfig({});
    expect(c.task.name).toBe('pitchfork');
    expect(c.steps).toBe(80);
    expect(c.optimizer.kind).toBe('sgd');
    expect(c.optimizer.k).toBe(2);
    if (c.task.name === 'pitchfork') expect([c.task.hiddenSize, c.task.T, c.task.B]).toEqual([16, 60, 32]);
  });

  it('rejects bad configs with messages naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ stepz: 3 }, /config: unknown field 'stepz'/],
      [{ optimizer: { learningRate: -0.1 } }, /config\.optimizer\.learningRate/],
      [{ optimizer: { kind: 'natgrad', lr: 1 } }, /config\.optimizer: unknown field 'lr'/],
      [{ task: { name: 'pitchfork', hiddenSize: 8, N: 3 } }, /config\.task: unknown field 'N'/],
      [{ task: { name: 'template', inputSize: 4, inputRank: 6 } }, /config\.task\.inputRank: input rank 6 exceeds task\.inputSize 4/],
      [{ task: smallTask, initialParams: [1, 2, 3] }, /config\.initialParams: has length 3, .* has 55 parameters/],
      [{ task: { name: 'pitchfork', hiddenSize: 2 }, optimizer: { kind: 'natgrad', k: 8 } }, /config\.optimizer\.k/],
      [{ optimizer: { kind: 'gauss-newton' } }, /config\.optimizer\.damping/],
      [{ steps: 0 }, /config\.steps/],
      [{ task: { name: 'nope' } }, /config\.task/],
      // sizes that would exhaust memory, refused before any allocation (N² alone is 80 GB here)
      [{ task: { name: 'pitchfork', hiddenSize: 100000 } }, /config\.task: the run would need about .* TiB \(largest part: .*\), over the memory budget/],
      [{ task: { name: 'template', B: 4096, T: 4000 }, monitor: { enabled: false } }, /config\.task: the run would need about .*largest part: trajectory with step caches and adjoints/],
    ];
    for (const [cfg, re] of bad) {
      let err: unknown = null;
      try {
        parseTrainConfig(cfg);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(cfg)).toBeInstanceOf(InputError);
      expect((err as Error).message, JSON.stringify(cfg)).toMatch(re);
    }
  });

  it('the memory estimate: defaults of all three tasks fit in 2 GiB with room; it grows with the sizes', async () => {
    const { estimateRunMemory } = await import('../../src/train/memory.js');
    const shape = (N: number, B: number, T: number) => ({
      N, D: 1, O: 1, cellSize: N * N + 2 * N, size: N * N + 3 * N + 1, trainable: N * N + 2 * N, B, T,
      optimizer: { kind: 'natgrad', k: 2, damping: 'next' as const, fisherTrials: null },
      monitor: { enabled: true, trials: null, kernel: 'auto' as const, denseFlops: 1e10, top: 10 },
    });
    const small = estimateRunMemory(shape(16, 32, 60)).doubles;
    expect(8 * small).toBeLessThan(512 * 1024 ** 2); // the demo's size (dense monitor route): ≈ 150 MB
    // with the route fixed, it grows with N, B and T ('auto' switches to the operator route at larger sizes)
    const fixed = (N: number, B: number, T: number) => estimateRunMemory({ ...shape(N, B, T), monitor: { ...shape(N, B, T).monitor, kernel: 'operator' as const } }).doubles;
    expect(fixed(32, 32, 60)).toBeGreaterThan(fixed(16, 32, 60));
    expect(fixed(16, 64, 60)).toBeGreaterThan(fixed(16, 32, 60));
    expect(fixed(16, 32, 120)).toBeGreaterThan(fixed(16, 32, 60));
    for (const name of ['pitchfork', 'template', 'flipflop']) expect(() => parseTrainConfig({ task: { name } })).not.toThrow();
  });

  it('trainRun rejects a bad config before writing anything', async () => {
    const dir = join(tmp(), 'run');
    await expect(trainRun({ optimizer: { learningRate: -1 } }, { outDir: dir })).rejects.toThrow(/learningRate/);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('runs', () => {
  it('writes the run folder; metrics.csv takes extra monitor columns', async () => {
    const dir = tmp();
    const r = await trainRun({ steps: 6, checkpointEvery: 4, task: smallTask, optimizer: { kind: 'natgrad', learningRate: 0.5 } }, {
      outDir: dir,
      onStep: (i) => ({ extra: { probe: i.step * 2 } }),
    });
    expect(r.summary.status).toBe('completed');
    const files = readdirSync(dir).sort();
    for (const f of ['config.json', 'metrics.csv', 'metrics.jsonl', 'events.json', 'summary.json', 'checkpoint-0.json', 'checkpoint-4.json', 'checkpoint-6.json', 'model-6.json']) expect(files).toContain(f);
    expect(files.some((f) => f.includes('.tmp-'))).toBe(false);
    const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('step,loss,gradNorm,updateNorm,seconds,monitorSeconds,probe');
    expect(csv.length).toBe(7);
    const model = JSON.parse(readFileSync(join(dir, 'model-6.json'), 'utf8'));
    expect(model.format).toBe('sntk-model/1');
    expect(model.params.W.length).toBe(6);
    expect(model.params.b.length).toBe(6);
    expect(Float64Array.from(model.params.W.flat() as number[])).toEqual(r.params.subarray(0, 36));
    expect(r.summary.finalLoss!).toBeLessThan(r.summary.initialLoss!);
    expect(metricsCsv([{ step: 0, loss: 1, gradNorm: 2, updateNorm: 3, seconds: 4, note: 'a,b' }])).toContain('"a,b"');
  });

  for (const kind of ['sgd', 'natgrad', 'adam'] as const) {
    it(`resume after an interruption at a random step is bit-identical (${kind})`, async () => {
      const cfg: TrainConfigInput = { seed: 3, steps: 12, checkpointEvery: 3, task: smallTask, optimizer: { kind, learningRate: kind === 'adam' ? 0.01 : 0.5, momentum: kind === 'adam' ? 0 : 0.3 } };
      const full = await trainRun(cfg, { outDir: tmp() });
      const killAt = 1 + createRng(`kill:${kind}`).int(10); // 1..10
      const dir = tmp();
      await expect(
        trainRun(cfg, { outDir: dir, onStep: (i) => { if (i.step === killAt) throw new Error('killed'); } }),
      ).rejects.toThrow('killed');
      const resumed = await trainRun(cfg, { outDir: dir, resume: true });
      expect(resumed.summary.resumedFrom).toBe(Math.floor(killAt / 3) * 3);
      expect(sameBits(resumed.params, full.params)).toBe(true);
      expect(resumed.losses).toEqual(full.losses);
      const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
      expect(rows).toEqual([...Array(12).keys()]);
    });
  }

  it('refuses to start over an existing run without resume', async () => {
    const dir = tmp();
    await trainRun({ steps: 1, task: smallTask }, { outDir: dir });
    await expect(trainRun({ steps: 1, task: smallTask }, { outDir: dir })).rejects.toThrow(/already holds a run/);
  });

  it('a NaN loss stops the run, keeps the last good checkpoint and says so', async () => {
    const dir = tmp();
    // A blow-up injected at step 5 (the monitor overwrites a weight with NaN): the step-6 loss is NaN.
    const r = await trainRun({ steps: 40, checkpointEvery: 2, task: smallTask }, { outDir: dir, onStep: (i) => { if (i.step === 5) i.model.params[0] = NaN; } });
    expect(r.summary.nanStep).toBe(6);
    expect(r.summary.lastCheckpointStep).toBe(4);
    expect(r.summary.status).toBe('nan');
    expect(r.summary.message).toMatch(/last good checkpoint is checkpoint-\d+\.json/);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(s.status).toBe('nan');
    const ck = JSON.parse(readFileSync(join(dir, `checkpoint-${r.summary.lastCheckpointStep}.json`), 'utf8'));
    expect(ck.params.every(Number.isFinite)).toBe(true);
    expect(r.params.every(Number.isFinite)).toBe(true);
    const ev = JSON.parse(readFileSync(join(dir, 'events.json'), 'utf8'));
    expect(ev.some((e: { type: string }) => e.type === 'nan')).toBe(true);
    rmSync(dir, { recursive: true });
  });
});

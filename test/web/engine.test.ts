/**
 * The explorer's engine (the code the Web Worker runs) against the library's Node-side run:
 * the same config through `trainRun` gives bit-identical losses, gradient and update norms, and
 * the sNTK numbers equal `sntkSpectrum` + `kernelDiagnostics` (an independent path through
 * `J Jᵀ`/`JᵀJ`) to 1e-9 relative. Also: model-file loading and its error message, settings checks,
 * and the restricted-landscape scan.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Experiment, PITCHFORK_PRESET, toTrainConfig, type ExplorerSettings } from '../../web/src/engine.js';
import { analyzeModelText } from '../../web/src/model-file.js';
import { trainRun } from '../../src/train/run.js';
import { modelDataToJson } from '../../src/io/model-doc.js';
import { rollout } from '../../src/models/index.js';
import { sntkSpectrum } from '../../src/sntk/dense.js';
import { kernelDiagnostics } from '../../src/sntk/diagnostics.js';
import { InputError } from '../../src/errors.js';

const SMALL: ExplorerSettings = { ...PITCHFORK_PRESET, hiddenSize: 6, T: 20, B: 6, steps: 5, seed: 3, landscapePoints: 9 };

async function nodeRun(s: ExplorerSettings): Promise<{ rows: Record<string, number>[]; params: Float64Array }> {
  const dir = mkdtempSync(join(tmpdir(), 'sntk-web-'));
  try {
    const rows: Record<string, number>[] = [];
    let pr0: number | null = null;
    const res = await trainRun(
      { ...toTrainConfig(s), monitorEvery: 1, checkpointEvery: 1000 },
      {
        outDir: dir,
        onStep: (info) => {
          const traj = rollout(info.model, info.batch.X, { B: info.batch.B, T: info.batch.T });
          const d = kernelDiagnostics(sntkSpectrum(info.model, traj).values);
          rows.push({ step: info.step, loss: info.loss, gradNorm: info.gradNorm, pr: d.participationRatio, top: d.top[0]! });
          // The adaptive rule (the explorer's monitor): switch natgrad on once PR < PR₀ / adaptiveFall.
          pr0 ??= d.participationRatio;
          if (s.optimizer === 'adaptive' && info.natgrad && !info.natgrad.isActive() && d.participationRatio < pr0 / s.adaptiveFall) info.natgrad.setActive(true);
          return { extra: { pr: d.participationRatio } };
        },
      },
    );
    return { rows, params: res.params };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('explorer engine = library trainRun', () => {
  for (const optimizer of ['sgd', 'adam', 'natgrad', 'adaptive'] as const) {
    it(`${optimizer}: same losses, norms and final parameters bit for bit, same sNTK PR to 1e-9`, async () => {
      const s: ExplorerSettings = { ...SMALL, optimizer, learningRate: optimizer === 'adam' ? 0.01 : 0.1, adaptiveFall: 1.0000001 };
      const natOn: boolean[] = [];
      const ex = new Experiment(s);
      while (!ex.done) natOn.push(ex.step().metrics.natgradActive);
      if (optimizer === 'adaptive') expect(natOn).toContain(true);
      if (optimizer === 'adaptive') expect(natOn[0]).toBe(false);
      const { rows, params } = await nodeRun(s);
      expect(Array.from(ex.model.params)).toEqual(Array.from(params));
      expect(ex.history.length).toBe(s.steps);
      expect(rows.length).toBe(s.steps);
      for (let i = 0; i < s.steps; i++) {
        const m = ex.history[i]!;
        const r = rows[i]!;
        expect(m.step).toBe(r.step);
        expect(m.loss).toBe(r.loss);
        expect(m.gradNorm).toBe(r.gradNorm);
        expect(Math.abs(m.pr - r.pr!)).toBeLessThan(1e-9 * r.pr!);
        expect(Math.abs(m.topEigenvalue - r.top!)).toBeLessThan(1e-9 * r.top!);
      }
    });
  }

  it('the export holds the config, metrics and markers as plain JSON', () => {
    const ex = new Experiment({ ...SMALL, steps: 2 });
    ex.step();
    const doc = JSON.parse(JSON.stringify(ex.exportRun()));
    expect(doc.format).toBe('sntk-explorer-run/1');
    expect(doc.config.task.hiddenSize).toBe(6);
    expect(doc.metrics).toHaveLength(1);
    expect(doc.status).toBe('running');
  });

  it('rejects bad settings with the field named', () => {
    expect(() => new Experiment({ ...SMALL, learningRate: -1 })).toThrow(/learningRate/);
    expect(() => new Experiment({ ...SMALL, hiddenSize: 1.5 })).toThrow(InputError);
  });

  it('the landscape scan passes through the current loss at α = 0 and κ > 0', () => {
    const ex = new Experiment({ ...SMALL, steps: 2, landscapePoints: 9 });
    const out = ex.step();
    const scan = ex.landscape()!;
    expect(scan.alphas).toHaveLength(9);
    expect(scan.alphas[4]).toBeCloseTo(0, 14);
    // α = 0 is the parameters before the update, where the step's loss was measured.
    expect(Math.abs(scan.loss[4]! - out.metrics.loss)).toBeLessThan(1e-12 * out.metrics.loss);
    for (const k of scan.kappa) expect(k).toBeGreaterThan(0);
  });
});

describe('model file loading', () => {
  it('analyses a valid sntk-model/1 file', () => {
    const ex = new Experiment({ ...SMALL, steps: 1 });
    const text = modelDataToJson({ spec: ex.model.spec, params: ex.model.params });
    const a = analyzeModelText(text, 'student.json');
    expect(a.cell).toBe('vanilla');
    expect(a.hiddenSize).toBe(6);
    expect(a.fixedPoints.length).toBeGreaterThanOrEqual(1);
    expect(a.pr).toBeGreaterThan(1);
  });

  it('a malformed file gives an InputError naming the file and field', () => {
    expect(() => analyzeModelText('{"format": "sntk-model/1", "cell": "vanilla"', 'broken.json')).toThrow(/broken\.json/);
    const bad = { format: 'sntk-model/1', cell: 'vanilla', hiddenSize: 2, inputSize: 1, params: { W: [[1, 2]], U: [[0], [0]], b: [0, 0] } };
    expect(() => analyzeModelText(JSON.stringify(bad), 'short.json')).toThrow(/short\.json.*W/);
  });
});

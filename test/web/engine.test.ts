/**
 * The explorer's engine (the code the Web Worker runs) against the library's Node-side run:
 * the same config through `trainRun` with the library monitor (what `sntk train` / `sntk demo`
 * run) gives bit-identical metrics rows, events and final parameters, and the PR equals
 * `sntkSpectrum` + `kernelDiagnostics` (an independent path) to 1e-10 relative. Also: model-file loading and its error message, settings checks,
 * and the restricted-landscape scan.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Experiment, Observer, PITCHFORK_PRESET, toTrainConfig, type ExplorerSettings, type ObservationSummary, type ParamSnapshot } from '../../web/src/engine.js';
import { analyzeModelText } from '../../web/src/model-file.js';
import { trainRun } from '../../src/train/run.js';
import { modelDataToJson } from '../../src/io/model-doc.js';
import { createMonitor } from '../../src/train/monitor/monitor.js';
import { parseTrainConfig } from '../../src/train/config.js';
import { rollout } from '../../src/models/index.js';
import { sntkSpectrum } from '../../src/sntk/dense.js';
import { kernelDiagnostics } from '../../src/sntk/diagnostics.js';
import { InputError } from '../../src/errors.js';

const SMALL: ExplorerSettings = { ...PITCHFORK_PRESET, hiddenSize: 6, T: 20, B: 6, steps: 5, seed: 3, landscapePoints: 9, monitorEvery: 1 };

/** The library's Node-side run: trainRun with the library monitor (what `sntk train`/`sntk demo` do). */
async function nodeRun(s: ExplorerSettings, monitorEvery = 1): Promise<{ rows: Record<string, number | string | boolean | null>[]; events: Record<string, unknown>[]; params: Float64Array }> {
  const dir = mkdtempSync(join(tmpdir(), 'sntk-web-'));
  try {
    const config = parseTrainConfig({ ...toTrainConfig(s), monitorEvery, checkpointEvery: 1000 });
    const mon = createMonitor({ ...config.monitor, seed: config.seed });
    const res = await trainRun(config, { outDir: dir, ...mon.hooks() });
    const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const events = JSON.parse(readFileSync(join(dir, 'events.json'), 'utf8'));
    return { rows, events, params: res.params };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('explorer engine = library trainRun', () => {
  for (const optimizer of ['sgd', 'adam', 'natgrad', 'adaptive'] as const) {
    it(`${optimizer}: the worker's numbers equal trainRun + the library monitor bit for bit`, async () => {
      const s: ExplorerSettings = { ...SMALL, optimizer, learningRate: optimizer === 'adam' ? 0.01 : 0.1, collapseFactor: 1.0000001 };
      const ex = new Experiment(s);
      const natOn: (boolean | null)[] = [];
      while (!ex.done) natOn.push(ex.step().metrics.natgradActive);
      if (optimizer === 'adaptive') {
        expect(natOn[0]).toBe(false);
        expect(natOn).toContain(true);
      }
      const { rows, events, params } = await nodeRun(s);
      expect(Array.from(ex.model.params)).toEqual(Array.from(params));
      expect(rows.length).toBe(s.steps);
      const keys = ['step', 'loss', 'gradNorm', 'updateNorm', 'pr', 'prOutput', 'topEigenvalue', 'trace', 'topShare', 'fixedPoints', 'criticalRe', 'criticalIm', 'sigma', 'alignBStarL', 'natgradActive'] as const;
      for (let i = 0; i < s.steps; i++) {
        const m = ex.history[i]! as unknown as Record<string, unknown>;
        for (const k of keys) expect([k, m[k]]).toEqual([k, rows[i]![k]]);
      }
      expect(ex.events).toEqual(events);
    });
  }

  it.each(['saddle-node', 'hopf'] as const)('the %s task: toTrainConfig names it, and the worker equals trainRun + the library monitor bit for bit', async (bifurcation) => {
    const s: ExplorerSettings = { ...SMALL, bifurcation, outlier: bifurcation === 'hopf' ? 1.6 : 2, trainBias: false, steps: 4 };
    const task = toTrainConfig(s).task as Record<string, unknown>;
    expect(task['name']).toBe(bifurcation);
    expect(task[bifurcation === 'hopf' ? 'rho' : 'outlier']).toBe(s.outlier);
    const ex = new Experiment(s);
    while (!ex.done) ex.step();
    const { rows, events, params } = await nodeRun(s);
    expect(Array.from(ex.model.params)).toEqual(Array.from(params));
    for (let i = 0; i < s.steps; i++) {
      const m = ex.history[i]! as unknown as Record<string, unknown>;
      for (const k of ['loss', 'pr', 'fixedPoints', 'criticalRe', 'criticalIm', 'alignBStarL'] as const) expect([k, m[k]]).toEqual([k, rows[i]![k]]);
    }
    expect(ex.events).toEqual(events);
    expect(() => new Experiment({ ...s, bifurcation: 'transcritical' as never })).toThrow(/bifurcation must be/);
  }, 30000);

  it('monitor cadence: the observed steps equal trainRun with the same monitorEvery bit for bit; the others carry loss and norms of every step and repeat the last observation', async () => {
    const s: ExplorerSettings = { ...SMALL, steps: 7, monitorEvery: 3 };
    const ex = new Experiment(s);
    while (!ex.done) ex.step();
    expect(ex.history.map((m) => m.monitored)).toEqual([true, false, false, true, false, false, true]);
    expect(ex.history.map((m) => m.monitoredStep)).toEqual([0, 0, 0, 3, 3, 3, 6]);
    const every = await nodeRun(s, 1);
    const cad = await nodeRun(s, 3);
    expect(Array.from(ex.model.params)).toEqual(Array.from(cad.params));
    expect(cad.rows.map((r) => r['step'])).toEqual([0, 3, 6]);
    const keys = ['loss', 'gradNorm', 'updateNorm', 'pr', 'prOutput', 'topEigenvalue', 'trace', 'topShare', 'fixedPoints', 'sigma', 'alignBStarL'] as const;
    for (const row of cad.rows) {
      const m = ex.history[row['step'] as number]! as unknown as Record<string, unknown>;
      for (const k of keys) expect([k, m[k]]).toEqual([k, row[k]]);
    }
    for (let i = 0; i < s.steps; i++) {
      const m = ex.history[i]!;
      expect([i, m.loss, m.gradNorm, m.updateNorm]).toEqual([i, every.rows[i]!['loss'], every.rows[i]!['gradNorm'], every.rows[i]!['updateNorm']]);
      if (!m.monitored) expect(m.pr).toBe(ex.history[m.monitoredStep!]!.pr);
    }
    expect(() => new Experiment({ ...SMALL, monitorEvery: 0 })).toThrow(/monitorEvery/);
  }, 30000);

  it('deferred monitor: snapshots observed by a separate Observer and merged back late give the inline run\'s history, events and markers exactly', () => {
    for (const optimizer of ['sgd', 'natgrad'] as const) {
      const s: ExplorerSettings = { ...SMALL, hiddenSize: 8, T: 20, B: 8, seed: 0, steps: 14, learningRate: 0.5, collapseFactor: 2, trainBias: true, monitorEvery: 2, optimizer };
      const inline = new Experiment(s);
      while (!inline.done) inline.step();
      const deferred = new Experiment(s, { deferMonitor: true });
      expect(deferred.deferred).toBe(true);
      const observer = new Observer(s);
      const queue: ParamSnapshot[] = [];
      const summaries: ObservationSummary[] = [];
      while (!deferred.done) {
        const out = deferred.step();
        expect(out.metrics.monitored).toBe(out.snapshot !== undefined);
        if (out.snapshot) queue.push(out.snapshot);
        // the monitor lags: observe the oldest snapshot only every other step
        if (out.metrics.step % 2 === 1 && queue.length > 1) {
          const sm = observer.observe(queue.shift()!);
          summaries.push(sm);
          deferred.applyObservation(sm);
        }
      }
      for (const snap of queue) deferred.applyObservation(observer.observe(snap));
      const strip = (m: Record<string, unknown>): Record<string, unknown> => ({ ...m, seconds: 0 });
      expect(deferred.history.map((m) => strip({ ...m }))).toEqual(inline.history.map((m) => strip({ ...m })));
      expect(deferred.events).toEqual(inline.events);
      expect(deferred.markers).toEqual(inline.markers);
      expect(Array.from(deferred.model.params)).toEqual(Array.from(inline.model.params));
      if (optimizer === 'sgd') expect(inline.markers.length).toBeGreaterThan(0);
    }
    // adaptive runs keep the monitor inline (it switches the correction on)
    expect(new Experiment({ ...SMALL, optimizer: 'adaptive' }, { deferMonitor: true }).deferred).toBe(false);
  }, 60000);

  it('requestMonitor observes the next step besides the cadence', () => {
    const ex = new Experiment({ ...SMALL, steps: 6, monitorEvery: 4 });
    ex.step();
    ex.requestMonitor();
    expect(ex.step().metrics.monitored).toBe(true);
    expect(ex.step().metrics.monitored).toBe(false);
  });

  it('a run through an imperfect pitchfork: the same events as the library (bifurcation, rank collapse) and a UI marker', async () => {
    const s: ExplorerSettings = { ...SMALL, hiddenSize: 8, T: 20, B: 8, seed: 0, steps: 14, learningRate: 0.5, collapseFactor: 2, trainBias: true };
    const ex = new Experiment(s);
    while (!ex.done) ex.step();
    const { events, params } = await nodeRun(s);
    expect(Array.from(ex.model.params)).toEqual(Array.from(params));
    expect(ex.events).toEqual(events);
    const bif = events.filter((e) => e['type'] === 'pitchfork');
    expect(bif).toHaveLength(1);
    expect(ex.markers).toHaveLength(1);
    const m = ex.markers[0]!;
    expect([m.step, m.type, m.source, m.fixedPointsBefore, m.fixedPointsAfter]).toEqual([bif[0]!['step'], 'pitchfork', 'continuation', 1, 3]);
    expect(m.s).toBe(bif[0]!['s']);
    expect(m.note).toMatch(/imperfect/);
  }, 30000);

  it('the monitor PR equals the dense sNTK spectrum (sntkSpectrum + kernelDiagnostics) to 1e-10', () => {
    const ex = new Experiment({ ...SMALL, steps: 1 });
    const traj = rollout(ex.model, ex.task.X, { B: ex.task.B, T: ex.task.T });
    const d = kernelDiagnostics(sntkSpectrum(ex.model, traj).values);
    const m = ex.step().metrics;
    expect(Math.abs(m.pr - d.participationRatio)).toBeLessThan(1e-10 * d.participationRatio);
    expect(Math.abs(m.topEigenvalue - d.top[0]!)).toBeLessThan(1e-10 * d.top[0]!);
  });

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

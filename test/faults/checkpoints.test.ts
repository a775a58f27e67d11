/**
 * Issue cases 6 and 8: checkpoint contents are validated before a resume trusts them (finite
 * params of the model's length, the optimizer state of the run's optimizer kind, a step matching
 * the file name, the loss history and metrics.jsonl, the config hash); the newest valid checkpoint
 * is used and the skipped ones are named. A different config is refused unless --force-config.
 * After a divergence the named "last good checkpoint" holds parameters with a finite loss, and a
 * divergence at step 0 says so instead of failing in the report.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFile, expectOneLineFailure, snapshot, tinyConfig, tmp, train } from './helpers.js';
import { runCli } from '../cli/run-cli.js';
import { trainRun } from '../../src/train/run.js';
import { validateCheckpoint } from '../../src/train/checkpoint.js';

const edit = (dir: string, step: number, f: (ck: Record<string, any>) => void): void => {
  const p = join(dir, `checkpoint-${step}.json`);
  const ck = JSON.parse(readFileSync(p, 'utf8'));
  f(ck);
  writeFileSync(p, JSON.stringify(ck));
};

describe('checkpoint validation and fallback', () => {
  it('params[3] = null, an Adam state on a natgrad run, a renamed later checkpoint, a truncated latest: each skipped by name, the resume matches', async () => {
    const cfg = configFile(tinyConfig());
    const ref = tmp();
    expect((await train(cfg, ref)).code).toBe(0);
    const cases: [string, (dir: string) => void, RegExp][] = [
      ['null param', (d) => edit(d, 12, (ck) => (ck.params[3] = null)), /checkpoint-12\.json params\.3: .*; resuming from checkpoint-9\.json/],
      ['adam state', (d) => edit(d, 12, (ck) => (ck.optimizer = { t: 12, m: null, v: null })), /checkpoint-12\.json optimizer state is not a natgrad state .*; resuming from checkpoint-9\.json/],
      ['renamed', (d) => { rmSync(join(d, 'checkpoint-12.json')); copyFileSync(join(d, 'checkpoint-6.json'), join(d, 'checkpoint-12.json')); }, /checkpoint-12\.json holds step 6, but its name says step 12; resuming from checkpoint-9\.json/],
      ['edited step', (d) => edit(d, 12, (ck) => { ck.step = 12; ck.losses = ck.losses.slice(0, 11); }), /checkpoint-12\.json has 11 losses for 12 steps/],
      ['truncated', (d) => writeFileSync(join(d, 'checkpoint-12.json'), readFileSync(join(d, 'checkpoint-12.json'), 'utf8').slice(0, 100)), /checkpoint-12\.json not valid JSON \(truncated\?\); resuming from checkpoint-9\.json/],
    ];
    for (const [name, damage, re] of cases) {
      const dir = tmp();
      expect((await train(cfg, dir)).code, name).toBe(0);
      damage(dir);
      const r = await train(cfg, dir, '--resume');
      expect(r.code, `${name}: ${r.err}`).toBe(0);
      expect(r.err, name).toMatch(re);
      expect(snapshot(dir), name).toEqual(snapshot(ref));
    }
  });

  it('a checkpoint whose losses disagree with metrics.jsonl is not trusted', () => {
    const v = validateCheckpoint(
      { format: 'sntk-train-checkpoint/1', step: 2, params: [0, 1], optimizer: { velocity: null }, losses: [0.5, 0.4] },
      2,
      { paramCount: 2, optimizer: 'sgd', metricLosses: new Map([[0, 0.5], [1, 0.41]]) },
    );
    expect(v).toBe('its loss at step 1 (0.4) differs from metrics.jsonl (0.41)');
  });

  it('no valid checkpoint at all: exit 2 naming each', async () => {
    const cfg = configFile(tinyConfig({ steps: 3 }));
    const dir = tmp();
    expect((await train(cfg, dir)).code).toBe(0);
    edit(dir, 0, (ck) => (ck.params = ck.params.slice(1)));
    edit(dir, 3, (ck) => (ck.format = 'x'));
    expectOneLineFailure(await train(cfg, dir, '--resume'), 2, /resume: no valid checkpoint in .* \(checkpoint-3\.json format: .*; checkpoint-0\.json params: .*\); start a new run/);
  });

  it('a different config is refused (config.json present or missing) unless --force-config', async () => {
    const cfg = configFile(tinyConfig());
    const other = configFile(tinyConfig({ optimizer: { kind: 'natgrad', learningRate: 0.25 } }));
    const dir = tmp();
    expect((await train(cfg, dir)).code).toBe(0);
    expectOneLineFailure(await train(other, dir, '--resume'), 2, /config differs .*first difference: optimizer\.learningRate.*--force-config/);
    rmSync(join(dir, 'config.json'));
    expectOneLineFailure(await train(other, dir, '--resume'), 2, /checkpoint-12\.json was written with a different config; .*--force-config/);
    const forced = await train(other, dir, '--resume', '--force-config');
    expect(forced.code, forced.err).toBe(0);
    expectOneLineFailure(await train(cfg, tmp(), '--force-config'), 2, /--force-config applies with --resume only/);
  });

  it('divergence: the named last good checkpoint has a finite loss; a divergence at step 0 exits 1 saying there is none', async () => {
    const dir = tmp();
    // the readout bias blows up during step 5 (finite params, so checkpoint-6 is written) → the loss at step 6 is not finite
    const r = await trainRun(tinyConfig({ steps: 12, checkpointEvery: 2, optimizer: { kind: 'sgd', learningRate: 0.1 } }), {
      outDir: dir,
      onStep: (i) => {
        if (i.step === 5) i.model.params[i.model.params.length - 1] = 1e300;
      },
    });
    expect(r.summary.status).toBe('nan');
    const good = r.summary.lastCheckpointStep;
    expect(r.summary.nanStep).toBe(6);
    expect(good).toBe(4); // not 6: checkpoint-6 holds the parameters whose loss is not finite
    expect(r.summary.message).toMatch(new RegExp(`last good checkpoint is checkpoint-${good}\\.json`));
    // resuming from the named checkpoint reproduces a finite loss at its step
    const ck = JSON.parse(readFileSync(join(dir, `checkpoint-${good}.json`), 'utf8'));
    expect(ck.params.every(Number.isFinite)).toBe(true);

    const initialParams = new Array(55).fill(0);
    initialParams[54] = 1e300; // readout bias: the loss overflows at step 0
    const blowUp = configFile(tinyConfig({ initialParams }));
    const out = tmp();
    const res = await runCli(['train', '--config', blowUp, '--out', out, '--quiet']);
    expect(res.code).toBe(1);
    expect(res.err).not.toMatch(/no rows/);
    expect(res.err).toMatch(/no report: the run stopped before its first monitored step/);
    expect(res.err).toMatch(/training stopped: stopped at step 0: .*no good checkpoint \(the run already failed at its initial parameters\)/);
  });
});

describe('events after a resume', () => {
  it('events (with the monitor, a fold at step 26, reported as an imperfect pitchfork) are byte-identical after a resume past them', async () => {
    const { createMonitor } = await import('../../src/train/monitor/monitor.js');
    const { parseTrainConfig } = await import('../../src/train/config.js');
    const cfg = parseTrainConfig({ seed: 1, steps: 30, checkpointEvery: 3, task: { name: 'pitchfork', hiddenSize: 6, T: 15, B: 4 }, optimizer: { kind: 'natgrad', learningRate: 0.5 }, monitor: { fixedPointStarts: 4 } });
    const hooks = () => createMonitor({ ...cfg.monitor, seed: cfg.seed }).hooks();
    const ref = tmp();
    const full = await trainRun(cfg, { outDir: ref, ...hooks() });
    expect(full.events.some((e) => e['detectedAs'] === 'saddle-node')).toBe(true);
    const dir = tmp();
    const h = hooks();
    await expect(trainRun(cfg, { outDir: dir, ...h, onStep: (i) => { if (i.step === 28) throw new Error('killed'); return h.onStep!(i); } })).rejects.toThrow('killed');
    await trainRun(cfg, { outDir: dir, resume: true, ...hooks() });
    expect(snapshot(dir)).toEqual(snapshot(ref));
  }, 60000);
});
